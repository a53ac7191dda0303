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

const STUCK_MS = 3_000;

/**
 * Every Redis call goes through here: it fails at once while the client is not connected, is cut
 * at the command deadline, and a timed-out connection is replaced. After a timeout the socket's
 * state is unknown (a reply may never come, or come for the wrong command), so it is dropped and
 * reconnected rather than reused.
 */
export class RedisGuard {
  private lastRecycle = 0;
  private notReadySince?: number;

  constructor(
    readonly client: RedisClient,
    private readonly opts: { readonly timeoutMs: number; readonly logger: Logger },
  ) {
    client.on("ready", () => (this.notReadySince = undefined));
  }

  /** True while commands can be sent. */
  get available(): boolean {
    return this.client.isReady;
  }

  async call<T>(op: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.client.isReady) {
      this.unstick();
      throw new DependencyError("redis", new Error(`${op}: not connected`));
    }
    try {
      return await withDeadline(fn(this.client), this.opts.timeoutMs, `redis ${op}`);
    } catch (error) {
      if (error instanceof DeadlineError) this.recycle(op);
      throw new DependencyError("redis", error);
    }
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
