// bench:http — autocannon, 50 connections, ~10 s per target, each server in its own process.
// BENCH_TRACING=1 turns OpenTelemetry on in both services, exporting to a local sink collector.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import autocannon from "autocannon";

const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const CONNECTIONS = 50;
const prefix = `bench:${process.pid}:`;
// Request logs off by default (BENCH_LOG_LEVEL=info measures them too: ~1 JSON line per request to stdout).
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "error";
const TRACING = process.env.BENCH_TRACING === "1";

/** Accepts OTLP/HTTP exports and drops them: the apps pay for tracing and exporting, not a collector. */
async function sinkCollector(): Promise<{ url: string; receivedBytes: () => number; close: () => void }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (c: Buffer) => (bytes += c.length));
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    receivedBytes: () => bytes,
    close: () => server.close(),
  };
}

/** Starts a server script and resolves with the URL it prints ("<name> listening on <url>"). */
function start(script: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(tsx, [join(root, script)], {
    env: { ...process.env, LOG_LEVEL, HOST: "127.0.0.1", PORT: "0", ...env },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (m) resolve({ url: m[1]!, child });
    });
  });
}

async function run(
  title: string,
  url: string,
): Promise<{ title: string; rps: number; p50: number; p99: number; non2xx: number; errors: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SEC });
  return {
    title,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

async function main(): Promise<void> {
  const sink = TRACING ? await sinkCollector() : undefined;
  const common = { REDIS_KEY_PREFIX: prefix, ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}) };
  const hello = await start("bench/hello.ts", {});
  const responder = await start("apps/responder/src/server.ts", { ...common, SERVICE_NAME: "responder" });
  const caller = await start("apps/caller/src/server.ts", { ...common, RESPONDER_URL: responder.url });
  const children = [hello, responder, caller].map((s) => s.child);
  try {
    const post = (url: string, body: unknown) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await post(`${caller.url}/set-cache`, { key: "bench", value: "cached value" });
    await post(`${caller.url}/data`, { user: "Alice", message: "Hello from Caller Service!" });
    await post(`${responder.url}/data`, { user: "Bob", message: "Hello from Responder Service!" });
    await fetch(`${responder.url}/data`); // fill the page cache

    const results = [];
    results.push(await run("bare Express hello-world", hello.url));
    results.push(await run("caller GET /get-cache/:key (hit)", `${caller.url}/get-cache/bench`));
    results.push(await run("responder GET /data (cache hit)", `${responder.url}/data`));
    results.push(await run("caller GET / (fan-out)", `${caller.url}/`));

    const base = results[0]!.rps;
    console.log(
      `autocannon: ${CONNECTIONS} connections, ${DURATION_SEC} s per target, service LOG_LEVEL=${LOG_LEVEL}, ` +
        `tracing ${sink ? `on (${Math.round(sink.receivedBytes() / 1_048_576)} MB of OTLP received)` : "off"}`,
    );
    console.table(
      results.map((r) => ({
        target: r.title,
        "req/s": Math.round(r.rps),
        "% of bare": `${Math.round((r.rps / base) * 100)} %`,
        "p50 ms": r.p50,
        "p99 ms": r.p99,
        "non-2xx": r.non2xx,
        errors: r.errors,
      })),
    );
    const [, cache, data, fanout] = results as [unknown, (typeof results)[0], (typeof results)[0], (typeof results)[0]];
    const checks = {
      "cache GET >= 50 % of bare": cache.rps >= base * 0.5 && data.rps >= base * 0.5,
      "fan-out >= 25 % of bare": fanout.rps >= base * 0.25,
      "p99 <= 50 ms": results.slice(1).every((r) => r.p99 <= 50),
      "zero errors": results.every((r) => r.non2xx === 0 && r.errors === 0),
    };
    for (const [name, ok] of Object.entries(checks)) console.log(`${ok ? "met   " : "MISSED"} ${name}`);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    sink?.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
