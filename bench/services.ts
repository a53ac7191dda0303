/**
 * What the HTTP benchmarks share: the built bundles started as the images run them, and stand-ins for
 * the collector sidecar (an OTLP sink and the awsproxy that serves X-Ray sampling rules).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { loadConfig } from "../config";
import { buildApp } from "../scripts/build-app";
import { IMAGE_NODE_FLAGS } from "../scripts/image-node-options";

export interface Sink {
  url: string;
  close: () => Promise<void>;
}

export interface Started {
  url: string;
  child: ChildProcess;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closer = (server: Server) => () =>
  new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));

/** Accepts OTLP/HTTP exports and drops them: the apps pay for tracing and exporting, not a collector. */
export async function sinkCollector(): Promise<Sink & { receivedBytes: () => number }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (c: Buffer) => (bytes += c.length));
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  return { url: await listen(server), receivedBytes: () => bytes, close: closer(server) };
}

/** One X-Ray sampling rule's figures: requests per second first, then a share of the rest. */
export interface SamplingRate {
  reservoir: number;
  fixedRate: number;
}

/** The example apps the benchmarks start, by the service name they run under. */
export type BenchService = "caller" | "responder";

/**
 * The sampling rule each example app's service gets in an environment (its `tracing` in
 * config/<env>.ts, what the services stack writes into aws_xray_sampling_rule), so a benchmark of "the
 * production setting" follows the config. BENCH_RESERVOIR and BENCH_SAMPLE_RATE, when set, replace that
 * field for both apps.
 */
export function configuredSampling(envName: string, env: NodeJS.ProcessEnv): Record<BenchService, SamplingRate> {
  const services = Object.values(loadConfig(envName).services);
  const override = (name: string, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!(value >= 0 && value <= max))
      throw new Error(`${name}: ${JSON.stringify(raw)} is not a number from 0 to ${max}`);
    return value;
  };
  const ruleOf = (app: BenchService): SamplingRate => {
    const tracing = services.find((s) => s.app === app && s.tracing)?.tracing;
    const reservoir = override("BENCH_RESERVOIR", 100_000) ?? tracing?.reservoirPerSecond;
    const fixedRate = override("BENCH_SAMPLE_RATE", 1) ?? tracing?.fixedRate;
    if (reservoir === undefined || fixedRate === undefined) {
      throw new Error(
        `no service of app ${JSON.stringify(app)} is traced in config/${envName}.ts; set its tracing there, ` +
          `or BENCH_RESERVOIR and BENCH_SAMPLE_RATE`,
      );
    }
    return { reservoir, fixedRate };
  };
  return { caller: ruleOf("caller"), responder: ruleOf("responder") };
}

/** "caller 1/s + 5 %, responder 1/s + 5 %": what a benchmark's header says it sampled at. */
export function describeSampling(rates: Record<BenchService, SamplingRate>): string {
  return (Object.keys(rates) as BenchService[])
    .map((service) => `${service} ${rates[service].reservoir}/s + ${+(rates[service].fixedRate * 100).toFixed(2)} %`)
    .join(", ");
}

/**
 * The ADOT collector's awsproxy extension as the sampler sees it: GetSamplingRules returns one rule per
 * service (what the services stack's aws_xray_sampling_rule holds) and the Default rule.
 */
export async function fakeXrayProxy(
  rates: Record<BenchService, SamplingRate>,
): Promise<Sink & { ruleReads: () => number }> {
  let ruleReads = 0;
  const rule = (name: string, service: string, priority: number, rate: SamplingRate) => ({
    SamplingRule: {
      RuleName: name,
      RuleARN: `arn:aws:xray:us-east-1:000000000000:sampling-rule/${name}`,
      Priority: priority,
      ReservoirSize: rate.reservoir,
      FixedRate: rate.fixedRate,
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
                rule("bench-caller", "caller", 100, rates.caller),
                rule("bench-responder", "responder", 100, rates.responder),
                // X-Ray's own default; no request of the benchmarks reaches it.
                rule("Default", "*", 10_000, { reservoir: 1, fixedRate: 0.05 }),
              ],
            })
          : { SamplingTargetDocuments: [], LastRuleModification: 0, UnprocessedStatistics: [] };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  return { url: await listen(server), ruleReads: () => ruleReads, close: closer(server) };
}

/** The caller and responder bundles the images run, and bare Express, built into `work`. */
export async function buildBundles(
  root: string,
  appsRoot: string,
  work: string,
): Promise<{ caller: string; responder: string; hello: string }> {
  const [caller, responder] = await Promise.all([
    buildApp({ app: "caller", outDir: join(work, "caller"), root: appsRoot }),
    buildApp({ app: "responder", outDir: join(work, "responder"), root: appsRoot }),
  ]);
  const hello = join(work, "hello.js");
  await build({
    entryPoints: [join(root, "bench", "hello.ts")],
    bundle: true,
    platform: "node",
    packages: "external",
    outfile: hello,
    logLevel: "error",
  });
  return { caller: caller.bundle, responder: responder.bundle, hello };
}

