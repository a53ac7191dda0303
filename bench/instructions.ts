/**
 * bench:instructions — machine instructions per request, counted by valgrind's callgrind in the
 * processes that serve each target (the fan-out: caller and responder). Unlike req/s or CPU time,
 * the count does not move with what else the machine runs, so a few per cent (what tracing costs)
 * can be told from noise; bench:http gives the wall-clock figures.
 *
 * Each process runs under callgrind with instrumentation off (start-up, warm-up, seeding), then
 * counts only while the measured requests run, on its main thread only. The count describes a young
 * process: a few thousand requests are too few for V8 to optimize a path that only a share of them
 * take (the traced one), so it overstates what such a path costs a task that has run for minutes;
 * bench:http warms up for that. Tracing is measured at the fixed rate of each service's production
 * rule (config/prod.ts) without its reservoir: under valgrind a service serves tens of requests per
 * second, where 1 traced request/s would be several per cent of them; in production the reservoir (1/s for the
 * whole service, shared by its tasks) is a fraction of a per cent of a task's requests.
 *
 *   BENCH_REQUESTS (2000)     measured requests per target    BENCH_WARMUP (2000)   requests first
 *   BENCH_SAMPLE_RATE (prod's) the rules' fixed rate          BENCH_RESERVOIR (0)   the rules' reservoir/s
 *   BENCH_TARGETS             comma list of bare,stock,get-cache,data,fanout (default all)
 *   BENCH_APPS_ROOT           another checkout to build from  BENCH_NODE_OPTIONS    NODE_OPTIONS (default: the images')
 *   BENCH_KEEP                a folder: the counts stay there (callgrind_annotate <file>: where they went)
 */
import { execFile as execFileCb, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
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
  type Pair,
  type Sink,
  type TargetId,
} from "./services";
import { IMAGE_NODE_OPTIONS } from "../scripts/image-node-options";

const execFile = promisify(execFileCb);
const root = resolve(__dirname, "..");
const appsRoot = resolve(process.env.BENCH_APPS_ROOT ?? root);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const SAMPLING = configuredSampling("prod", { ...process.env, BENCH_RESERVOIR: process.env.BENCH_RESERVOIR || "0" });
const CONNECTIONS = 10;
const prefix = `bench:${process.pid}:`;

async function load(url: string, amount: number): Promise<number> {
  // Turning instrumentation on retranslates all code: the first requests after it wait seconds.
  const r = await autocannon({ url, connections: CONNECTIONS, amount, timeout: 120 });
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return r.requests.total;
}

