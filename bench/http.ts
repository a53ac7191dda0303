/**
 * bench:http — autocannon against the built bundles (scripts/build-app.ts: what the images run), each
 * server in its own process, service LOG_LEVEL=info as in the environments.
 *
 * Every round measures each target twice, untraced and traced at the production sampling setting
 * (X-Ray remote sampling through a stand-in awsproxy whose rule has reservoir 1/s and rate 5 %, spans
 * exported over OTLP/HTTP to a sink), with bare Express before and after. Figures are medians over
 * the rounds; each ratio compares neighbouring measurements, so a machine shared with other work
 * moves both sides of a ratio together.
 *
 *   BENCH_DURATION_SEC (4)   seconds per measurement      BENCH_ROUNDS (3)          rounds
 *   BENCH_LOG_LEVEL (info)   the services' LOG_LEVEL      BENCH_TRACING (1)         0: skip the traced set
 *   BENCH_SAMPLE_RATE (0.05) the rule's fixed rate        BENCH_RESERVOIR (1)       the rule's reservoir/s
 *   BENCH_TARGETS            comma list of bare,get-cache,data,fanout (default all)
 *   BENCH_APPS_ROOT          another checkout to build from (before/after figures)
 *   BENCH_CPU_PROF           a folder: the services run with --cpu-prof and write their profiles there
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { buildApp } from "../scripts/build-app";

const root = resolve(__dirname, "..");
const appsRoot = resolve(process.env.BENCH_APPS_ROOT ?? root);
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const TRACING = process.env.BENCH_TRACING !== "0";
const SAMPLE_RATE = Number(process.env.BENCH_SAMPLE_RATE ?? 0.05);
const RESERVOIR = Number(process.env.BENCH_RESERVOIR ?? 1);
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const prefix = `bench:${process.pid}:`;

type TargetId = "bare" | "get-cache" | "data" | "fanout";
const TARGETS: Record<TargetId, string> = {
  bare: "bare Express hello-world",
  "get-cache": "caller GET /get-cache/:key (hit)",
  data: "responder GET /data (cache hit)",
  fanout: "caller GET / (fan-out)",
};
const wanted = new Set(
  (process.env.BENCH_TARGETS?.split(",").map((s) => s.trim()) ?? Object.keys(TARGETS)) as TargetId[],
);
wanted.add("bare"); // every ratio needs it

interface Sink {
  url: string;
  close: () => Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closer = (server: Server) => () =>
  new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));

/** Accepts OTLP/HTTP exports and drops them: the apps pay for tracing and exporting, not a collector. */
async function sinkCollector(): Promise<Sink & { receivedBytes: () => number }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (c: Buffer) => (bytes += c.length));
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  return { url: await listen(server), receivedBytes: () => bytes, close: closer(server) };
}

/**
 * The ADOT collector's awsproxy extension as the sampler sees it: GetSamplingRules returns one rule per
 * service (what the services stack's aws_xray_sampling_rule holds) and the Default rule.
 */
