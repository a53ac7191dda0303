import { createClient, type RedisClientType } from "redis";
import type { Logger } from "./logger";

export type RedisClient = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>, 3>;

export interface RedisOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Commands fail after this long instead of hanging the request. */
  readonly commandTimeoutMs: number;
}

/**
 * A node-redis client that never hangs a request: offline commands fail at once instead of
 * queueing, every command has a timeout, reconnects back off up to 2 s, and errors are logged
 * (an `error` listener is mandatory: without one an emitted error crashes the process).
 */
export function createRedis(opts: RedisOptions): RedisClient {
  const client: RedisClient = createClient({
    url: opts.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: opts.commandTimeoutMs },
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

/** Closes the client, or destroys it when it never connected. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.isOpen) {
    try {
      await client.close();
      return;
    } catch {
      // fall through to destroy
    }
  }
  if (client.isOpen) client.destroy();
}
