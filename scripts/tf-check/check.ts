/**
 * tf:check's core: per stack, a prepared copy in its own directory, then terraform init (no backend),
 * validate, and plan -refresh=false -lock=false with fake credentials. Stacks run a few at a time and
 * share one plugin cache; inits take turns (the cache is not safe for concurrent installs).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareStack, type Providers } from "./prepare";
import { firstError, planCounts, runTerraform } from "./terraform";
import type { Diagnostic } from "./translations";

type Json = Record<string, unknown>;

export const EXIT = {
  /** Every stack validated and planned. */
  ok: 0,
  /** At least one stack failed validate or plan (each failure has a line naming the stack and cause). */
  stackFailed: 1,
  /** Bad arguments. */
  usage: 2,
  /** The machine cannot run the check: no terraform on PATH, or the mirror lacks hashicorp/aws. */
  environment: 3,
} as const;

export class CheckSetupError extends Error {}

export interface StackRow {
  readonly env: string;
  readonly stack: string;
  readonly validate: "ok" | "failed" | "-";
  readonly add?: number;
  readonly change?: number;
  readonly destroy?: number;
  readonly notes: string[];
  readonly error?: string;
}

export interface StackInput {
  readonly env: string;
  readonly stack: string;
  readonly json: Json;
  /** Every stack of the same environment (the remote-state stubs read their outputs). */
  readonly siblings: Readonly<Record<string, Json>>;
  readonly accountId: string;
  readonly region: string;
}

/** The providers a filesystem mirror holds (hashicorp/<name> → newest version for linux_amd64). */
export function mirrorProviders(mirror: string): Record<string, string> {
  const root = join(mirror, "registry.terraform.io", "hashicorp");
  if (!existsSync(root)) return {};
  const out: Record<string, string> = {};
  for (const name of readdirSync(root)) {
    const versions = readdirSync(join(root, name)).filter((v) => existsSync(join(root, name, v, "linux_amd64")));
    const newest = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
    if (newest) out[name] = newest;
  }
  return out;
}

/** A CLI configuration installing from `mirror` only (nothing from the network), or from the registry. */
export function cliConfig(mirror: string | undefined): string {
  if (!mirror) return "";
  return `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`;
}

export interface CheckOptions {
  readonly workDir: string;
  readonly providers: Providers;
  readonly mirror?: string;
  readonly jobs: number;
  readonly timeoutMs?: number;
  readonly binary?: string;
}

/** Checks every stack; rows come back in input order. */
export async function checkStacks(inputs: readonly StackInput[], opts: CheckOptions): Promise<StackRow[]> {
  mkdirSync(opts.workDir, { recursive: true });
  const cache = join(opts.workDir, "plugin-cache");
  mkdirSync(cache, { recursive: true });
  // With a mirror, a CLI configuration of our own; without, the user's (the registry, or their mirrors).
  const rc = join(opts.workDir, "terraform.rc");
  writeFileSync(rc, cliConfig(opts.mirror));
  const cliConfigFile = opts.mirror ? rc : process.env.TF_CLI_CONFIG_FILE;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(cliConfigFile ? { TF_CLI_CONFIG_FILE: cliConfigFile } : {}),
    TF_PLUGIN_CACHE_DIR: cache,
    // Without a lock file, each init would reinstall the provider into the shared cache while other
    // stacks run from it; with this, inits after the first only link to the cached package.
    TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: "true",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    // Fake credentials: the provider is told not to check them, and nothing is refreshed.
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  const rows: StackRow[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < inputs.length; i = next++) rows[i] = await checkOne(inputs[i]!, opts, env);
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  return rows;
}

async function checkOne(input: StackInput, opts: CheckOptions, env: NodeJS.ProcessEnv): Promise<StackRow> {
  const base = { env: input.env, stack: input.stack };
  let prepared;
  try {
    prepared = prepareStack(input.json, input.siblings, opts.providers, input);
  } catch (error) {
    return { ...base, validate: "-", notes: [], error: `prepare: ${(error as Error).message}` };
  }
  const dir = join(opts.workDir, input.env, input.stack);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(prepared.json, null, 2));
  const run = (args: string[], timeoutMs = opts.timeoutMs ?? 180_000) =>
    runTerraform(args, { cwd: dir, env: { ...env, AWS_REGION: input.region }, timeoutMs, binary: opts.binary });
  const notes = prepared.notes;

  // One init at a time: terraform's plugin cache is not safe for concurrent installs.
  const init = await initLock.run(() => run(["init", "-backend=false", "-input=false", "-no-color"]));
  if (init.code !== 0) {
    return {
      ...base,
      validate: "-",
      notes,
      error: `init: ${init.timedOut ? "timed out" : firstError(init.stderr + init.stdout)}`,
    };
  }
  const validate = await run(["validate", "-json", "-no-color"]);
  const errors = validateErrors(validate.stdout);
  if (validate.code !== 0 || errors.length > 0) {
    const cause = errors[0] ? describe(errors[0]) : validate.timedOut ? "timed out" : firstError(validate.stderr);
    return {
      ...base,
      validate: "failed",
      notes,
      error: `validate: ${cause}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}`,
    };
  }
  const plan = await run(["plan", "-refresh=false", "-lock=false", "-input=false", "-no-color"]);
  const counts = planCounts(plan.stdout);
  if (plan.code !== 0 || !counts) {
    return {
      ...base,
      validate: "ok",
      notes,
      error: `plan: ${plan.timedOut ? "timed out" : firstError(plan.stderr + plan.stdout)}`,
    };
  }
  return { ...base, validate: "ok", ...counts, notes };
}

/** Runs one task at a time, in call order. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
const initLock = new Serial();

function validateErrors(stdout: string): Diagnostic[] {
  try {
    const parsed = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
    return parsed.diagnostics.filter((d) => d.severity === "error");
  } catch {
    return [];
  }
}

function describe(d: Diagnostic): string {
  const where = d.snippet?.context ? ` in ${d.snippet.context}` : "";
  return `${d.summary}: ${d.detail.split("\n")[0]}${where}`;
}

/** The table tf:check prints. */
export function formatTable(rows: readonly StackRow[]): string {
  const header = ["env", "stack", "validate", "add", "change", "destroy", "notes"];
  const cells = rows.map((r) => [
    r.env,
    r.stack,
    r.validate,
    r.add === undefined ? "-" : String(r.add),
    r.change === undefined ? "-" : String(r.change),
    r.destroy === undefined ? "-" : String(r.destroy),
    [r.error ? `FAILED ${r.error}` : "", ...r.notes].filter(Boolean).join("; "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 6 ? 0 : c[i]!.length))));
  const line = (c: string[]) => c.map((v, i) => (i === 6 ? v : v.padEnd(widths[i]!))).join(" | ");
  return [
    line(header),
    line(
      widths
        .map((w) => "-".repeat(w))
        .concat(["-----"])
        .slice(0, 7),
    ),
    ...cells.map(line),
  ].join("\n");
}
