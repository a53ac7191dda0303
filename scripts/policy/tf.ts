// The policy suite's view of synthesized CDKTF JSON: every stack of one environment, with the
// references between resources (same stack and through CDKTF's remote-state outputs) resolved.
import type { EnvConfig } from "../../config";

export type Block = Record<string, unknown>;

/** The parts of a synthesized cdk.tf.json the rules read. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, { value?: unknown }>;
  readonly terraform?: Block;
}

/** One resource (or data source) found in a stack. */
export interface Resource {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** "aws_lb.alb_lb", or "data.aws_iam_policy_document.x" for data sources. */
  readonly address: string;
  readonly body: Block;
}

/** A reference found in a Terraform expression: `${aws_lb.alb.arn}`. */
export interface Reference {
  readonly resource: Resource;
  readonly attribute: string;
}

const REMOTE_OUTPUT = /^\$\{data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)\}$/;
const WHOLE_REF = /^\$\{(data\.)?([a-z][a-z0-9_]*)\.([\w-]+)\.([\w-]+)(?:\[[^\]]*\])?\}$/;
const ANY_REF = /\b(data\.)?(aws_[a-z0-9_]+|random_[a-z0-9_]+)\.([\w-]+)\.([\w-]+)/g;
const REMOTE_ANY = /data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g;

export function isRecord(value: unknown): value is Block {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Terraform blocks are objects or one-element lists depending on how CDKTF rendered them. */
export function blocks(value: unknown): Block[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

export function block(value: unknown): Block | undefined {
  return blocks(value)[0];
}

/** true for the literal boolean or the string Terraform would coerce ("true"). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

/** A number, or a numeric string; undefined for tokens and anything else. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** A string that is entirely or partly a Terraform expression. */
export function isToken(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** All stacks of one environment, with its validated config. */
export class Environment {
  constructor(
    readonly envName: string,
    readonly config: EnvConfig,
    readonly stacks: Readonly<Record<string, StackJson>>,
  ) {}

  get stackNames(): string[] {
    return Object.keys(this.stacks).sort();
  }

  /** Resources of one type, in one stack or (without `stack`) in every stack. */
  resources(type: string, stack?: string): Resource[] {
    const names = stack === undefined ? this.stackNames : [stack];
    return names.flatMap((s) =>
      Object.entries(this.stacks[s]?.resource?.[type] ?? {}).map(([name, body]) => ({
        stack: s,
        type,
        name,
        address: `${type}.${name}`,
        body,
      })),
    );
  }

  dataSource(stack: string, type: string, name: string): Resource | undefined {
    const body = this.stacks[stack]?.data?.[type]?.[name];
    return body ? { stack, type, name, address: `data.${type}.${name}`, body } : undefined;
  }

  resource(stack: string, type: string, name: string): Resource | undefined {
    const body = this.stacks[stack]?.resource?.[type]?.[name];
    return body ? { stack, type, name, address: `${type}.${name}`, body } : undefined;
  }

  /** The stack a `terraform_remote_state` data source reads: its state key is `<env>/<stack>.tfstate`. */
  private remoteStack(stack: string, remoteName: string): string | undefined {
    const remote = this.stacks[stack]?.data?.terraform_remote_state?.[remoteName];
    const config = isRecord(remote?.config) ? remote.config : {};
    const where = String(config.key ?? config.path ?? "");
    const match = /([^/]+)\.tfstate$/.exec(where);
    return match && this.stacks[match[1]!] ? match[1] : undefined;
  }

  /**
   * Follows `${data.terraform_remote_state.x.outputs.y}` to the value the other stack outputs,
   * recursively; returns [stack the value lives in, value]. Anything else is returned as is.
   */
  resolve(stack: string, value: unknown, depth = 0): { stack: string; value: unknown } {
    if (typeof value !== "string" || depth > 8) return { stack, value };
    const m = REMOTE_OUTPUT.exec(value);
    if (!m) return { stack, value };
    const target = this.remoteStack(stack, m[1]!);
    const output = target === undefined ? undefined : this.stacks[target]?.output?.[m[2]!];
    if (target === undefined || output === undefined) return { stack, value };
    return this.resolve(target, output.value, depth + 1);
  }

  /** A value resolved to a list of [stack, element] pairs (a list output, a list literal, or one value). */
  resolveList(stack: string, value: unknown): { stack: string; value: unknown }[] {
    const r = this.resolve(stack, value);
    if (Array.isArray(r.value)) return r.value.map((v) => this.resolve(r.stack, v));
    return [r];
  }

  /** The resource a whole-value expression like `${aws_lb.alb.arn}` points at (across stacks). */
  referenced(stack: string, value: unknown): Reference | undefined {
    const r = this.resolve(stack, value);
    if (typeof r.value !== "string") return undefined;
    const m = WHOLE_REF.exec(r.value);
    if (!m) return undefined;
    const [, isData, type, name, attribute] = m;
    const resource = isData ? this.dataSource(r.stack, type!, name!) : this.resource(r.stack, type!, name!);
    return resource ? { resource, attribute: attribute! } : undefined;
  }

  /** Every resource mentioned anywhere in `value` (strings, lists, objects), across stacks. */
  mentions(stack: string, value: unknown): Resource[] {
    const found = new Map<string, Resource>();
    const visit = (s: string, v: unknown, depth: number): void => {
      if (depth > 8) return;
      if (Array.isArray(v)) v.forEach((x) => visit(s, x, depth));
      else if (isRecord(v)) Object.values(v).forEach((x) => visit(s, x, depth));
      else if (typeof v === "string") {
        for (const m of v.matchAll(REMOTE_ANY)) {
          const r = this.resolve(s, `\${data.terraform_remote_state.${m[1]}.outputs.${m[2]}}`);
          if (r.stack !== s || r.value !== v) visit(r.stack, r.value, depth + 1);
        }
        for (const m of v.matchAll(ANY_REF)) {
          const [, isData, type, name] = m;
          if (type === "terraform_remote_state") continue;
          const res = isData ? this.dataSource(s, type!, name!) : this.resource(s, type!, name!);
          if (res) found.set(`${res.stack}/${res.address}`, res);
        }
      }
    };
    visit(stack, value, 0);
    return [...found.values()];
  }

  /** Does `value` (in `stack`) mention `target`? */
  mentionsResource(stack: string, value: unknown, target: Resource): boolean {
    return this.mentions(stack, value).some((r) => r.stack === target.stack && r.address === target.address);
  }

  /** Resources of `type` (any stack) whose `field` mentions `target`: the bucket's policy, the VPC's flow log. */
  attachedTo(type: string, field: string, target: Resource): Resource[] {
    return this.resources(type).filter((r) => this.mentionsResource(r.stack, r.body[field], target));
  }
}

export function sameResource(a: Resource, b: Resource): boolean {
  return a.stack === b.stack && a.address === b.address;
}
