// bench:synth [-- --services <n>] — five cold synths of all stacks of every environment; prints median
// wall time and peak RSS. With --services, each environment first grows to n services (bench/synth-once.ts).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const RUNS = 5;
const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

const flag = process.argv.indexOf("--services");
const services = flag >= 0 ? Number(process.argv[flag + 1]) : 0;
if (flag >= 0 && !(Number.isInteger(services) && services >= 2 && services <= 100)) {
  console.error(`--services: got ${JSON.stringify(process.argv[flag + 1])}; expected an integer from 2 to 100`);
  process.exit(1);
}

const walls: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const out = execFileSync(tsx, [join(__dirname, "synth-once.ts")], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, BENCH_SERVICES: String(services) },
  });
  walls.push((performance.now() - start) / 1000);
  rss.push((JSON.parse(out) as { maxRssMiB: number }).maxRssMiB);
}
walls.sort((a, b) => a - b);
const median = walls[Math.floor(RUNS / 2)]!;
console.log(
  `synth all environments${services > 0 ? ` (${services} services each)` : ""} x${RUNS}: median ${median.toFixed(2)} s (min ${walls[0]!.toFixed(2)} s, max ${walls[RUNS - 1]!.toFixed(2)} s)`,
);
console.log(`peak RSS: ${Math.max(...rss).toFixed(0)} MiB`);
console.log(`targets: <= 2.5 s and <= 350 MiB -> ${median <= 2.5 && Math.max(...rss) <= 350 ? "met" : "MISSED"}`);
