import { basename } from "node:path";
import type { Block, Resource, Synth } from "./synth";

/** A resource one Terraform expression points at, in the stack that owns it. */
export interface Ref {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** The attribute read (`id`, `arn`, …), when the expression reads one. */
  readonly attr?: string;
}

export const refKey = (r: { stack: string; type: string; name: string }): string => `${r.stack}:${r.type}.${r.name}`;

const REMOTE_OUTPUT = /data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g;
// A resource address not preceded by "." (so data sources and attributes of other refs are skipped).
const RESOURCE = /(?<![\w.])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?/g;

/**
 * The resources a value refers to (strings, or arrays/objects of them), following cross-stack
 * remote-state outputs to the stack that owns the resource. Sorted and without duplicates.
 */
export function refsOf(synth: Synth, stack: string, value: unknown): Ref[] {
  const found = new Map<string, Ref>();
  collect(synth, stack, value, found, 0);
  return [...found.values()].sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

/** The single resource a value refers to, or undefined when it refers to none or to several. */
export function refOf(synth: Synth, stack: string, value: unknown): Ref | undefined {
  const refs = refsOf(synth, stack, value);
  return refs.length === 1 ? refs[0] : undefined;
}

/** The resource a ref points at. */
export function resolve(synth: Synth, ref: Ref): Resource | undefined {
  return synth.resource(ref.stack, ref.type, ref.name);
}

/** True when `value` refers to the resource `target`. */
export function refersTo(synth: Synth, stack: string, value: unknown, target: Resource): boolean {
  return refsOf(synth, stack, value).some((r) => refKey(r) === refKey(target));
}

function collect(synth: Synth, stack: string, value: unknown, found: Map<string, Ref>, depth: number): void {
  if (depth > 8) return;
  if (typeof value === "string") {
    for (const expr of interpolations(value)) collectExpression(synth, stack, expr, found, depth);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(synth, stack, v, found, depth);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) collect(synth, stack, v, found, depth);
  }
}

function collectExpression(synth: Synth, stack: string, expr: string, found: Map<string, Ref>, depth: number): void {
  for (const m of expr.matchAll(REMOTE_OUTPUT)) {
    const target = remoteStack(synth, stack, m[1]!);
    const output = target ? synth.stack(target)?.json.output?.[m[2]!] : undefined;
    if (target && output) collect(synth, target, output.value, found, depth + 1);
  }
  const resources = synth.stack(stack)?.json.resource ?? {};
  for (const m of expr.replace(REMOTE_OUTPUT, "").matchAll(RESOURCE)) {
    const [, type, name, attr] = m;
    if (resources[type!]?.[name!] === undefined) continue;
    const ref: Ref =
      attr === undefined ? { stack, type: type!, name: name! } : { stack, type: type!, name: name!, attr };
    found.set(refKey(ref), ref);
  }
}

/** The stack a `terraform_remote_state` data source reads: its state file is `<stack>.tfstate`. */
function remoteStack(synth: Synth, stack: string, dataName: string): string | undefined {
  const remote = synth.stack(stack)?.json.data?.terraform_remote_state?.[dataName];
  const config = (remote?.config ?? {}) as Block;
  const location = typeof config.key === "string" ? config.key : typeof config.path === "string" ? config.path : "";
  const name = basename(location).replace(/\.tfstate$/, "");
  return synth.stack(name) ? name : undefined;
}

/** The contents of every `${…}` in a string (braces inside are balanced). */
export function interpolations(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("${", from);
    if (start === -1) return out;
    let depth = 1;
    let i = start + 2;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    out.push(text.slice(start + 2, i - 1));
    from = i;
  }
}
