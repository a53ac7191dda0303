import { createHash } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import { withDeadline, DeadlineError } from "./deadline";
import { DependencyError } from "./errors";
import type { Logger } from "./logger";

export type RedisClient = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>, 3>;

export interface RedisOptions {
  readonly url: string;
  /**
   * AUTH token (ElastiCache with transit encryption); sent as the password of the default user.
   * @default - no AUTH
   */
  readonly authToken?: string;
  readonly logger: Logger;
}

/**
 * A node-redis client that never queues while offline, backs off reconnects up to 2 s, and logs
 * errors (an `error` listener is mandatory: without one an emitted error crashes the process).
 * Deadlines are applied by RedisGuard around every call.
 */
export function createRedis(opts: RedisOptions): RedisClient {
  const client: RedisClient = createClient({
    url: opts.url,
    password: opts.authToken,
    disableOfflineQueue: true,
    // RedisGuard puts the deadline on every call; node-redis's own (an AbortSignal.timeout per
    // command, 5 s by default) would only add cost on the hot path.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries) => Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 100),
    },
  });
  let lastLogged = 0;
  client.on("error", (error: Error) => {
    // Reconnect loops emit an error per attempt; one line every 5 s is enough.
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      opts.logger.error("redis error", { errorType: "redis_unavailable", error: error.message });
    }
  });
  return client;
}

/** Connects in the background, so the app starts (and reports not-ready) while Redis is down. */
export function connectInBackground(client: RedisClient, logger: Logger): void {
  client
    .connect()
    .catch((error: Error) =>
      logger.error("redis connect failed", { errorType: "redis_unavailable", error: error.message }),
    );
}

/** Closes the client within `timeoutMs` (QUIT waits for Redis), or destroys it. */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.isOpen) {
    try {
      await withDeadline(client.close(), timeoutMs, "redis close");
      return;
    } catch {
      // fall through to destroy
    }
  }
  if (client.isOpen) client.destroy();
}

/** A Lua script sent by SHA1 (EVALSHA), and in full only when Redis does not know it yet. */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** Runs `script`: one round trip, two when Redis has not cached it (after a restart or failover). */
export async function runScript(
  client: RedisClient,
  script: RedisScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  try {
    return await client.evalSha(script.sha1, { keys, arguments: args });
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(script.source, { keys, arguments: args });
  }
}

const STUCK_MS = 3_000;
const WATCHDOG_MS = 500;

/**
 * Every Redis call goes through here: it fails at once while the client is not connected, is cut
 * at the command deadline, and a timed-out connection is replaced. After a timeout the socket's
 * state is unknown (a reply may never come, or come for the wrong command), so it is dropped and
 * reconnected rather than reused.
 */
export class RedisGuard {
  private lastRecycle = 0;
  private notReadySince?: number;
  private everReady = false;
  private readonly watchdog: NodeJS.Timeout;
  /**
   * Epoch ms of the last time this task could not rely on Redis: a failed call, a lost connection,
   * or a reconnect. Writes it tried to make then may be missing, so cached data older than this is
   * not trusted (see the responder's page cache).
   */
  lastTroubleAt = 0;

  constructor(
    readonly client: RedisClient,
    private readonly opts: { readonly timeoutMs: number; readonly logger: Logger },
  ) {
    client.on("ready", () => {
      this.notReadySince = undefined;
      if (this.everReady) this.lastTroubleAt = Date.now();
      this.everReady = true;
    });
    client.on("error", () => (this.lastTroubleAt = Date.now()));
    client.on("end", () => (this.lastTroubleAt = Date.now()));
    // A handshake lost in a blackhole waits for nobody: look every half second, calls or not.
    this.watchdog = setInterval(() => {
      if (this.client.isOpen && !this.client.isReady) this.unstick();
    }, WATCHDOG_MS);
    this.watchdog.unref();
  }

  /** True while commands can be sent. */
  get available(): boolean {
    return this.client.isReady;
  }

  async call<T>(op: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.client.isReady) {
      this.lastTroubleAt = Date.now();
      this.unstick();
      throw new DependencyError("redis", new Error(`${op}: not connected`));
    }
    try {
      return await withDeadline(fn(this.client), this.opts.timeoutMs, `redis ${op}`);
    } catch (error) {
      this.lastTroubleAt = Date.now();
      if (error instanceof DeadlineError) this.recycle(op);
      throw new DependencyError("redis", error);
    }
  }

  /** Stops the reconnect watchdog (at shutdown). */
  close(): void {
    clearInterval(this.watchdog);
  }

  /**
   * A reconnect whose handshake went into a blackhole never finishes by itself (node-redis's
   * connect timeout covers TCP only): start over when the client has been connecting for 3 s.
   */
  private unstick(): void {
    const now = Date.now();
    this.notReadySince ??= now;
    if (now - this.notReadySince >= STUCK_MS && now - this.lastRecycle >= STUCK_MS) this.recycle("connect");
  }

  private recycle(op: string): void {
    const now = Date.now();
    if (now - this.lastRecycle < 1_000 || !this.client.isOpen) return;
    this.lastRecycle = now;
    this.opts.logger.warn("redis command timed out; reconnecting", { errorType: "redis_timeout", op });
    this.client.destroy();
    connectInBackground(this.client, this.opts.logger);
  }
}
