/**
 * Summarizes V8 .cpuprofile files (node --cpu-prof, e.g. from BENCH_CPU_PROF=dir npm run bench:http):
 * where the samples' self time went, by package (or app source) and by function.
 *   tsx bench/cpu-profile.ts <file.cpuprofile> [--top 25]
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "express", "@redis/client", "apps/shared/src/http-app.ts", "node:internal/...", "(idle)"... */
function owner(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return url.replace(/^node:internal\/([^/]+).*/, "node:$1");
  return url.replace(/^file:\/\//, "").replace(/.*\/(apps|scripts|bench)\//, "$1/");
}

const maps = new Map<string, SourceMap | undefined>();

/** A bundle's frame mapped back to its source file (apps/..., node_modules/...) through the .map beside it. */
function original(url: string, line: number, column: number): { url: string; line: number } {
  if (!url.endsWith(".js")) return { url, line };
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : undefined);
  }
  const entry = maps.get(file)?.findEntry(line, column);
  return entry && "originalSource" in entry && entry.originalSource
    ? { url: entry.originalSource, line: entry.originalLine }
    : { url, line };
}

function summarize(path: string, top: number): void {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)")
    .reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const byOwner = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const { functionName } = frame;
    if (functionName === "(idle)") continue;
    const { url, line } = original(frame.url, frame.lineNumber, frame.columnNumber);
    const o = owner(url, functionName);
    byOwner.set(o, (byOwner.get(o) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"} ${o}:${line + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(
    `${path}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)} %)`,
  );
  console.log("  self time by package / source (share of busy time):");
  for (const [o, us] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${pct(us)}  ${o}`);
  console.log("  self time by function:");
  for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${pct(us)}  ${f}`);
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "25" } },
  allowPositionals: true,
});
for (const file of positionals) summarize(file, Number(values.top));
