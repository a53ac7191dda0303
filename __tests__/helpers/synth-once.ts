import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import type { TfJson } from "./terraform";

/** The environments every run may share: the shipped configs, unmodified. */
export type SharedEnvironment = "dev" | "prod";

export interface SynthesizedEnvironment {
  /** The environment's cdktf.out: manifest.json and stacks/<name>/cdk.tf.json. Read it, never write to it. */
  readonly outdir: string;
  /** Every stack's cdk.tf.json, parsed afresh for the caller (mutating it affects no other test). */
  readonly stacks: Record<string, TfJson>;
}

const WAIT_MS = 55_000;

/**
 * A shipped environment synthesized once per vitest run, whichever test file asks first; the others
 * read the same output. `synthEnvironment` builds into a staging directory and renames it into place,
 * so the directory existing means the output is complete. A test of a deliberately modified config
 * synthesizes that config itself.
 */
export async function synthesizedEnvironment(envName: SharedEnvironment): Promise<SynthesizedEnvironment> {
  const outdir = join(inject("synthCacheDir"), envName);
  const failed = `${outdir}.error`;
  if (!existsSync(outdir) && claim(`${outdir}.lock`)) {
    try {
      // Loaded only here: a file that reads an output already there never loads cdktn.
      const { synthEnvironment } = await import("../../main.js");
      synthEnvironment(envName, outdir, undefined, {});
    } catch (error) {
      writeFileSync(failed, (error as Error).stack ?? String(error));
      throw error;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(outdir)) {
    if (existsSync(failed)) throw new Error(`the shared synth of ${envName} failed:\n${readFileSync(failed, "utf8")}`);
    if (Date.now() > deadline) throw new Error(`the shared synth of ${envName} did not finish within ${WAIT_MS} ms`);
    await sleep(50);
  }
  return { outdir, stacks: readStacks(outdir) };
}

/** Atomic across processes: only one caller creates the lock directory. */
function claim(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function readStacks(outdir: string): Record<string, TfJson> {
  const stacks: Record<string, TfJson> = {};
  for (const name of readdirSync(join(outdir, "stacks"))) {
    stacks[name] = JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
  }
  return stacks;
}
