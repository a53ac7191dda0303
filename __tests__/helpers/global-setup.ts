import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where `synthesizedEnvironment` keeps each shipped environment's output for this run. */
    synthCacheDir: string;
  }
}

/**
 * Once per vitest run: tags this run's Redis keys (fc-test:<run>:...) and gives the run one directory
 * for the shared environment synths; removes both when the run ends.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const run = randomUUID().slice(0, 8);
  process.env.FC_TEST_RUN = run;
  const synthCacheDir = mkdtempSync(join(tmpdir(), `fc-synth-${run}-`));
  project.provide("synthCacheDir", synthCacheDir);
  return async () => {
    rmSync(synthCacheDir, { recursive: true, force: true });
    const client = createClient({ url: "redis://127.0.0.1:6379" });
    client.on("error", () => undefined);
    try {
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `fc-test:${run}:*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    } catch {
      // Redis gone already: nothing to clean.
    }
  };
}
