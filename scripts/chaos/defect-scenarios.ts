/**
 * Rows for the apps' credential, answer and cache defects: Redis refusing the password (and taking
 * it back), an AUTH token rotation (ROTATE, then SET), an RDS-style MySQL password rotation, a
 * responder answering far too much or the wrong shape, a write during a Redis blackhole read back
 * after it, and Idempotency-Keys reused with other bodies.
 */
import { readFileSync } from "node:fs";
import type net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Bound, Scenario, ScenarioContext } from "./driver";
import { newSecret, SERVICE_SETTINGS, type ChaosEnv } from "./env";
import type { Sample } from "./load";
import type { ServiceName } from "./processes";
import { callerRoot, callerWhole, healthz, probe, responderData, responderWrites, stream } from "./streams";

const LIVENESS_MS = Number(SERVICE_SETTINGS.LIVENESS_AUTH_FAILURE_MS);
/**
 * /healthz fails at most this long after the credentials are first refused: LIVENESS_AUTH_FAILURE_MS,
 * plus one Redis reconnect (≤ 0.6 s) or MySQL probe (2 s) to observe it, plus the stream's own pace.
 */
const LIVENESS_BOUND_MS = LIVENESS_MS + 2_500;
/** What a live-but-degraded service may answer on /healthz during a credentials row. */
const HEALTH_EITHER: Bound = { statuses: [200, 503], p99Ms: 1_000, maxMs: 2_000 };
const DEGRADED_ROOT: Bound = { statuses: [200], p99Ms: 1_500, maxMs: 2_500 };
/**
 * Rows that end with a task replaced: while the old one drains and the new one starts, new
 * connections are refused (behind an ALB, the new task has an address of its own); resets never.
 */
const replaced = (bound: Bound): Bound => ({ ...bound, allowedErrors: ["refused"] });

const SERVICES: ServiceName[] = ["caller", "responder"];

/** Milliseconds from `from` to the first sample of `stream` with `status` that started after it. */
function firstStatusAfter(samples: readonly Sample[], label: string, status: number, from: number): number | null {
  const hit = samples.filter((s) => s.stream === label && s.status === status && s.startMs >= from);
  return hit.length ? Math.round(Math.min(...hit.map((s) => s.startMs)) - from) : null;
}

/** Liveness failed within the bound after `mark`, and not before LIVENESS_AUTH_FAILURE_MS had passed. */
function livenessCheck(ctx: ScenarioContext, samples: readonly Sample[], service: ServiceName, mark: string): void {
  const from = ctx.marks[mark]!;
  const took = firstStatusAfter(samples, `${service} GET /healthz`, 503, from);
  ctx.checks.push({
    name: `${service} /healthz 503 within ${LIVENESS_BOUND_MS} ms of the refusal, not before ${LIVENESS_MS} ms`,
    ok: took !== null && took <= LIVENESS_BOUND_MS && took >= LIVENESS_MS - 200,
    detail: took === null ? "never 503" : `${took} ms`,
  });
}

/** /healthz answers 200 (one probe). */
const live = (env: ChaosEnv, service: ServiceName) =>
  probe(env.url(service, "/healthz"), (s) => s === 200).catch(() => false);

/**
 * Recovery as on ECS: a service whose /healthz failed three probes in a row is replaced by a new
 * task, which reads the current secrets; the row has recovered once both answer and GET / is whole.
 */
function replaceUnlive(): (ctx: ScenarioContext) => Promise<boolean> {
  const failures = new WeakMap<ScenarioContext, Record<string, number>>();
  return async (ctx) => {
    const counts = failures.get(ctx) ?? {};
    failures.set(ctx, counts);
    let allLive = true;
    for (const service of SERVICES) {
      if (await live(ctx.env, service)) {
        counts[service] = 0;
        continue;
      }
      allLive = false;
      counts[service] = (counts[service] ?? 0) + 1;
      if (counts[service]! >= 3) {
        counts[service] = 0;
        ctx.notes.push(`${service} failed liveness 3 times: replaced with a new task (new secrets), as ECS would`);
        await ctx.env.replaceService(service);
      }
    }
    return allLive && (await callerWhole(ctx.env).catch(() => false));
  };
}

