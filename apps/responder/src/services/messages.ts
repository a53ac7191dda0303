import { dependency } from "../../../shared/src/errors";
import type { Logger } from "../../../shared/src/logger";
import type { Message } from "../../../shared/src/message";
import type { MysqlPool } from "../../../shared/src/mysql";
import type { RedisClient } from "../../../shared/src/redis";

export interface StoredMessage extends Message {
  readonly id: number;
  readonly created_at: string;
}

export const MAX_PAGE_SIZE = 100;

/** Messages in MySQL with a Redis read-through cache of the newest pages, dropped on every write. */
export class MessageStore {
  private readonly cacheKey: string;
  private schema?: Promise<void>;

  constructor(
    private readonly deps: {
      pool: MysqlPool;
      redis: RedisClient;
      logger: Logger;
      keyPrefix: string;
      cacheTtlSec: number;
    },
  ) {
    this.cacheKey = `${deps.keyPrefix}responder:data:pages`;
  }

  /** Idempotent (safe from every task); retried on the next call if MySQL was down. */
  ensureSchema(): Promise<void> {
    this.schema ??= this.createSchema().catch((error: unknown) => {
      this.schema = undefined;
      throw error;
    });
    return this.schema;
  }

  private async createSchema(): Promise<void> {
    await this.deps.pool.query(`CREATE TABLE IF NOT EXISTS messages (
      id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
      \`user\` VARCHAR(64) NOT NULL,
      message VARCHAR(1000) NOT NULL,
      created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) CHARACTER SET utf8mb4`);
  }

  async add(msg: Message): Promise<void> {
    await dependency("mysql", () => this.ensureSchema());
    await dependency("mysql", () =>
      this.deps.pool.execute("INSERT INTO messages (`user`, message) VALUES (?, ?)", [msg.user, msg.message]),
    );
    // After the commit, so a reader cannot re-cache the old page from before the insert for long.
    await this.cache("invalidate", () => this.deps.redis.del(this.cacheKey));
  }

  /**
   * Newest first, as the JSON text of a StoredMessage[] (the cache holds exactly this text, so a hit
   * is sent without parsing); `hit` says whether Redis answered.
   */
  async newestJson(limit: number): Promise<{ json: string; hit: boolean }> {
    const field = String(limit);
    const cached = await this.cache("read", () => this.deps.redis.hGet(this.cacheKey, field));
    if (typeof cached === "string") return { json: cached, hit: true };

    await dependency("mysql", () => this.ensureSchema());
    const [rows] = await dependency("mysql", () =>
      this.deps.pool.query(
        "SELECT id, `user`, message, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS created_at FROM messages ORDER BY id DESC LIMIT ?",
        [limit],
      ),
    );
    const result = (rows as StoredMessage[]).map((r) => ({
      ...r,
      id: Number(r.id),
      created_at: r.created_at.replace(/(\.\d{3})\d{3}Z$/, "$1Z"),
    }));
    const json = JSON.stringify(result);
    await this.cache("fill", async () => {
      await this.deps.redis
        .multi()
        .hSet(this.cacheKey, field, json)
        .expire(this.cacheKey, this.deps.cacheTtlSec)
        .exec();
    });
    return { json, hit: false };
  }

  /** Cache trouble is logged and skipped: MySQL stays the source of truth. */
  private async cache<T>(op: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      this.deps.logger.warn("cache unavailable; using MySQL", {
        errorType: "redis_unavailable",
        op,
        error: (error as Error).message,
      });
      return undefined;
    }
  }
}
