/**
 * bench:http — autocannon against the built bundles (scripts/build-app.ts: what the images run), each
 * server in its own process, service LOG_LEVEL=info as in the environments.
 *
 * Every round starts its own processes and measures each target twice, untraced and traced at the
 * production sampling setting (X-Ray remote sampling through a stand-in awsproxy that serves each
 * service the rule config/prod.ts gives it, spans exported over OTLP/HTTP to a sink), with bare
 * Express before and after. "bare" is Express served as the apps serve it (expressServer); "stock",
 * the same hello-world by Express's own app.listen, is the baseline the targets were set against.
 * Figures are medians over the rounds; each ratio compares neighbouring measurements, so a machine
 * shared with other work moves both sides of a ratio together. BENCH_AA=1 runs the second set
 * untraced too: its "tracing cost" is then what this machine reads between identical services.
 *
 *   BENCH_DURATION_SEC (4)   seconds per measurement      BENCH_ROUNDS (3)          rounds
 *   BENCH_WARMUP_SEC (10)    seconds of load per target and set before its measurements
 *   BENCH_LOG_LEVEL (info)   the services' LOG_LEVEL      BENCH_TRACING (1)         0: skip the traced set
 *   BENCH_SAMPLE_RATE        the rules' fixed rate        BENCH_RESERVOIR           the rules' reservoir/s
 *                            (both: config/prod.ts, each service's `tracing`)
 *   BENCH_TARGETS            comma list of get-cache,data,fanout (default all; both bare ones always run)
 *   BENCH_APPS_ROOT          another checkout to build from (before/after figures)
 *   BENCH_CPU_PROF           a folder: the services run with --cpu-prof and write their profiles there
 *   BENCH_NODE_OPTIONS       the services' NODE_OPTIONS (default: the images')
 *   BENCH_NODE_FLAGS         the V8 flags on their command line (default: the images'; "" for none)
 *   BENCH_RATE               a fixed offered load, req/s over all connections (default: as fast as served)
 *   BENCH_AA                 1: the second set untraced as well (the noise floor of the tracing cost)
 *   BENCH_VERBOSE            1: one line per measurement, warm-ups included (to stderr)
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import {
  buildBundles,
  configuredSampling,
  describeSampling,
  fakeXrayProxy,
  seed,
  sinkCollector,
  startHellos,
  startPair,
  stopAll,
  tracingEnv,
  target,
  TARGETS,
  UNTRACED,
  wantedTargets,
  type BenchService,
  type Pair,
  type Sink,
  type TargetId,
} from "./services";
import { IMAGE_NODE_OPTIONS } from "../scripts/image-node-options";

const root = resolve(__dirname, "..");
const appsRoot = resolve(process.env.BENCH_APPS_ROOT ?? root);
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 4);
const WARMUP_SEC = Number(process.env.BENCH_WARMUP_SEC ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const TRACING = process.env.BENCH_TRACING !== "0";
const AA = process.env.BENCH_AA === "1";
const VERBOSE = process.env.BENCH_VERBOSE === "1";
const SAMPLING = configuredSampling("prod", process.env);
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const prefix = `bench:${process.pid}:`;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time the serving processes spent per answered request (user + system), µs; NaN without /proc. */
  cpuUs: number;
}

/** CPU ticks (user + system) a process has used so far, from /proc; NaN where there is none. */
function cpuTicks(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}
/** Linux reports process CPU time in ticks of 1/100 s (USER_HZ) on every platform Fargate runs. */
const TICK_US = 10_000;

/**
 * One autocannon run against `url`. `serving` are the processes that do the work (the fan-out: the
 * caller and the responder): their CPU per request measures what a change costs without the noise
 * that the load generator and other work on the same cores add to req/s.
 */