async function main(): Promise<void> {
  try {
    await execFile("valgrind", ["--version"]);
  } catch {
    console.error("bench:instructions needs valgrind (Debian package valgrind) on PATH");
    process.exit(3);
  }
  const ids = wantedTargets();
  const keep = process.env.BENCH_KEEP ? resolve(process.env.BENCH_KEEP) : undefined;
  if (keep) mkdirSync(keep, { recursive: true });
  const work = keep ?? mkdtempSync(join(tmpdir(), "fc-bench-instr-"));
  // callgrind_control finds a process by prefix, pid, user and HOST; the services run with HOST set
  // for their listener and no USER, so the control command runs with the same two.
  const vgdbPrefix = join(work, "vgdb");
  const controlEnv = { PATH: process.env.PATH, HOST: "127.0.0.1" };
  const callgrind = (name: string) => ({
    wrapper: [
      "valgrind",
      "--tool=callgrind",
      "--instr-atstart=no",
      // One count per thread: only the main thread's is read (see dump).
      "--separate-threads=yes",
      `--callgrind-out-file=${join(work, `${name}.%p.out`)}`,
      `--vgdb-prefix=${vgdbPrefix}`,
      "--quiet",
    ],
  });
  const control = (child: ChildProcess, ...args: string[]) =>
    execFile("callgrind_control", [`--vgdb-prefix=${vgdbPrefix}`, ...args, String(child.pid)], { env: controlEnv });
  /**
   * The main thread's instructions since instrumentation went on, from the dump written now: the
   * event loop's own work. V8's background threads (the optimizing compiler, GC helpers) are left
   * out: a few thousand requests under valgrind are too few for the JIT to settle, and their
   * compilations made up more than half of the whole-process count.
   */
  const dump = async (child: ChildProcess): Promise<number> => {
    await control(child, "--instr=off");
    await control(child, "--dump");
    const files = readdirSync(work)
      .filter((f) => f.includes(`.${child.pid}.out.`) && f.endsWith("-01"))
      .map((f) => join(work, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    const text = readFileSync(files[0]!, "utf8");
    const total = /^totals: (\d+)/m.exec(text);
    if (!total) throw new Error(`no instruction total in ${files[0]}`);
    return Number(total[1]);
  };

  const children: ChildProcess[] = [];
  const sinks: Sink[] = [];
  try {
    const bundles = await buildBundles(root, appsRoot, work);
    const common: NodeJS.ProcessEnv = {
      LOG_LEVEL: "info",
      REDIS_KEY_PREFIX: prefix,
      DEMO_ROUTES_ENABLED: "true",
      NODE_ENV: "production",
      // Under valgrind everything runs tens of times slower (and seconds slower right after counting
      // starts): deadlines this long only keep the measured requests from failing.
      REDIS_COMMAND_TIMEOUT_MS: "60000",
      RESPONDER_DEADLINE_MS: "60000",
      RESPONDER_ATTEMPT_TIMEOUT_MS: "60000",
      MYSQL_QUERY_TIMEOUT_MS: "60000",
      MYSQL_ACQUIRE_TIMEOUT_MS: "60000",
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS.join(" "),
    };
    const sink = await sinkCollector();
    const xray = await fakeXrayProxy(SAMPLING);
    sinks.push(sink, xray);
    const hello = await startHellos(bundles.hello, root, callgrind);
    children.push(hello.bare.child, hello.stock.child);
    const plain = await startPair(bundles, common, (name) => callgrind(name));
    children.push(plain.caller.child, plain.responder.child);
    const traced = await startPair(bundles, { ...common, REDIS_KEY_PREFIX: `${prefix}t:` }, (name) => ({
      ...callgrind(`${name}-traced`),
      env: tracingEnv(sink, xray, SAMPLING[name]),
    }));
    children.push(traced.caller.child, traced.responder.child);
    await seed(plain);
    await seed(traced);

    /** Instructions per request of each serving process (the fan-out: caller, then responder). */
    const perRequest = async (id: TargetId, pair: Pair): Promise<number[]> => {
      const [url, serving] = target(id, pair, hello);
      await load(url, WARMUP);
      for (const child of serving) await control(child, "--zero");
      for (const child of serving) await control(child, "--instr=on");
      const answered = await load(url, REQUESTS);
      const counts: number[] = [];
      for (const child of serving) counts.push((await dump(child)) / answered);
      return counts;
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const rows: { id: TargetId; plain: number[]; traced?: number[] }[] = [];
    for (const id of ids) {
      const row: (typeof rows)[number] = { id, plain: await perRequest(id, plain) };
      if (!UNTRACED.has(id)) row.traced = await perRequest(id, traced);
      rows.push(row);
      console.error(`counted ${id}`);
    }

    const bare = rows.find((r) => r.id === "bare")?.plain[0];
    const k = (n: number) => `${Math.round(n / 1000).toLocaleString("en")} k`;
    const split = (xs: number[]) => (xs.length > 1 ? ` (${xs.map(k).join(" + ")})` : "");
    console.log(
      `callgrind: ${REQUESTS} requests per target after ${WARMUP} warm-up, ${CONNECTIONS} connections, ` +
        `LOG_LEVEL=info; traced: X-Ray rules ${describeSampling(SAMPLING)} ` +
        `(${xray.ruleReads()} rule read(s), ${(sink.receivedBytes() / 1_048_576).toFixed(1)} MB of OTLP received). ` +
        `The fan-out's count is the caller's plus the responder's.`,
    );
    const costs = rows.filter((r) => r.traced).map((r) => ({ id: r.id, cost: 1 - sum(r.plain) / sum(r.traced!) }));
    console.table(
      rows.map((r) => ({
        target: TARGETS[r.id],
        "instructions/req": k(sum(r.plain)) + split(r.plain),
        "bare / target": bare ? `${Math.round((bare / sum(r.plain)) * 100)} %` : "-",
        "traced instructions/req": r.traced ? k(sum(r.traced)) + split(r.traced) : "-",
        "tracing cost": r.traced ? `${((1 - sum(r.plain) / sum(r.traced)) * 100).toFixed(1)} %` : "-",
      })),
    );
    if (costs.length) {
      console.log(`${costs.every((c) => c.cost <= 0.1) ? "met   " : "MISSED"} tracing costs <= 10 % on every target`);
    }
  } finally {
    await stopAll(children);
    await Promise.all(sinks.map((s) => s.close()));
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
