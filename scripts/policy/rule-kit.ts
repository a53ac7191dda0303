// What a policy rule is, and the small helpers the rule table is written with.
import { baseConfigShape } from "../../apps/shared/src/config";
import type { EnvConfig } from "../../config";
import { parseContainerDefinitions, type ContainerDefinition } from "./containers";
import type { Environment, Resource, StackJson } from "./tf";

/** Where a rule runs: one stack of one environment, with the others visible for cross-stack rules. */
export interface RuleContext {
  readonly envName: string;
  readonly stackName: string;
  readonly config: EnvConfig;
  readonly env: Environment;
}

/** One resource (or one statement/container of it) a rule looked at; `problem` set when it fails. */
export interface Outcome {
  readonly resource: Resource;
  readonly problem?: string;
  /** Narrows what failed inside the resource (a statement sid, a container name) for exceptions. */
  readonly detail?: string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly checkov: readonly string[];
  readonly trivy: readonly string[];
  readonly securityHub: readonly string[];
  /** Pure: the same stack and context always give the same outcomes. */
  readonly check: (stack: StackJson, ctx: RuleContext) => Outcome[];
}

export const pass = (resource: Resource, detail?: string): Outcome => ({ resource, detail });
export const fail = (resource: Resource, problem: string, detail?: string): Outcome => ({ resource, problem, detail });

/** One outcome per resource of `types` in the stack; `test` returns the problem, or undefined when it passes. */
export function eachResource(
  ctx: RuleContext,
  types: string | readonly string[],
  test: (r: Resource) => string | undefined,
): Outcome[] {
  return (typeof types === "string" ? [types] : types)
    .flatMap((t) => ctx.env.resources(t, ctx.stackName))
    .map((r) => {
      const problem = test(r);
      return problem === undefined ? pass(r) : fail(r, problem);
    });
}

export interface TaskContainer {
  readonly task: Resource;
  readonly container: ContainerDefinition;
}

/** Every container of every task definition in the stack; unreadable definitions fail instead. */
export function eachContainer(
  ctx: RuleContext,
  test: (c: ContainerDefinition, task: Resource) => string | undefined,
): Outcome[] {
  return ctx.env.resources("aws_ecs_task_definition", ctx.stackName).flatMap((task) => {
    const parsed = parseContainerDefinitions(task.body.container_definitions);
    if (!parsed.ok) return [fail(task, parsed.why)];
    return parsed.containers.map((c) => {
      const problem = test(c, task);
      return problem === undefined ? pass(task, c.name) : fail(task, `container ${c.name}: ${problem}`, c.name);
    });
  });
}

/** Containers of every task definition in the whole environment (for cross-stack comparisons). */
export function allContainers(env: Environment): TaskContainer[] {
  return env.resources("aws_ecs_task_definition").flatMap((task) => {
    const parsed = parseContainerDefinitions(task.body.container_definitions);
    return parsed.ok ? parsed.containers.map((container) => ({ task, container })) : [];
  });
}

/** The apps' own defaults (apps/shared/src/config.ts), read from the schema rather than copied. */
export const APP_DEFAULTS = {
  keepAliveTimeoutMs: baseConfigShape.KEEP_ALIVE_TIMEOUT_MS.parse(undefined),
  headersTimeoutMs: baseConfigShape.HEADERS_TIMEOUT_MS.parse(undefined),
  shutdownTimeoutMs: baseConfigShape.SHUTDOWN_TIMEOUT_MS.parse(undefined),
  bodyLimitBytes: baseConfigShape.BODY_LIMIT_BYTES.parse(undefined),
} as const;

const APP_ENV_KEYS = new Set(Object.keys(baseConfigShape));

/** A service's app container: the platform writes the shared app settings (env contract) into it. */
export function isAppContainer(c: ContainerDefinition): boolean {
  return c.environment.some((e) => APP_ENV_KEYS.has(e.name));
}

/** A numeric environment setting of an app container, or the apps' default. */
export function appSetting(c: ContainerDefinition, name: string, fallback: number): number {
  const raw = c.environment.find((e) => e.name === name)?.value;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return n ?? fallback;
}

/** Production-grade requirements (deletion protection, Multi-AZ, no ECS Exec) apply to `prod`. */
export function isProduction(ctx: RuleContext): boolean {
  return ctx.envName === "prod";
}

/**
 * FIS is enabled only when config carries a `fis` key that enables it (config/ops-schema.ts fisSchema;
 * dev turns it on). `{ fis: { enabled: true } }` or `fis: true` turns it on.
 */
export function fisEnabled(config: unknown): boolean {
  const fis = (config as Record<string, unknown> | undefined)?.fis;
  if (fis === undefined || fis === null) return false;
  if (typeof fis === "object") return (fis as Record<string, unknown>).enabled === true;
  return fis === true;
}

/** The SSM agent sidecar FIS task actions need. */
export function isSsmAgentContainer(c: ContainerDefinition): boolean {
  return /amazon-ssm-agent|ssm-agent/i.test(c.image) || /ssm-agent/i.test(c.name);
}