/** The V8 flags the services start with: the images' (IMAGE_NODE_FLAGS), or BENCH_NODE_FLAGS ("" for none). */
const NODE_FLAGS: readonly string[] =
  process.env.BENCH_NODE_FLAGS === undefined
    ? IMAGE_NODE_FLAGS
    : process.env.BENCH_NODE_FLAGS.split(" ").filter(Boolean);

/**
 * Starts `script` with Node (behind `wrapper`, e.g. valgrind, when given) and resolves with the URL it
 * prints ("<name> listening on <url>"). `env` is all the process gets besides PATH.
 */
export function startServer(
  script: string,
  env: NodeJS.ProcessEnv,
  opts: { nodeFlags?: string[]; wrapper?: string[] } = {},
): Promise<Started> {
  const [command, ...args] = [
    ...(opts.wrapper ?? []),
    process.execPath,
    ...NODE_FLAGS,
    ...(opts.nodeFlags ?? []),
    script,
  ];
  const child = spawn(command!, args, {
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", ...env },
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

/** Stops every child (SIGTERM) and waits for each to exit. */
export function stopAll(children: ChildProcess[]): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once("exit", () => r());
          child.kill("SIGTERM");
        }),
    ),
  ).then(() => undefined);
}

/** Seeds what the targets read: a cache key, a message on each service, the responder's page cache. */
export async function seed(pair: { caller: Started; responder: Started }): Promise<void> {
  const post = (url: string, body: unknown) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await post(`${pair.caller.url}/set-cache`, { key: "bench", value: "cached value" });
  await post(`${pair.caller.url}/data`, { user: "Alice", message: "Hello from Caller Service!" });
  await post(`${pair.responder.url}/data`, { user: "Bob", message: "Hello from Responder Service!" });
  await fetch(`${pair.responder.url}/data`);
}

export interface Pair {
  caller: Started;
  responder: Started;
}

/** A responder and a caller that calls it; `opts(name)` says how each is started. */
export async function startPair(
  bundles: { caller: string; responder: string },
  env: NodeJS.ProcessEnv,
  opts: (service: BenchService) => { nodeFlags?: string[]; wrapper?: string[]; env?: NodeJS.ProcessEnv } = () => ({}),
): Promise<Pair> {
  const responderOpts = opts("responder");
  const callerOpts = opts("caller");
  const responder = await startServer(
    bundles.responder,
    { ...env, ...responderOpts.env, SERVICE_NAME: "responder" },
    responderOpts,
  );
  const caller = await startServer(
    bundles.caller,
    { ...env, ...callerOpts.env, SERVICE_NAME: "caller", RESPONDER_URL: responder.url },
    callerOpts,
  );
  return { caller, responder };
}

/** What turns tracing on for one service: spans to `sink`, X-Ray rules from `xray`. */
export function tracingEnv(sink: Sink, xray: Sink, rate: SamplingRate): NodeJS.ProcessEnv {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    XRAY_SAMPLING_ENDPOINT: xray.url,
    // What the rule says, should the sampler ever fall back (no rules from the proxy).
    TRACES_SAMPLE_RATIO: String(rate.fixedRate),
  };
}

export type TargetId = "bare" | "stock" | "get-cache" | "data" | "fanout";
/** What each benchmark target measures. */
export const TARGETS: Record<TargetId, string> = {
  bare: "bare Express hello-world",
  stock: "the same, by app.listen",
  "get-cache": "caller GET /get-cache/:key (hit)",
  data: "responder GET /data (cache hit)",
  fanout: "caller GET / (fan-out)",
};

/** Bare Express served as the apps serve it (expressServer), and by Express's own app.listen. */
export interface Hellos {
  bare: Started;
  stock: Started;
}

/** Both bare Express servers, started from the hello bundle. */
export async function startHellos(
  bundle: string,
  root: string,
  opts: (name: "hello" | "hello-stock") => { nodeFlags?: string[]; wrapper?: string[] } = () => ({}),
): Promise<Hellos> {
  const env = { NODE_PATH: join(root, "node_modules") };
  const bare = await startServer(bundle, env, opts("hello"));
  const stock = await startServer(bundle, { ...env, HELLO_STOCK: "1" }, opts("hello-stock"));
  return { bare, stock };
}

/** Targets with no traced variant: the bare Express servers. */
export const UNTRACED: ReadonlySet<TargetId> = new Set(["bare", "stock"]);

/** A target's URL and the processes that serve it (the fan-out: caller and responder). */
export function target(id: TargetId, pair: Pair, hellos: Hellos): [string, ChildProcess[]] {
  switch (id) {
    case "bare":
    case "stock":
      return [hellos[id].url, [hellos[id].child]];
    case "get-cache":
      return [`${pair.caller.url}/get-cache/bench`, [pair.caller.child]];
    case "data":
      return [`${pair.responder.url}/data`, [pair.responder.child]];
    case "fanout":
      return [`${pair.caller.url}/`, [pair.caller.child, pair.responder.child]];
  }
}

/** The targets BENCH_TARGETS names (a comma list; default all), plus `always`, in table order. */
export function wantedTargets(always: TargetId[] = []): TargetId[] {
  const named = process.env.BENCH_TARGETS?.split(",").map((s) => s.trim());
  const wanted = new Set([...(named ?? Object.keys(TARGETS)), ...always]);
  return (Object.keys(TARGETS) as TargetId[]).filter((id) => wanted.has(id));
}
