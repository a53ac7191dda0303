import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { App } from "cdktf";
import { ConfigError, envNameFrom, loadConfig, type EnvConfig } from "./config";
import { createStacks } from "./stacks";

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
): void {
  const config = loadConfig(envName, environments);
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

function main(): void {
  const envName = envNameFrom(process.env);
  try {
    // Under `cdktf synth|diff|deploy` the CLI owns the output directory (CDKTF_OUTDIR).
    const cliOutdir = process.env.CDKTF_OUTDIR;
    if (cliOutdir) synthConfig(loadConfig(envName), cliOutdir);
    else synthEnvironment(envName);
    console.log(`synthesized environment "${envName}" into ${cliOutdir ?? "cdktf.out"}`);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

if (require.main === module) main();