/** Streams every credentials row runs: both /healthz and the caller's page. */
const credentialStreams = (ctx: ScenarioContext, bound: (b: Bound) => Bound = (b) => b) => [
  healthz(ctx, "caller", bound(HEALTH_EITHER)),
  healthz(ctx, "responder", bound(HEALTH_EITHER)),
  // The caller's own part needs Redis: it degrades with a marker, never fails.
  callerRoot(ctx, bound(DEGRADED_ROOT)),
];

function redisPasswordRejected(): Scenario {
  let other = "";
  return {
    id: "redis-password-rejected",
    row: "Redis refuses the services' AUTH token (changed under them, connections dropped), then accepts it again",
    fast: false,
    streams: credentialStreams,
    faultMs: () => LIVENESS_BOUND_MS + 1_000,
    inject: async (ctx) => {
      other = newSecret();
      await ctx.env.redisCommand(ctx.env.redisToken, "ACL", "SETUSER", "default", "resetpass", `>${other}`);
      ctx.marks.refused = performance.now();
      // Connections that logged in before keep working; a failover or a network blip drops them.
      await ctx.env.redisCommand(other, "CLIENT", "KILL", "USER", "default", "SKIPME", "yes");
    },
    clear: async (ctx) => {
      await ctx.env.redisCommand(other, "ACL", "SETUSER", "default", "resetpass", `>${ctx.env.redisToken}`);
    },
    // No restart: liveness follows Redis back by itself.
    recovered: async (ctx) =>
      (await live(ctx.env, "caller")) && (await live(ctx.env, "responder")) && (await callerWhole(ctx.env)),
    recoveryBoundMs: 4_000,
    verify: (ctx, samples) => {
      for (const service of SERVICES) livenessCheck(ctx, samples, service, "refused");
    },
  };
}

function redisTokenRotation(): Scenario {
  return {
    id: "redis-token-rotation",
    row: "ElastiCache AUTH token rotation: ROTATE (old and new valid), then SET (new only) with connections dropped",
    fast: false,
    streams: (ctx) => [
      ...credentialStreams(ctx, replaced),
      stream(
        ctx,
        "caller POST /data",
        () => ({
          method: "POST",
          url: ctx.env.url("caller", "/data"),
          body: { user: "chaos", message: "write during a rotation" },
        }),
        replaced({ statuses: [201, 503], p99Ms: 1_500, maxMs: 2_500, dependency: "redis" }),
        { concurrency: 1, intervalMs: 50 },
      ),
    ],
    faultMs: () => LIVENESS_BOUND_MS + 1_000,
    inject: async (ctx) => {
      const next = newSecret();
      await ctx.env.redisCommand(ctx.env.redisToken, "ACL", "SETUSER", "default", `>${next}`);
      ctx.marks.rotated = performance.now();
      await sleep(1_000);
      await ctx.env.redisCommand(next, "ACL", "SETUSER", "default", "resetpass", `>${next}`);
      ctx.marks.set = performance.now();
      await ctx.env.redisCommand(next, "CLIENT", "KILL", "USER", "default", "SKIPME", "yes");
      // Secrets Manager holds the new token now: tasks started from here on get it.
      ctx.env.redisToken = next;
    },
    clear: async () => undefined,
    recovered: replaceUnlive(),
    recoveryBoundMs: 10_000,
    verify: (ctx, samples) => {
      const during = samples.filter(
        (s) => s.startMs >= ctx.marks.rotated! && s.endMs <= ctx.marks.set! && s.stream === "caller POST /data",
      );
      ctx.checks.push({
        name: "while both tokens are valid (ROTATE), every write succeeds",
        ok: during.length > 0 && during.every((s) => s.status === 201),
        detail: `${during.length} write(s): ${[...new Set(during.map((s) => s.status ?? s.error))].join(", ")}`,
      });
      for (const service of SERVICES) livenessCheck(ctx, samples, service, "set");
    },
  };
}

