import { createHash } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import { withDeadline, DeadlineError } from "./deadline";
import { DependencyError } from "./errors";
import type { Logger } from "./logger";
import { releaseRepliedCommands } from "./redis-reply-queue";

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

/** Longest pause between two reconnect attempts (plus up to 100 ms of jitter). */
export const RECONNECT_MAX_MS = 500;

/**
 * A node-redis client that never queues while offline, backs off reconnects up to 0.5 s, and logs
 * errors (an `error` listener is mandatory: without one an emitted error crashes the process).
 * Deadlines are applied by RedisGuard around every call.
 */
export function createRedis(opts: RedisOptions): RedisClient {
  releaseRepliedCommands();
  const client: RedisClient = createClient({
    url: opts.url,
    password: opts.authToken,
    disableOfflineQueue: true,
    // RedisGuard puts the deadline on every call; node-redis's own (an AbortSignal.timeout per
    // command, 5 s by default) would only add cost on the hot path.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: 2_000,
      // Back within about half a second of Redis: a write that could not bump the page cache's
      // generation while Redis was away pays it on reconnect (see the responder's MessageStore).
      reconnectStrategy: (retries) => Math.min(2 ** retries * 50, RECONNECT_MAX_MS) + Math.floor(Math.random() * 100),
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

/** A handshake (TLS + HELLO/AUTH) takes milliseconds; one still pending after this went into a blackhole. */
const STUCK_MS = 1_000;
const WATCHDOG_MS = 500;

/**
 * Every Redis call goes through here: it fails at once while the client is not connected, is cut
 * at the command deadline, and a timed-out connection is replaced. After a timeout the socket's
 * state is unknown (a reply may never come, or come for the wrong command), so it is dropped and
 * reconnected rather than reused.
 */
export class RedisGuard {
  private lastRecycle = 0;
  /** When the current connection's TCP connect succeeded and its handshake began (undefined: none pending). */
  private handshakeSince?: number;
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
    client.on("connect", () => (this.handshakeSince = Date.now()));
    client.on("ready", () => {
      this.handshakeSince = undefined;
      if (this.everReady) this.lastTroubleAt = Date.now();
      this.everReady = true;
    });
    const trouble = () => {
      this.handshakeSince = undefined;
      this.lastTroubleAt = Date.now();
    };
    client.on("error", trouble);
    client.on("end", trouble);
    client.on("reconnecting", trouble);
    // A handshake lost in a blackhole waits for nobody: look every half second, calls or not.
    this.watchdog = setInterval(() => this.unstick(), WATCHDOG_MS);
    this.watchdog.unref();
  }

  /** True while commands can be sent. */
  get available(): boolean {
    return this.client.isReady;
  }

  async call<T>(op: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.client.isReady) {
      this.lastTroubleAt = Date.now();
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
   * connect timeout covers TCP only): start over when the client has been connecting for 1 s.
   */
  private unstick(): void {
    if (this.handshakeSince !== undefined && Date.now() - this.handshakeSince >= STUCK_MS) this.recycle("handshake");
  }

  private recycle(op: string): void {
    const now = Date.now();
    if (now - this.lastRecycle < STUCK_MS || !this.client.isOpen) return;
    this.lastRecycle = now;
    this.handshakeSince = undefined;
    this.opts.logger.warn(`redis ${op === "handshake" ? "handshake" : "command"} timed out; reconnecting`, {
      errorType: "redis_timeout",
      op,
    });
    this.client.destroy();
    connectInBackground(this.client, this.opts.logger);
  }
}
