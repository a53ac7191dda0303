/**
 * A bounded HTTP load generator: a few keep-alive loops per stream, each request with its own
 * client timeout, every loop capped in request count and wall time. It records one sample per
 * logical request, with network failures classified (a reset on a kept-alive socket is what an ALB
 * turns into a 502).
 */
import { Agent, request as httpRequest } from "node:http";

export interface RequestSpec {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** A write to check in MySQL afterwards: the message text is unique per logical request. */
  readonly write?: { readonly key: string; readonly message: string };
  /** Anything a row's own checks need to know about the request (kept on its sample). */
  readonly meta?: Readonly<Record<string, string>>;
}

export type NetworkError = "reset" | "refused" | "timeout" | "other";

export interface Sample {
  readonly stream: string;
  /** performance.now() at the start of the first attempt and the end of the last. */
  readonly startMs: number;
  readonly endMs: number;
  /** The slowest attempt: what a bound on the service's answer time applies to. */
  readonly latencyMs: number;
  /** Both attempts and the pause between them, when retried. */
  readonly totalMs: number;
  readonly status?: number;
  readonly error?: NetworkError;
  readonly errorDetail?: string;
  /** First 2 KiB of the body, and its last 1 KiB after "…" when it is longer. */
  readonly body?: string;
  readonly write?: RequestSpec["write"];
  readonly meta?: RequestSpec["meta"];
  readonly attempts: number;
}

export interface StreamSpec {
  readonly label: string;
  readonly concurrency: number;
  /** Pause of each loop between two requests. */
  readonly intervalMs: number;
  readonly maxRequests: number;
  readonly timeoutMs: number;
  readonly request: (seq: number) => RequestSpec;
  /** Retry once, with the same request (so the same Idempotency-Key), after a 503 or a network error. */
  readonly retryOnce?: boolean;
  /** The stream's loops end once this returns true (e.g. a flood that lasts as long as the fault). */
  readonly until?: () => boolean;
  /** A loop ends at its first refused connection (a client behind an ALB never retries a deregistered target). */
  readonly stopOnRefused?: boolean;
}

const BODY_KEEP = 2_048;
const TAIL_KEEP = 1_024;

function classify(error: NodeJS.ErrnoException, timedOut: boolean): NetworkError {
  if (timedOut) return "timeout";
  if (error.code === "ECONNREFUSED") return "refused";
  if (error.code === "ECONNRESET" || error.code === "EPIPE" || /socket hang up/i.test(error.message)) return "reset";
  return "other";
}

interface Attempt {
  status?: number;
  error?: NetworkError;
  errorDetail?: string;
  body?: string;
}

function send(agent: Agent, spec: RequestSpec, timeoutMs: number): Promise<Attempt> {
  const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
  const headers: Record<string, string | number> = { ...spec.headers };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const finish = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = httpRequest(spec.url, { method: spec.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tail = Buffer.alloc(0);
      res.on("data", (c: Buffer) => {
        if (size < BODY_KEEP) chunks.push(c);
        size += c.length;
        if (size > BODY_KEEP) tail = Buffer.concat([tail, c]).subarray(-TAIL_KEEP);
      });
      res.on("end", () => {
        const head = Buffer.concat(chunks).toString("utf8").slice(0, BODY_KEEP);
        finish({ status: res.statusCode, body: size > BODY_KEEP ? `${head}…${tail.toString("utf8")}` : head });
      });
      res.on("error", (error: NodeJS.ErrnoException) =>
        finish({ error: classify(error, timedOut), errorDetail: error.code ?? error.message }),
      );
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) =>
      finish({ error: classify(error, timedOut), errorDetail: error.code ?? error.message }),
    );
    req.end(payload);
  });
}

/** Runs streams until stopped, or until each loop hits its request or time cap. */
export class LoadRun {
  private stopping = false;
  private readonly samples: Sample[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly agents: Agent[] = [];
  private readonly startedAt = performance.now();

  constructor(
    streams: readonly StreamSpec[],
    /** Hard cap on the whole run, whatever the caller does. */
    private readonly maxDurationMs: number,
  ) {
    for (const stream of streams) {
      const agent = new Agent({ keepAlive: true, maxSockets: stream.concurrency });
      this.agents.push(agent);
      let seq = 0;
      const next = () => (seq < stream.maxRequests ? seq++ : undefined);
      for (let i = 0; i < stream.concurrency; i++) this.loops.push(this.loop(stream, agent, next));
    }
  }

  private get overTime(): boolean {
    return performance.now() - this.startedAt > this.maxDurationMs;
  }

  private async loop(stream: StreamSpec, agent: Agent, next: () => number | undefined): Promise<void> {
    for (;;) {
      if (this.stopping || this.overTime || stream.until?.()) return;
      const seq = next();
      if (seq === undefined) return;
      const spec = stream.request(seq);
      const startMs = performance.now();
      let attempt = await send(agent, spec, stream.timeoutMs);
      let latencyMs = performance.now() - startMs;
      let attempts = 1;
      if (stream.retryOnce && (attempt.error !== undefined || attempt.status === 503) && !this.stopping) {
        await new Promise((r) => setTimeout(r, 100));
        const retryStart = performance.now();
        attempt = await send(agent, spec, stream.timeoutMs);
        latencyMs = Math.max(latencyMs, performance.now() - retryStart);
        attempts = 2;
      }
      const endMs = performance.now();
      this.samples.push({
        stream: stream.label,
        startMs,
        endMs,
        latencyMs,
        totalMs: endMs - startMs,
        ...attempt,
        write: spec.write,
        meta: spec.meta,
        attempts,
      });
      if (stream.stopOnRefused && attempt.error === "refused") return;
      if (stream.intervalMs > 0) await new Promise((r) => setTimeout(r, stream.intervalMs));
    }
  }

  /** Samples so far (the run goes on). */
  snapshot(): readonly Sample[] {
    return this.samples;
  }

  /** Stops the loops, waits for requests in flight (each has its own timeout) and closes the sockets. */
  async stop(): Promise<Sample[]> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const agent of this.agents) agent.destroy();
    return this.samples;
  }
}

export interface Stats {
  readonly requests: number;
  /** Non-2xx answers plus network errors. */
  readonly errors: number;
  readonly resets: number;
  readonly statuses: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Status (or network error) → count, latency percentiles over every sample. */
export function stats(samples: readonly Sample[]): Stats {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) {
    const k = s.status !== undefined ? String(s.status) : s.error!;
    statuses[k] = (statuses[k] ?? 0) + 1;
  }
  const round = (n: number) => Math.round(n);
  return {
    requests: samples.length,
    errors: samples.filter((s) => s.status === undefined || s.status < 200 || s.status >= 300).length,
    resets: samples.filter((s) => s.error === "reset").length,
    statuses,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
  };
}
