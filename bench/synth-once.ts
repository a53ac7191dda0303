// One cold synth of every environment, as a separate process so the bench sees real startup cost.
// BENCH_SERVICES=<n> grows each environment's services map to n services (internal workers built from
// the responder's app, each calling the one before it and using the cache) before synthesizing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config";
import { synthEnvironment } from "../main";

/** `raw` with its services map grown to `count` entries (generated services only; none removed). */
export function withServices(raw: unknown, count: number): unknown {
  const config = structuredClone(raw) as { services: Record<string, unknown> };
  let previous = "responder";
  for (let i = Object.keys(config.services).length + 1; i <= count; i++) {
    const name = `worker-${i}`;
    config.services[name] = {
      exposure: "internal",
      app: "responder",
      imageTag: "0.1.0",
      port: 9000 + i,
      connectsTo: [previous],
      cache: true,
      tracing: true,
    };
    previous = name;
  }
  return config;
}

const count = Number(process.env.BENCH_SERVICES ?? 0);
const environments = Object.fromEntries(
  Object.keys(ENVIRONMENTS).map((env) => [env, count > 0 ? withServices(ENVIRONMENTS[env], count) : ENVIRONMENTS[env]]),
);
const root = mkdtempSync(join(tmpdir(), "fc-bench-"));
try {
  for (const env of Object.keys(environments)) synthEnvironment(env, join(root, env), environments);
} finally {
  rmSync(root, { recursive: true, force: true });
}
// maxRSS is in KiB.
process.stdout.write(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