function mysqlPasswordRotated(): Scenario {
  return {
    id: "mysql-password-rotated",
    row: "RDS rotates the managed master password: new MySQL connections are refused until the task is replaced",
    fast: false,
    streams: (ctx) => [
      healthz(ctx, "responder", replaced(HEALTH_EITHER)),
      responderData(ctx, replaced({ statuses: [200, 503], p99Ms: 2_500, maxMs: 3_000, dependency: "mysql" })),
      responderWrites(ctx, replaced({ statuses: [201, 503], p99Ms: 2_500, maxMs: 3_000, dependency: "mysql" })),
    ],
    faultMs: () => LIVENESS_MS + 4_500,
    inject: async (ctx) => {
      const next = newSecret();
      await ctx.env.setMysqlPassword(next);
      ctx.marks.rotated = performance.now();
      ctx.env.mysqlPassword = next;
      await ctx.env.killMysqlSessions();
    },
    clear: async () => undefined,
    recovered: replaceUnlive(),
    recoveryBoundMs: 10_000,
    verify: (ctx, samples) => {
      // The refusal is seen at the first new connection (right away: the sessions were closed);
      // the probe then confirms it every 2 s.
      const from = ctx.marks.rotated!;
      const took = firstStatusAfter(samples, "responder GET /healthz", 503, from);
      const bound = LIVENESS_MS + 4_000;
      ctx.checks.push({
        name: `responder /healthz 503 within ${bound} ms of the rotation`,
        ok: took !== null && took <= bound && took >= LIVENESS_MS - 200,
        detail: took === null ? "never 503" : `${took} ms`,
      });
    },
  };
}

/** Resident memory of a service process, MiB (Linux /proc). */
function rssMiB(env: ChaosEnv, service: ServiceName): number {
  const pid = env.services[service]?.child.pid;
  if (!pid) return 0;
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return line ? Number(/(\d+)/.exec(line)![1]) / 1024 : 0;
}

/** Streams up to `total` bytes of JSON-looking filler for as long as the caller reads. */
function streamBody(client: net.Socket, total: number, chunked: boolean): void {
  const chunk = Buffer.alloc(65_536, "a");
  let sent = 0;
  client.write(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n` +
      (chunked ? "transfer-encoding: chunked\r\n\r\n" : `content-length: ${total}\r\n\r\n`),
  );
  const pump = () => {
    while (!client.destroyed && sent < total) {
      sent += chunk.length;
      const ok = chunked ? client.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`) : client.write(chunk);
      if (!ok) return void client.once("drain", pump);
    }
  };
  pump();
}

function responderOversized(): Scenario {
  let seq = 0;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  return {
    id: "responder-oversized",
    row: "The responder answers 210 MB (declared, then chunked without a length) to the caller's GET /data",
    fast: false,
    streams: (ctx) => [
      callerRoot(ctx, DEGRADED_ROOT),
      healthz(ctx, "caller", { statuses: [200], p99Ms: 500, maxMs: 1_500 }),
    ],
    inject: async (ctx) => {
      ctx.marks.baseRss = rssMiB(ctx.env, "caller");
      peak = ctx.marks.baseRss;
      sampler = setInterval(() => (peak = Math.max(peak, rssMiB(ctx.env, "caller"))), 100);
      ctx.env.responderProxy.setFault({
        kind: "respond",
        respond: (client) => streamBody(client, 210_000_000, seq++ % 2 === 1),
      });
    },
    clear: async (ctx) => {
      clearInterval(sampler);
      ctx.marks.peakRss = peak;
      ctx.env.responderProxy.setFault({ kind: "pass" });
    },
    recovered: (ctx) => callerWhole(ctx.env),
    // The breaker opened on bad_body: one reset period, then a trial call.
    recoveryBoundMs: 8_000,
    verify: (ctx, samples) => {
      const reasons = faultReasons(ctx, samples);
      ctx.checks.push(
        {
          name: "GET / degrades with bad_body (then circuit_open), never waits for the body",
          ok: reasons.has("bad_body") && [...reasons].every((r) => r === "bad_body" || r === "circuit_open"),
          detail: [...reasons].join(", ") || "no degraded answer",
        },
        {
          name: "caller memory grows by less than 64 MiB",
          ok: ctx.marks.peakRss! - ctx.marks.baseRss! < 64,
          detail: `${Math.round(ctx.marks.baseRss!)} → peak ${Math.round(ctx.marks.peakRss!)} MiB`,
        },
      );
    },
  };
}

/** Bodies a broken responder could send, each valid HTTP and most valid JSON. */
const WRONG_SHAPES = [
  "null",
  '"hello"',
  "{}",
  '{"data":null}',
  '{"data":{}}',
  '{"data":[null]}',
  '{"items":null}',
  "[1]",
  "{",
];