async function fakeXrayProxy(): Promise<Sink & { ruleReads: () => number }> {
  let ruleReads = 0;
  const rule = (name: string, service: string, priority: number) => ({
    SamplingRule: {
      RuleName: name,
      RuleARN: `arn:aws:xray:us-east-1:000000000000:sampling-rule/${name}`,
      Priority: priority,
      ReservoirSize: RESERVOIR,
      FixedRate: SAMPLE_RATE,
      ServiceName: service,
      ServiceType: "*",
      Host: "*",
      HTTPMethod: "*",
      URLPath: "*",
      ResourceARN: "*",
      Attributes: {},
      Version: 1,
    },
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body =
        req.url === "/GetSamplingRules"
          ? (ruleReads++,
            {
              SamplingRuleRecords: [
                rule("bench-caller", "caller", 100),
                rule("bench-responder", "responder", 100),
                rule("Default", "*", 10_000),
              ],
            })
          : { SamplingTargetDocuments: [], LastRuleModification: 0, UnprocessedStatistics: [] };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  return { url: await listen(server), ruleReads: () => ruleReads, close: closer(server) };
}

/** Starts a script with Node and resolves with the URL it prints ("<name> listening on <url>"). */
function start(
  script: string,
  env: NodeJS.ProcessEnv,
  profileName?: string,
): Promise<{ url: string; child: ChildProcess }> {
  const flags =
    profileName && CPU_PROF
      ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${profileName}.cpuprofile`]
      : [];
  const child = spawn(process.execPath, [...flags, script], {
    env: { PATH: process.env.PATH, LOG_LEVEL, HOST: "127.0.0.1", PORT: "0", ...env },
    // Request logs go to stdout as in a container; reading them here keeps the pipe drained.
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    let seen = "";
    const watch = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(seen);
      if (!m) return;
      child.stdout!.off("data", watch);
      child.stdout!.resume();
      resolve({ url: m[1]!, child });
    };
    child.stdout!.on("data", watch);
  });
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function measure(url: string, seconds = DURATION_SEC): Promise<Figures> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Pair {
  caller: { url: string; child: ChildProcess };
  responder: { url: string; child: ChildProcess };
}

async function startPair(
  bundles: { caller: string; responder: string },
  env: NodeJS.ProcessEnv,
  label: string,
): Promise<Pair> {
  const responder = await start(bundles.responder, { ...env, SERVICE_NAME: "responder" }, `responder${label}`);
  const caller = await start(
    bundles.caller,
    { ...env, SERVICE_NAME: "caller", RESPONDER_URL: responder.url },
    `caller${label}`,
  );
  return { caller, responder };
}

function targetUrl(id: TargetId, pair: Pair, hello: string): string {
  switch (id) {
    case "bare":
      return hello;
    case "get-cache":
      return `${pair.caller.url}/get-cache/bench`;
    case "data":
      return `${pair.responder.url}/data`;
    case "fanout":
      return `${pair.caller.url}/`;
  }
}

async function main(): Promise<void> {
  // With profiles, the bundles (and their source maps) stay beside them for bench/cpu-profile.ts.
  const work = CPU_PROF ? join(CPU_PROF, "build") : mkdtempSync(join(tmpdir(), "fc-bench-"));
  const children: ChildProcess[] = [];
  const sinks: Sink[] = [];
  try {
    const [caller, responder] = await Promise.all([
      buildApp({ app: "caller", outDir: join(work, "caller"), root: appsRoot }),
      buildApp({ app: "responder", outDir: join(work, "responder"), root: appsRoot }),
    ]);
    const helloJs = join(work, "hello.js");
    await build({
      entryPoints: [join(root, "bench", "hello.ts")],
      bundle: true,
      platform: "node",
      packages: "external",
      outfile: helloJs,
      logLevel: "error",
    });
    const bundles = { caller: caller.bundle, responder: responder.bundle };
    const common: NodeJS.ProcessEnv = { REDIS_KEY_PREFIX: prefix, DEMO_ROUTES_ENABLED: "true", NODE_ENV: "production" };

    const hello = await start(helloJs, { NODE_PATH: join(root, "node_modules") });
    children.push(hello.child);
    const plain = await startPair(bundles, common, "");
    children.push(plain.caller.child, plain.responder.child);
    let traced: Pair | undefined;
    let sink: Awaited<ReturnType<typeof sinkCollector>> | undefined;
    let xray: Awaited<ReturnType<typeof fakeXrayProxy>> | undefined;
    if (TRACING) {
      sink = await sinkCollector();
      xray = await fakeXrayProxy();
      sinks.push(sink, xray);
      traced = await startPair(
        bundles,
        {
          ...common,
          REDIS_KEY_PREFIX: `${prefix}t:`,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          XRAY_SAMPLING_ENDPOINT: xray.url,
          // What the rule says, should the sampler ever fall back (no rules from the proxy).
          TRACES_SAMPLE_RATIO: String(SAMPLE_RATE),
        },
        "-traced",
      );
      children.push(traced.caller.child, traced.responder.child);
    }
    const post = (url: string, body: unknown) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const pair of [plain, traced]) {
      if (!pair) continue;
      await post(`${pair.caller.url}/set-cache`, { key: "bench", value: "cached value" });
      await post(`${pair.caller.url}/data`, { user: "Alice", message: "Hello from Caller Service!" });
      await post(`${pair.responder.url}/data`, { user: "Bob", message: "Hello from Responder Service!" });
      await fetch(`${pair.responder.url}/data`); // fill the page cache
    }
    const ids = (Object.keys(TARGETS) as TargetId[]).filter((id) => wanted.has(id));
    // Warm-up: JIT and connection pools, not measured.
    for (const id of ids) {
      await measure(targetUrl(id, plain, hello.url), 1);
      if (traced && id !== "bare") await measure(targetUrl(id, traced, hello.url), 1);
    }

    // Bare Express runs before and after every target, and a target's traced run right after its
    // untraced one: each ratio compares measurements seconds apart, whatever the machine does meanwhile.
    const plainRuns = new Map<TargetId, Figures[]>(ids.map((id) => [id, []]));
    const tracedRuns = new Map<TargetId, Figures[]>(ids.map((id) => [id, []]));
    const bareAround = new Map<TargetId, number[]>(ids.map((id) => [id, []]));
    let lastBare = await measure(hello.url);
    plainRuns.get("bare")!.push(lastBare);
    for (let round = 0; round < ROUNDS; round++) {
      for (const id of ids) {
        if (id === "bare") continue;
        const before = lastBare;
        plainRuns.get(id)!.push(await measure(targetUrl(id, plain, hello.url)));
        if (traced) tracedRuns.get(id)!.push(await measure(targetUrl(id, traced, hello.url)));
        lastBare = await measure(hello.url);
        plainRuns.get("bare")!.push(lastBare);
        bareAround.get(id)!.push((before.rps + lastBare.rps) / 2);
      }
    }

    console.log(
      `autocannon: ${CONNECTIONS} connections, ${DURATION_SEC} s per measurement, ${ROUNDS} round(s); built bundles ` +
        `from ${appsRoot}; LOG_LEVEL=${LOG_LEVEL}; tracing set: ${
          traced
            ? `X-Ray rule reservoir ${RESERVOIR}/s + rate ${SAMPLE_RATE} (${xray!.ruleReads()} rule read(s)), ` +
              `${(sink!.receivedBytes() / 1_048_576).toFixed(1)} MB of OTLP received`
            : "off"
        }. Medians over rounds; "% of bare" is against the bare runs just before and after, "tracing cost" ` +
        `against the untraced run just before.`,
    );
    const rows = ids.map((id) => {
      const runs = plainRuns.get(id)!;
      const traces = tracedRuns.get(id)!;
      const around = bareAround.get(id)!;
      const ofBare = id === "bare" ? 1 : median(runs.map((r, i) => r.rps / around[i]!));
      const cost = traces.length ? median(traces.map((t, i) => 1 - t.rps / runs[i]!.rps)) : undefined;
      return {
        id,
        ofBare,
        cost,
        rps: median(runs.map((r) => r.rps)),
        p99: median(runs.map((r) => r.p99)),
        row: {
          target: TARGETS[id],
          "req/s": Math.round(median(runs.map((r) => r.rps))),
          "% of bare": `${Math.round(ofBare * 100)} %`,
          "p50 ms": median(runs.map((r) => r.p50)),
          "p99 ms": median(runs.map((r) => r.p99)),
          "traced req/s": traces.length ? Math.round(median(traces.map((r) => r.rps))) : "-",
          "traced p99": traces.length ? median(traces.map((r) => r.p99)) : "-",
          "tracing cost": cost === undefined ? "-" : `${(cost * 100).toFixed(1)} %`,
          "non-2xx": [...runs, ...traces].reduce((n, r) => n + r.non2xx, 0),
          errors: [...runs, ...traces].reduce((n, r) => n + r.errors, 0),
        },
      };
    });
    console.table(rows.map((r) => r.row));
    const get = (id: TargetId) => rows.find((r) => r.id === id);
    const checks: Record<string, boolean | undefined> = {
      "get-cache >= 80 % of bare": get("get-cache") && get("get-cache")!.ofBare >= 0.8,
      "fan-out >= 35 % of bare": get("fanout") && get("fanout")!.ofBare >= 0.35,
      "fan-out p99 <= 30 ms": get("fanout") && get("fanout")!.p99 <= 30,
      "tracing costs <= 10 % on every target": traced
        ? rows.every((r) => r.cost === undefined || r.cost <= 0.1)
        : undefined,
      "zero errors": rows.every((r) => r.row["non-2xx"] === 0 && r.row.errors === 0),
    };
    for (const [name, ok] of Object.entries(checks)) {
      if (ok !== undefined) console.log(`${ok ? "met   " : "MISSED"} ${name}`);
    }
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once("exit", () => r());
            child.kill("SIGTERM");
          }),
      ),
    );
    await Promise.all(sinks.map((s) => s.close()));
    if (!CPU_PROF) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
