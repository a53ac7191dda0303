import { dependency, HttpError } from "../../../shared/src/errors";
import type { Logger } from "../../../shared/src/logger";
import type { Message } from "../../../shared/src/message";
import type { Database } from "../../../shared/src/mysql";
import type { RedisClient, RedisGuard } from "../../../shared/src/redis";

export interface StoredMessage extends Message {
  readonly id: number;
  readonly created_at: string;
}

export const MAX_PAGE_SIZE = 100;

const ER_DUP_ENTRY = 1062;
const ER_DUP_FIELDNAME = 1060;
const ER_DUP_KEYNAME = 1061;

/** Messages in MySQL with a Redis read-through cache of the newest pages, dropped on every write. */
export class MessageStore {
  private readonly cacheKey: string;
  private schema?: Promise<void>;
  private lastCacheWarning = 0;

  constructor(
    private readonly deps: {
      db: Database;
      redis: RedisGuard;
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
    const { db } = this.deps;
    await db.query(`CREATE TABLE IF NOT EXISTS messages (
      id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
      \`user\` VARCHAR(64) NOT NULL,
      message VARCHAR(1000) NOT NULL,
      created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
      UNIQUE KEY uq_messages_idempotency_key (idempotency_key)
    ) CHARACTER SET utf8mb4`);
    // Tables from before idempotency keys: add the column. MySQL 8 has no ADD COLUMN IF NOT EXISTS,
    // so look first, and accept losing the race to another task.
    const columns = await db.query<unknown[]>(
      "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'messages' AND COLUMN_NAME = 'idempotency_key'",
    );
    if (columns.length === 0) {
      await db
        .query(
          "ALTER TABLE messages ADD COLUMN idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL, ADD UNIQUE KEY uq_messages_idempotency_key (idempotency_key)",
        )
        .catch((error: { errno?: number }) => {
          if (error.errno !== ER_DUP_FIELDNAME && error.errno !== ER_DUP_KEYNAME) throw error;
        });
    }
  }

  /**
   * Stores `msg`. With an idempotency key, the unique index makes a repeat store nothing: it
   * returns the first request's message (`replayed`), or 422 if the key came with another body.
   */
  async add(
    msg: Message,
    idempotencyKey?: string,
    signal?: AbortSignal,
  ): Promise<{ stored: Message; replayed: boolean }> {
    const { db } = this.deps;
    await dependency("mysql", () => this.ensureSchema());
    try {
      await dependency("mysql", () =>
        db.query(
          "INSERT INTO messages (`user`, message, idempotency_key) VALUES (?, ?, ?)",
          [msg.user, msg.message, idempotencyKey ?? null],
          signal,
        ),
      );
    } catch (error) {
      const cause = (error as { cause?: { errno?: number } }).cause;
      if (!idempotencyKey || cause?.errno !== ER_DUP_ENTRY) throw error;
      return { stored: await this.replay(msg, idempotencyKey, signal), replayed: true };
    }
    // After the commit, so a reader cannot re-cache the old page from before the insert for long.
    await this.cache("invalidate", (c) => c.del(this.cacheKey));
    return { stored: msg, replayed: false };
  }

  private async replay(msg: Message, idempotencyKey: string, signal?: AbortSignal): Promise<Message> {
    const rows = await dependency("mysql", () =>
      this.deps.db.query<Message[]>(
        "SELECT `user`, message FROM messages WHERE idempotency_key = ?",
        [idempotencyKey],
        signal,
      ),
    );
    const first = rows[0]!;
    if (first.user !== msg.user || first.message !== msg.message) {
      throw new HttpError(
        422,
        { error: "Idempotency-Key already used with a different body", field: "Idempotency-Key" },
        "idempotency_conflict",
      );
    }
    return { user: first.user, message: first.message };
  }

  /**
   * Newest first, as the JSON text of a StoredMessage[] (the cache holds exactly this text, so a hit
   * is sent without parsing); `hit` says whether Redis answered.
   */
  async newestJson(limit: number, signal?: AbortSignal): Promise<{ json: string; hit: boolean }> {
    const field = String(limit);
    const cached = await this.cache("read", (c) => c.hGet(this.cacheKey, field));
    if (typeof cached === "string") return { json: cached, hit: true };

    await dependency("mysql", () => this.ensureSchema());
    const rows = await dependency("mysql", () =>
      this.deps.db.query<StoredMessage[]>(
        "SELECT id, `user`, message, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS created_at FROM messages ORDER BY id DESC LIMIT ?",
        [limit],
        signal,
      ),
    );
    const result = rows.map((r) => ({
      ...r,
      id: Number(r.id),
      created_at: r.created_at.replace(/(\.\d{3})\d{3}Z$/, "$1Z"),
    }));
    const json = JSON.stringify(result);
    await this.cache("fill", (c) =>
      c.multi().hSet(this.cacheKey, field, json).expire(this.cacheKey, this.deps.cacheTtlSec).exec(),
    );
    return { json, hit: false };
  }

  /**
   * The cache is best-effort: while Redis is down it is skipped at once, and a failing or slow call
   * (cut at REDIS_COMMAND_TIMEOUT_MS) is logged — at most every 5 s — and skipped. MySQL stays the
   * source of truth.
   */
  private async cache<T>(op: string, call: (client: RedisClient) => Promise<T>): Promise<T | undefined> {
    if (!this.deps.redis.available) {
      this.warn(op, "not connected");
      return undefined;
    }
    try {
      return await this.deps.redis.call(op, call);
    } catch (error) {
      this.warn(op, (error as Error).message);
      return undefined;
    }
  }

  private warn(op: string, error: string): void {
    const now = Date.now();
    if (now - this.lastCacheWarning < 5_000) return;
    this.lastCacheWarning = now;
    this.deps.logger.warn("cache unavailable; using MySQL", { errorType: "redis_unavailable", op, error });
  }
}