function responderWrongShape(): Scenario {
  let seq = 0;
  return {
    id: "responder-wrong-shape",
    row: "The responder answers 200 with the wrong JSON shape (null, a string, data: null, items: null, ...)",
    fast: false,
    streams: (ctx) => [callerRoot(ctx, DEGRADED_ROOT)],
    inject: async (ctx) =>
      ctx.env.responderProxy.setFault({
        kind: "respond",
        respond: (client) => {
          const body = WRONG_SHAPES[seq++ % WRONG_SHAPES.length]!;
          client.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        },
      }),
    clear: async (ctx) => ctx.env.responderProxy.setFault({ kind: "pass" }),
    recovered: (ctx) => callerWhole(ctx.env),
    recoveryBoundMs: 8_000,
    verify: (ctx, samples) => {
      const reasons = faultReasons(ctx, samples);
      ctx.checks.push({
        name: "wrong shapes are bad_body (never 500), and the breaker counts them: circuit_open follows",
        ok: reasons.has("bad_body") && reasons.has("circuit_open"),
        detail: [...reasons].join(", ") || "no degraded answer",
      });
    },
  };
}

/** The responder-part reasons of GET / answers during the fault. */
function faultReasons(ctx: ScenarioContext, samples: readonly Sample[]): Set<string> {
  const reasons = new Set<string>();
  for (const s of samples) {
    if (s.stream !== "caller GET /" || s.startMs < ctx.marks.injected!) continue;
    const m = /"responder_service_data":\{"reason":"(\w+)"/.exec(s.body ?? "");
    if (m) reasons.add(m[1]!);
  }
  return reasons;
}

function staleReadAfterBlackhole(): Scenario {
  let message = "";
  return {
    id: "stale-read-after-blackhole",
    row: "A write lands while Redis is blackholed (its cache invalidation fails); reads after Redis is back",
    fast: false,
    prepare: async (ctx) => {
      // A cached page to go stale: read twice, the second one a hit.
      const url = ctx.env.url("responder", "/data?limit=5");
      await fetch(url).then((r) => r.arrayBuffer());
      await fetch(url).then((r) => r.arrayBuffer());
    },
    streams: (ctx) => [
      responderData(ctx, { statuses: [200], p99Ms: 1_500, maxMs: 2_500 }, { concurrency: 2, intervalMs: 30 }),
    ],
    inject: async (ctx) => {
      ctx.env.redisProxy.setFault({ kind: "blackhole" });
      message = `${ctx.tag}written during the blackhole`;
      const res = await fetch(ctx.env.url("responder", "/data"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "chaos", message }),
        signal: AbortSignal.timeout(5_000),
      });
      ctx.marks.writeStatus = res.status;
    },
    clear: async (ctx) => {
      ctx.env.redisProxy.setFault({ kind: "pass" });
      ctx.marks.back = performance.now();
    },
    // Back to normal: the page has the write, served from the cache again.
    recovered: async (ctx) => {
      const res = await fetch(ctx.env.url("responder", "/data?limit=5"), { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      return res.headers.get("x-cache") === "hit" && newestMessage(body) === message;
    },
    recoveryBoundMs: 4_000,
    verify: (ctx, samples) => {
      ctx.checks.push({
        name: "the write during the blackhole was acknowledged",
        ok: ctx.marks.writeStatus === 201,
        detail: `answered ${ctx.marks.writeStatus}`,
      });
      const later = samples.filter((s) => s.stream === "responder GET /data" && s.startMs >= ctx.marks.back! + 1_000);
      const stale = later.filter((s) => newestMessage(s.body ?? "") !== message);
      ctx.checks.push({
        name: "no read starting ≥ 1 s after Redis is back serves a page without the write",
        ok: later.length > 0 && stale.length === 0,
        detail: `${later.length} read(s), ${stale.length} stale${stale[0] ? `: ${stale[0].body?.slice(0, 120)}` : ""}`,
      });
    },
  };
}

const newestMessage = (body: string) => /"message":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1];

