// One cold synth of every environment, as a separate process so the bench sees real startup cost.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config";
import { synthEnvironment } from "../main";

const root = mkdtempSync(join(tmpdir(), "fc-bench-"));
try {
  for (const env of Object.keys(ENVIRONMENTS)) synthEnvironment(env, join(root, env));
} finally {
  rmSync(root, { recursive: true, force: true });
}
// maxRSS is in KiB.
process.stdout.write(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
