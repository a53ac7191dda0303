import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A JSON object of the synthesized Terraform (a resource body, a block). */
export type Block = Record<string, unknown>;

/** The parts of a stack's cdk.tf.json that the cost estimate and the diagram read. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, Block>;
  readonly provider?: Record<string, Block[]>;
  readonly terraform?: Block;
}

export interface SynthStack {
  readonly name: string;
  readonly json: StackJson;
}

/** One resource of a stack, with its Terraform address. */
export interface Resource {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** `type.name`, the address inside its stack. */
  readonly address: string;
  readonly body: Block;
}

/** Every stack of one environment's synth, in dependency order. */
export class Synth {
  readonly stacks: readonly SynthStack[];
  private readonly byName: ReadonlyMap<string, SynthStack>;

  constructor(stacks: readonly SynthStack[]) {
    this.stacks = stacks;
    this.byName = new Map(stacks.map((s) => [s.name, s]));
  }

  stack(name: string): SynthStack | undefined {
    return this.byName.get(name);
  }

  /** The environment name the stacks were synthesized for (the provider's `fc:environment` default tag). */
  get environment(): string | undefined {
    for (const s of this.stacks) {
      const env = defaultTags(s.json)["fc:environment"];
      if (typeof env === "string") return env;
    }
    return undefined;
  }

  /** The AWS provider's region (every stack shares it). */
  get region(): string | undefined {
    for (const s of this.stacks) {
      const region = s.json.provider?.aws?.[0]?.region;
      if (typeof region === "string") return region;
    }
    return undefined;
  }

  /** Resources of one type across stacks (or in one stack), sorted by stack order then address. */
  resources(type: string, stackName?: string): Resource[] {
    const out: Resource[] = [];
    for (const s of this.stacks) {
      if (stackName !== undefined && s.name !== stackName) continue;
      const byName = s.json.resource?.[type] ?? {};
      for (const name of Object.keys(byName).sort()) {
        out.push({ stack: s.name, type, name, address: `${type}.${name}`, body: byName[name]! });
      }
    }
    return out;
  }

  /** Every resource type used in a stack, sorted. */
  resourceTypes(stackName: string): string[] {
    return Object.keys(this.stack(stackName)?.json.resource ?? {}).sort();
  }

  resource(stack: string, type: string, name: string): Resource | undefined {
    const body = this.stack(stack)?.json.resource?.[type]?.[name];
    return body === undefined ? undefined : { stack, type, name, address: `${type}.${name}`, body };
  }
}

function defaultTags(json: StackJson): Record<string, unknown> {
  const tags = (json.provider?.aws?.[0]?.default_tags as Block[] | undefined)?.[0]?.tags;
  return typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : {};
}

/** Raised when a directory holds no readable synth; the message names the path and what was expected. */
export class SynthReadError extends Error {
  override name = "SynthReadError";
}

interface Manifest {
  readonly stacks: Record<string, { readonly synthesizedStackPath: string; readonly dependencies?: string[] }>;
}

/** Reads `<dir>/manifest.json` and every stack it lists (the layout `cdktn synth` and main.ts write). */
export function readSynth(dir: string): Synth {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) {
    throw new SynthReadError(`${dir}: no manifest.json; expected the output directory of a synth (cdktf.out)`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (error) {
    throw new SynthReadError(`${manifestPath}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof manifest.stacks !== "object" || manifest.stacks === null) {
    throw new SynthReadError(`${manifestPath}: has no "stacks" object`);
  }
  const stacks = dependencyOrder(manifest).map((name) => {
    const file = join(dir, manifest.stacks[name]!.synthesizedStackPath);
    try {
      return { name, json: JSON.parse(readFileSync(file, "utf8")) as StackJson };
    } catch (error) {
      throw new SynthReadError(`${file}: cannot read stack "${name}" (${(error as Error).message})`);
    }
  });
  return new Synth(stacks);
}

/** Stack names with every dependency before its dependents; ties alphabetical, so the order is stable. */
function dependencyOrder(manifest: Manifest): string[] {
  const names = Object.keys(manifest.stacks).sort();
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: readonly string[]) => {
    if (done.has(name) || path.includes(name)) return;
    for (const dep of [...(manifest.stacks[name]?.dependencies ?? [])].sort()) {
      if (manifest.stacks[dep]) visit(dep, [...path, name]);
    }
    done.add(name);
    out.push(name);
  };
  for (const name of names) visit(name, []);
  return out;
}

/**
 * The synth of `env` under `dir`: `dir` itself when it holds that environment's synth, else
 * `dir/<env>` when that does (one directory per environment). Undefined when neither does.
 */
export function findSynth(dir: string, env: string): Synth | undefined {
  for (const candidate of [dir, join(dir, env)]) {
    if (!existsSync(join(candidate, "manifest.json"))) continue;
    const synth = readSynth(candidate);
    if (synth.environment === env) return synth;
  }
  return undefined;
}