async function measure(url: string, serving: ChildProcess[], seconds = DURATION_SEC): Promise<Figures> {
  const cpu = () => serving.reduce((sum, child) => sum + cpuTicks(child.pid), 0);
  const before = cpu();
  const r = await autocannon({
    url,
    // The load runs in a worker thread: this thread reads the services' stdout (their request logs),
    // and a reader starved by the load generator would leave their pipes full.
    workers: 1,
    connections: CONNECTIONS,
    duration: seconds,
    ...(RATE ? { overallRate: RATE } : {}),
  });
  const answered = r.requests.total;
  const cpuUs = answered > 0 ? ((cpu() - before) * TICK_US) / answered : Number.NaN;
  if (VERBOSE)
    console.error(`${url} ${seconds} s: ${Math.round(r.requests.average)} req/s, ${cpuUs.toFixed(1)} µs CPU/req`);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuUs,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  // With profiles, the bundles (and their source maps) stay beside them for bench/cpu-profile.ts.
  const work = CPU_PROF ? join(CPU_PROF, "build") : mkdtempSync(join(tmpdir(), "fc-bench-"));
  const children: ChildProcess[] = [];
  const sinks: Sink[] = [];
  try {
    const bundles = await buildBundles(root, appsRoot, work);
    const common: NodeJS.ProcessEnv = {
      LOG_LEVEL,
      REDIS_KEY_PREFIX: prefix,
      DEMO_ROUTES_ENABLED: "true",
      NODE_ENV: "production",
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS.join(" "),
    };
    let round = 0;
    const profile = (name: string) => ({
      nodeFlags: CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}-${round + 1}.cpuprofile`]
        : [],
    });

    let sink: Awaited<ReturnType<typeof sinkCollector>> | undefined;
    let xray: Awaited<ReturnType<typeof fakeXrayProxy>> | undefined;
    if (TRACING && !AA) {
      sink = await sinkCollector();
      xray = await fakeXrayProxy(SAMPLING);
      sinks.push(sink, xray);
    }
    // The second set: traced at the production setting, or (A/A) the same untraced services again.
    const secondEnv: NodeJS.ProcessEnv | undefined =
      AA || TRACING ? { ...common, REDIS_KEY_PREFIX: `${prefix}t:` } : undefined;
    const secondOpts = (name: BenchService) => ({
      ...profile(`${name}-traced`),
      env: sink && xray ? tracingEnv(sink, xray, SAMPLING[name]) : {},
    });
    /**
     * Fresh processes for every round: two processes of identical code can differ in CPU per request
     * (which vCPU they share with Redis or the load), so a ratio between one process of each kind
     * would measure that draw, whatever the rounds.
     */
    const startRound = async () => {
      const hello = await startHellos(bundles.hello, root, profile);
      children.push(hello.bare.child, hello.stock.child);
      const plain = await startPair(bundles, common, profile);
      children.push(plain.caller.child, plain.responder.child);
      let second: Pair | undefined;
      if (secondEnv) {
        second = await startPair(bundles, secondEnv, secondOpts);
        children.push(second.caller.child, second.responder.child);
      }
      await seed(plain);
      if (second) await seed(second);
      return { hello, plain, second };
    };
    // Every ratio needs bare Express, both ways.
    const ids = wantedTargets(["bare", "stock"]);

    // Bare Express runs before and after every target, and a target's two sets right after each
    // other (in turn, which first): each ratio compares measurements seconds apart, whatever the
    // machine does meanwhile.
    const plainRuns = new Map<TargetId, Figures[]>(ids.map((id) => [id, []]));
    const tracedRuns = new Map<TargetId, Figures[]>(ids.map((id) => [id, []]));
    const bareAround = new Map<TargetId, number[]>(ids.map((id) => [id, []]));
    for (round = 0; round < ROUNDS; round++) {
      const { hello, plain, second } = await startRound();
      // Warm-up, not measured: connection pools, and the JIT. A path that only a share of requests
      // takes (the traced ones, at 5 %) is compiled last: at 3,000 req/s, V8 is still optimizing
      // for 30-40 s. A task serves for hours, so a measurement that counts the compiler's work
      // reports start-up, not what tracing costs.
      for (const id of ids) {
        await measure(...target(id, plain, hello), WARMUP_SEC);
        if (second && !UNTRACED.has(id)) await measure(...target(id, second, hello), WARMUP_SEC);
      }
      const bare = () => measure(...target("bare", plain, hello));
      let lastBare = await bare();
      plainRuns.get("bare")!.push(lastBare);
      for (const id of ids) {
        if (id === "bare") continue;
        const before = lastBare;
        const runPlain = async () => plainRuns.get(id)!.push(await measure(...target(id, plain, hello)));
        const runSecond = async () =>
          second && !UNTRACED.has(id) && tracedRuns.get(id)!.push(await measure(...target(id, second, hello)));
        if (round % 2 === 0) await runPlain().then(runSecond);
        else await runSecond().then(runPlain);
        lastBare = await bare();
        plainRuns.get("bare")!.push(lastBare);
        bareAround.get(id)!.push((before.rps + lastBare.rps) / 2);
      }
      await stopAll(children.splice(0));
    }

    console.log(
      `autocannon: ${CONNECTIONS} connections, ${DURATION_SEC} s per measurement after ${WARMUP_SEC} s of warm-up, ${ROUNDS} round(s); built bundles ` +
        `from ${appsRoot}; LOG_LEVEL=${LOG_LEVEL}; fresh processes per round; second set: ${
          AA
            ? "untraced (A/A)"
            : secondEnv
              ? `X-Ray rules ${describeSampling(SAMPLING)} (${xray!.ruleReads()} rule read(s)), ` +
                `${(sink!.receivedBytes() / 1_048_576).toFixed(1)} MB of OTLP received`
              : "off"
        }. Medians over rounds; "% of bare" is against the bare runs just before and after, "% of app.listen" ` +
        `against bare Express by app.listen in the same round (the targets' baseline), "tracing cost" ` +
        `against the untraced run next to it.`,
    );
    const rows = ids.map((id) => {
      const runs = plainRuns.get(id)!;
      const traces = tracedRuns.get(id)!;
      const around = bareAround.get(id)!;
      const ofBare = id === "bare" ? 1 : median(runs.map((r, i) => r.rps / around[i]!));
      const stock = plainRuns.get("stock");
      const ofStock = stock?.length ? median(runs.map((r, i) => r.rps / stock[i % stock.length]!.rps)) : undefined;
      const cost = traces.length ? median(traces.map((t, i) => 1 - t.rps / runs[i]!.rps)) : undefined;
      const cpu = median(runs.map((r) => r.cpuUs));
      const tracedCpu = traces.length ? median(traces.map((r) => r.cpuUs)) : Number.NaN;
      // Requests per CPU-second lost: what tracing takes from a task's capacity (round by round).
      const cpuCost = traces.length ? median(traces.map((t, i) => 1 - runs[i]!.cpuUs / t.cpuUs)) : undefined;
      const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "-" : `${(x * 100).toFixed(1)} %`);
      return {
        id,
        ofBare,
        ofStock,
        cost,
        cpuCost,
        p99: median(runs.map((r) => r.p99)),
        row: {
          target: TARGETS[id],
          "req/s": Math.round(median(runs.map((r) => r.rps))),
          "% of bare": `${Math.round(ofBare * 100)} %`,
          "% of app.listen": ofStock === undefined ? "-" : `${Math.round(ofStock * 100)} %`,
          "p50 ms": median(runs.map((r) => r.p50)),
          "p99 ms": median(runs.map((r) => r.p99)),
          "CPU µs/req": Math.round(cpu),
          [AA ? "A/A req/s" : "traced req/s"]: traces.length ? Math.round(median(traces.map((r) => r.rps))) : "-",
          "traced p99": traces.length ? median(traces.map((r) => r.p99)) : "-",
          "traced CPU µs/req": traces.length ? Math.round(tracedCpu) : "-",
          "tracing cost req/s": pct(cost),
          "tracing cost CPU": pct(cpuCost),
          "non-2xx": [...runs, ...traces].reduce((n, r) => n + r.non2xx, 0),
          errors: [...runs, ...traces].reduce((n, r) => n + r.errors, 0),
        },
      };
    });
    console.table(rows.map((r) => r.row));
    // Identical code measured seconds apart: how far req/s moves on its own on this machine.
    const bares = plainRuns.get("bare")!.map((r) => r.rps);
    const drift = bares.slice(1).map((x, i) => Math.abs(x / bares[i]! - 1));
    console.log(
      `noise: consecutive bare runs differ by ${(median(drift) * 100).toFixed(1)} % (median), ` +
        `${(Math.max(...drift) * 100).toFixed(1)} % (max) in req/s`,
    );
    const get = (id: TargetId) => rows.find((r) => r.id === id);
    // A/A: the second set is untraced, so its "cost" is noise and nothing to check.
    const traceCosts = AA ? [] : rows.filter((r) => r.cpuCost !== undefined);
    const ofStock = (id: TargetId, share: number) => {
      const row = get(id);
      return row?.ofStock === undefined ? undefined : row.ofStock >= share;
    };
    const checks: Record<string, boolean | undefined> = {
      // Against bare Express as Express serves it (app.listen): the baseline the targets were set on.
      "get-cache >= 80 % of bare Express (app.listen)": ofStock("get-cache", 0.8),
      "fan-out >= 35 % of bare Express (app.listen)": ofStock("fanout", 0.35),
      "fan-out p99 <= 30 ms": get("fanout") && get("fanout")!.p99 <= 30,
      "tracing costs <= 10 % of capacity (CPU per request) on every target": traceCosts.length
        ? traceCosts.every((r) => r.cpuCost! <= 0.1)
        : undefined,
      "tracing costs <= 10 % of req/s on every target": traceCosts.length
        ? traceCosts.every((r) => r.cost! <= 0.1)
        : undefined,
      "zero errors": rows.every((r) => r.row["non-2xx"] === 0 && r.row.errors === 0),
    };
    for (const [name, ok] of Object.entries(checks)) {
      if (ok !== undefined) console.log(`${ok ? "met   " : "MISSED"} ${name}`);
    }
  } finally {
    await stopAll(children);
    await Promise.all(sinks.map((s) => s.close()));
    if (!CPU_PROF) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
