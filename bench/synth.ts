// bench:synth — five cold synths of all stacks of every environment; prints median wall time and peak RSS.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const RUNS = 5;
const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

const walls: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const out = execFileSync(tsx, [join(__dirname, "synth-once.ts")], { cwd: root, encoding: "utf8" });
  walls.push((performance.now() - start) / 1000);
  rss.push((JSON.parse(out) as { maxRssMiB: number }).maxRssMiB);
}
walls.sort((a, b) => a - b);
const median = walls[Math.floor(RUNS / 2)]!;
console.log(
  `synth all environments x${RUNS}: median ${median.toFixed(2)} s (min ${walls[0]!.toFixed(2)} s, max ${walls[RUNS - 1]!.toFixed(2)} s)`,
);
console.log(`peak RSS: ${Math.max(...rss).toFixed(0)} MiB`);
console.log(`targets: <= 2.5 s and <= 350 MiB -> ${median <= 2.5 && Math.max(...rss) <= 350 ? "met" : "MISSED"}`);
