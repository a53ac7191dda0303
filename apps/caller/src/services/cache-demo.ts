import { dependency } from "../../../shared/src/errors";
import type { RedisClient } from "../../../shared/src/redis";

/** The seed's Redis cache demo, under its own key prefix; listing uses SCAN, never KEYS. */
export class CacheDemo {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.prefix = `${keyPrefix}cache:`;
  }

  async set(key: string, value: string, ttlSec?: number): Promise<void> {
    await dependency("redis", () =>
      this.redis.set(this.prefix + key, value, ttlSec ? { expiration: { type: "EX", value: ttlSec } } : undefined),
    );
  }

  async get(key: string): Promise<string | null> {
    return dependency("redis", () => this.redis.get(this.prefix + key));
  }

  /** One SCAN page of at most `count` keys; cursor "0" means the walk is complete. */
  async list(cursor: string, count: number): Promise<{ keys: string[]; cursor: string }> {
    const page = await dependency("redis", () => this.redis.scan(cursor, { MATCH: `${this.prefix}*`, COUNT: count }));
    return { keys: page.keys.map((k) => k.slice(this.prefix.length)).sort(), cursor: page.cursor };
  }
}
