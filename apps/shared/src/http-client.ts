import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { CircuitBreaker, CircuitOpenError } from "./circuit-breaker";
import { currentRequestId, propagatedHeaders, type Logger } from "./logger";

export interface ServiceClientOptions {
  /** Name for logs and error markers, e.g. "responder". */
  readonly name: string;
  readonly baseUrl: string;
  readonly logger: Logger;
  /** Whole-call deadline, retries included. */
  readonly deadlineMs: number;
  /** Per-attempt timeout (each try is cut at min(this, time left)). */
  readonly attemptTimeoutMs: number;
  /** Extra attempts for idempotent calls (GET/HEAD) on network errors, timeouts and 5xx. */
  readonly maxRetries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly breaker: CircuitBreaker;
  readonly random?: () => number;
}

/** Why a downstream call produced no data; the caller reports this to its client. */
export type FailureReason = "timeout" | "circuit_open" | "unreachable" | "bad_status" | "bad_body";

export class ServiceCallError extends Error {
  override name = "ServiceCallError";
  constructor(
    readonly service: string,
    readonly reason: FailureReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** Only the target's own trouble opens the circuit: not a 4xx (it answered), not our caller's. */
function isTargetFailure(error: unknown): boolean {
  if (!(error instanceof ServiceCallError)) return false;
  return error.status === undefined || error.status >= 500;
}

export interface RequestOptions {
  /** Sent as Idempotency-Key on POST/PATCH; @default - a new UUID per call, the same on each retry */
  readonly idempotencyKey?: string;
}

/**
 * Service-to-service HTTP: a deadline on every call, retries with full-jitter exponential backoff
 * for idempotent methods only (the one retry layer: Service Connect's proxy does none here), a
 * circuit breaker around the whole call, and the X-Request-Id passed on.
 */
export class ServiceClient {
  private readonly random: () => number;
  /** Keep-alive pool to the target (Service Connect's local proxy on ECS). */
  private readonly agent: Agent;

  constructor(private readonly opts: ServiceClientOptions) {
    this.random = opts.random ?? Math.random;
    if (!/^http:\/\//.test(opts.baseUrl)) {
      throw new Error(
        `ServiceClient ${opts.name}: baseUrl must be http:// (Service Connect terminates TLS), got "${opts.baseUrl}"`,
      );
    }
    // Idle sockets close after 60 s, before the server side (65 s) can drop one under a request.
    this.agent = new Agent({ keepAlive: true, maxSockets: 128, timeout: 60_000 });
  }

  /** Closes pooled sockets (at shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async getJson<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /**
   * A call with a deadline. Writes (POST/PATCH) carry an Idempotency-Key, the same on every
   * attempt, which makes them safe to retry like idempotent methods.
   */
  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const { breaker, name } = this.opts;
    const key = IDEMPOTENT.has(method) ? undefined : (opts.idempotencyKey ?? randomUUID());
    try {
      return await breaker.run(() => this.withRetries<T>(method, path, body, key), isTargetFailure);
    } catch (error) {
      if (error instanceof CircuitOpenError) throw new ServiceCallError(name, "circuit_open", `${name}: circuit open`);
      throw error;
    }
  }

  private async withRetries<T>(method: string, path: string, body: unknown, key?: string): Promise<T> {
    const { deadlineMs, maxRetries, logger, name } = this.opts;
    const deadline = Date.now() + deadlineMs;
    const attempts = IDEMPOTENT.has(method) || key ? maxRetries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(method, path, body, deadline, key);
      } catch (error) {
        const err = error as ServiceCallError;
        const retryable = err.reason !== "bad_body" && (err.status === undefined || err.status >= 500);
        const pause = this.backoff(attempt);
        if (!retryable || attempt >= attempts || Date.now() + pause >= deadline) throw err;
        logger.warn("retrying downstream call", { target: name, attempt, reason: err.reason, pauseMs: pause });
        await sleep(pause);
      }
    }
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(this.random() * cap);
  }

  private async attempt<T>(method: string, path: string, body: unknown, deadline: number, key?: string): Promise<T> {
    const { name, attemptTimeoutMs } = this.opts;
    const timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, deadline - Date.now()));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { ...propagatedHeaders(), accept: "application/json" };
    const requestId = currentRequestId();
    if (requestId) headers["x-request-id"] = requestId;
    if (key) headers["idempotency-key"] = key;
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        new URL(path, this.opts.baseUrl),
        { method, headers, agent: this.agent, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    }).catch((error: Error) => {
      if (error.name === "AbortError" || error.name === "TimeoutError") {
        throw new ServiceCallError(name, "timeout", `${name}: no answer within ${timeoutMs} ms`);
      }
      throw new ServiceCallError(name, "unreachable", `${name}: ${error.message}`);
    });
    if (status < 200 || status >= 300)
      throw new ServiceCallError(name, "bad_status", `${name}: answered ${status}`, status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ServiceCallError(name, "bad_body", `${name}: answered ${status} with a body that is not JSON`, status);
    }
  }
}
