import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack, Testing } from "cdktn";
import type { Construct } from "constructs";
import { loadConfig, type EnvConfig } from "../../config";
import { createStacks } from "../../stacks";
import { FcStack } from "../../stacks/fc-stack";

type Block = Record<string, unknown>;

/** The parts of a synthesized cdk.tf.json the tests read. */
export interface TfJson {
  readonly terraform: Block & { backend: Record<string, Block> };
  readonly provider: Record<string, Block[]>;
  readonly resource: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, Block & { description?: string; value: unknown }>;
  readonly moved?: { from: string; to: string }[];
}

/** Synthesizes every stack of a config with a real App into a fresh directory; returns it and the parsed stacks. */
export function synthApp(config: EnvConfig): { outdir: string; stacks: Record<string, TfJson> } {
  const outdir = mkdtempSync(join(tmpdir(), "fc-synth-"));
  const app = new App({ outdir });
  createStacks(app, config);
  app.synth();
  const stacks: Record<string, TfJson> = {};
  for (const name of readdirSync(join(outdir, "stacks"))) {
    stacks[name] = JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
  }
  return { outdir, stacks };
}

/** A stack with the project's provider, backend and address scheme, for module tests. */
class ModuleTestStack extends FcStack {}

/** Synthesizes constructs built by `build` inside a dev-configured test stack. */
export function synthModule(build: (scope: Construct) => void): TfJson {
  const stack = new ModuleTestStack(Testing.app(), "test", { config: loadConfig("dev") });
  build(stack);
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

export function resourcesOf(json: TfJson, type: string): Record<string, Block> {
  return json.resource[type] ?? {};
}

export function dataOf(json: TfJson, type: string): Record<string, Block> {
  return json.data?.[type] ?? {};
}

/** The single resource of a type; fails when there are none or several. */
export function onlyResource(json: TfJson, type: string): Block {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]!;
}

/** "type.name" for every resource in a stack, sorted. */
export function addresses(json: TfJson): string[] {
  return Object.entries(json.resource)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

/** Runs `build` in a fresh plain stack and returns the message of the error it throws (fails if none). */
export function constructError(build: (stack: TerraformStack) => void): string {
  const stack = new TerraformStack(Testing.app(), "test");
  try {
    build(stack);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the construct to throw");
}