function reusedIdempotencyKeys(): Scenario {
  const KEYS = 6;
  return {
    id: "idempotency-key-reused",
    row: "Idempotency-Keys reused with other bodies on both services (MySQL slow: +30 ms per packet)",
    fast: false,
    streams: (ctx) => [
      stream(
        ctx,
        "caller POST /data (reused keys)",
        (seq) => {
          const key = `${ctx.tag}caller-${seq % KEYS}`;
          const message = `${ctx.tag}caller-${seq}`;
          return {
            method: "POST",
            url: ctx.env.url("caller", "/data"),
            body: { user: "chaos", message },
            headers: { "idempotency-key": key },
            meta: { key, message },
          };
        },
        { statuses: [201, 422], p99Ms: 1_500, maxMs: 2_500 },
        { concurrency: 2, intervalMs: 20, maxRequests: 60 },
      ),
      responderWrites(
        ctx,
        { statuses: [201, 422, 503], p99Ms: 2_500, maxMs: 3_000 },
        {
          label: "responder POST /data (reused keys)",
          concurrency: 2,
          maxRequests: 60,
          request: (seq) => {
            const key = `${ctx.tag}responder-${seq % KEYS}`;
            const message = `${ctx.tag}responder-${seq}`;
            return {
              method: "POST",
              url: ctx.env.url("responder", "/data"),
              body: { user: "chaos", message },
              headers: { "idempotency-key": key },
              write: { key, message },
            };
          },
        },
      ),
    ],
    // Responder writes overlap in MySQL: the unique index, not timing, decides which body a key keeps.
    inject: async (ctx) => ctx.env.mysqlProxy.setFault({ kind: "latency", ms: 30 }),
    clear: async (ctx) => ctx.env.mysqlProxy.setFault({ kind: "pass" }),
    recovered: (ctx) => callerWhole(ctx.env),
    recoveryBoundMs: 5_000,
    verify: async (ctx, samples) => {
      const list = (await ctx.env.redisCommand(
        ctx.env.redisToken,
        "LRANGE",
        `${ctx.env.keyPrefix}caller:data`,
        "0",
        "-1",
      )) as string[];
      const stored = list
        .map((e) => (JSON.parse(e) as { message: string }).message)
        .filter((m) => m.startsWith(`${ctx.tag}caller-`));
      const writes = samples.filter((s) => s.stream === "caller POST /data (reused keys)");
      const byKey = new Map<string, Sample[]>();
      for (const s of writes) byKey.set(s.meta!.key!, [...(byKey.get(s.meta!.key!) ?? []), s]);
      const problems: string[] = [];
      for (const [key, reqs] of byKey) {
        const first = reqs.find((s) => s.status === 201);
        if (!first) continue;
        const kept = stored.filter((m) => reqs.some((s) => s.meta!.message === m));
        if (kept.length !== 1) problems.push(`${key}: ${kept.length} stored`);
        for (const s of reqs) {
          const same = s.meta!.message === kept[0];
          if (s.status === 201 && !same) problems.push(`${key}: 201 for another body`);
          if (s.status === 422 && same) problems.push(`${key}: 422 for the stored body`);
        }
      }
      const conflicts = writes.filter((s) => s.status === 422).length;
      ctx.checks.push({
        name: "caller: one body per key kept; a reused key with another body is 422, never stored",
        ok: problems.length === 0 && conflicts > 0 && stored.length === byKey.size,
        detail: `${writes.length} writes, ${byKey.size} keys, ${stored.length} stored, ${conflicts} × 422${problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""}`,
      });
      const responderConflicts = samples.filter(
        (s) => s.stream === "responder POST /data (reused keys)" && s.status === 422,
      ).length;
      ctx.checks.push({
        name: "responder: a reused key with another body is 422",
        ok: responderConflicts > 0,
        detail: `${responderConflicts} × 422`,
      });
    },
  };
}

/** Marks the start of the fault for the rows whose checks look at what came after it. */
function marked(scenario: Scenario): Scenario {
  return {
    ...scenario,
    inject: async (ctx) => {
      ctx.marks.injected = performance.now();
      await scenario.inject(ctx);
    },
  };
}

export const DEFECT_SCENARIOS: readonly Scenario[] = [
  redisPasswordRejected(),
  redisTokenRotation(),
  mysqlPasswordRotated(),
  responderOversized(),
  responderWrongShape(),
  staleReadAfterBlackhole(),
  reusedIdempotencyKeys(),
].map(marked);
