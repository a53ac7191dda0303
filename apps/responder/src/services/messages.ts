import { dependency } from "../../../shared/src/errors";
import type { Logger } from "../../../shared/src/logger";
import { checkReplay, type Message } from "../../../shared/src/message";
import type { Database } from "../../../shared/src/mysql";
import { randomInt } from "node:crypto";
import { redisScript, runScript, type RedisClient, type RedisGuard } from "../../../shared/src/redis";

export interface StoredMessage extends Message {
  readonly id: number;
  readonly created_at: string;
}

export const MAX_PAGE_SIZE = 100;

const ER_DUP_ENTRY = 1062;
const ER_DUP_FIELDNAME = 1060;
const ER_DUP_KEYNAME = 1061;

/**
 * Fills a page only if the generation is still the one read before MySQL was asked: a write that
 * committed (and bumped it) meanwhile makes the page too old to keep.
 */
const FILL = redisScript(`
if (redis.call('HGET', KEYS[1], 'gen') or '-') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`);

/**
 * A new generation after a write: every cached page is stale from now on. A hash that expired
 * starts again from a random number, so no reader can mistake a new generation for one it saw.
 */
const BUMP = redisScript(`
if redis.call('HEXISTS', KEYS[1], 'gen') == 0 then redis.call('HSET', KEYS[1], 'gen', ARGV[1]) end
return redis.call('HINCRBY', KEYS[1], 'gen', 1)
`);

/** While a generation bump is owed (Redis failed when a write needed one), it is retried this often. */
const BUMP_RETRY_MS = 200;

/**
 * Messages in MySQL with a Redis read-through cache of the newest pages. The cache hash holds a
 * generation that every write bumps after its commit; a page is served only when it was filled at
 * the current generation, after the last time this task lost Redis (a write meanwhile may have
 * failed to bump it), and while no bump of this task's is owed.
 */
export class MessageStore {
  private readonly cacheKey: string;
  private schema?: Promise<void>;
  private lastCacheWarning = 0;
  private bumpOwed = false;
  private bumpTimer?: NodeJS.Timeout;

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
    // Back on Redis: pay what is owed before anything else.
    deps.redis.client.on("ready", () => void this.payBump());
  }

  /** Stops the bump retries (at shutdown). */
  close(): void {
    if (this.bumpTimer) clearInterval(this.bumpTimer);
    this.bumpTimer = undefined;
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
    // After the commit: a reader that asked MySQL before it cannot fill its older page any more.
    await this.bump();
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
    return checkReplay(rows[0]!, msg);
  }

  /**
   * Newest first, as the JSON text of a StoredMessage[] (the cache holds exactly this text, behind a
   * `<generation>|<filled at ms>|` prefix, so a hit is sent without parsing); `hit` says whether
   * the page came from Redis.
   */
  async newestJson(limit: number, signal?: AbortSignal): Promise<{ json: string; hit: boolean }> {
    const field = String(limit);
    const owed = this.bumpOwed;
    const read = owed ? undefined : await this.cache("read", (c) => c.hmGet(this.cacheKey, ["gen", field]));
    const gen = read ? (read[0] ?? "-") : undefined;
    const page = read?.[1];
    if (typeof page === "string") {
      const json = this.usable(page, gen!);
      if (json !== undefined) return { json, hit: true };
    }

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
    // Only with the generation read before MySQL was asked (none read: no fill).
    if (gen !== undefined) {
      const value = `${gen}|${Date.now()}|${json}`;
      await this.cache("fill", (c) =>
        runScript(c, FILL, [this.cacheKey], [gen, field, value, String(this.deps.cacheTtlSec)]),
      );
    }
    return { json, hit: false };
  }

  /** The page's JSON if it belongs to generation `gen` and was filled after this task's last Redis trouble. */
  private usable(page: string, gen: string): string | undefined {
    const first = page.indexOf("|");
    const second = page.indexOf("|", first + 1);
    if (first < 0 || second < 0 || page.slice(0, first) !== gen) return undefined;
    const filledAt = Number(page.slice(first + 1, second));
    return filledAt > this.deps.redis.lastTroubleAt ? page.slice(second + 1) : undefined;
  }

  /** A new generation; if Redis fails, it is owed and retried until paid (reads skip the cache meanwhile). */
  private async bump(): Promise<void> {
    const paid = await this.cache("bump", (c) => runScript(c, BUMP, [this.cacheKey], [String(randomInt(2 ** 47))]));
    if (paid !== undefined) return;
    this.bumpOwed = true;
    this.bumpTimer ??= setInterval(() => void this.payBump(), BUMP_RETRY_MS);
    this.bumpTimer.unref();
  }

  private async payBump(): Promise<void> {
    if (!this.bumpOwed || !this.deps.redis.available) return;
    const paid = await this.cache("bump", (c) => runScript(c, BUMP, [this.cacheKey], [String(randomInt(2 ** 47))]));
    if (paid === undefined || !this.bumpOwed) return;
    this.bumpOwed = false;
    this.close();
    this.deps.logger.info("cache generation bumped after Redis came back", { op: "bump" });
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
