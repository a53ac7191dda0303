import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvConfig } from "../../config";
import { findSynth, readSynth, type Synth } from "./synth";

/**
 * The environment's synth from `dir` when it holds one (see findSynth); otherwise synthesizes the
 * config in-process into a temporary directory, reads it and removes the directory.
 */
export async function synthOf(
  config: EnvConfig,
  dir: string,
  onSynthesize: (dir: string) => void = () => undefined,
): Promise<Synth> {
  const found = findSynth(dir, config.envName);
  if (found) return found;
  onSynthesize(dir);
  // Loaded only here: the stacks and provider classes take about a second to import.
  const { synthConfig } = await import("../../main.js");
  const tmp = mkdtempSync(join(tmpdir(), `fc-${config.envName}-synth-`));
  try {
    synthConfig(config, tmp);
    return readSynth(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
