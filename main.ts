import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { App } from "cdktn";
import { assertStateSurvivesCi, ConfigError, ENVIRONMENTS, envNameFrom, loadConfig, type EnvConfig } from "./config";
import { EnvContractError } from "./apps/shared/src/env-contract";
import { PropError } from "./modules/lib/validate";
import { createStacks } from "./stacks";

// cdktn records a stack trace for every token it creates, only to name where a bad token came from;
// with source maps that is most of a synth's time. Set CDKTN_DISABLE_CREATION_STACK=false to debug one.
process.env.CDKTN_DISABLE_CREATION_STACK ??= "true";

/** Builds every stack of a validated config into `outdir` (nothing is written until synth succeeds). */
export function synthConfig(config: EnvConfig, outdir: string): void {
  const app = new App({ outdir });
  createStacks(app, config);
  app.synth();
}

/**
 * Synthesizes one environment. Outside the cdktf CLI the output is built in a sibling staging
 * directory and swapped in whole, so a failed synth leaves no output and stale stacks of another
 * environment never linger.
 */
export function synthEnvironment(
  envName: string,
  outdir = "cdktf.out",
  environments?: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const config = loadConfig(envName, environments);
  assertStateSurvivesCi(config, env);
  const target = resolve(outdir);
  const staging = mkdtempSync(`${target}.staging-`);
  try {
    synthConfig(config, staging);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The CLI: synthesizes FC_ENV. Under `cdktf synth|diff|deploy` the CLI owns the output directory
 * (CDKTF_OUTDIR). Returns the exit code; `environments` is replaceable for tests.
 */
export function main(env: NodeJS.ProcessEnv = process.env, environments = ENVIRONMENTS): number {
  const envName = envNameFrom(env);
  try {
    const cliOutdir = env.CDKTF_OUTDIR;
    if (cliOutdir) {
      const config = loadConfig(envName, environments);
      assertStateSurvivesCi(config, env);
      synthConfig(config, cliOutdir);
    } else synthEnvironment(envName, "cdktf.out", environments, env);
    console.log(`synthesized environment "${envName}" into ${cliOutdir ?? "cdktf.out"}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PropError || error instanceof EnvContractError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) process.exitCode = main();
