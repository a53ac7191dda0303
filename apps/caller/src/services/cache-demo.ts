import type { RedisGuard } from "../../../shared/src/redis";

/** The seed's Redis cache demo, under its own key prefix; listing uses SCAN, never KEYS. */
export class CacheDemo {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisGuard,
    keyPrefix: string,
  ) {
    this.prefix = `${keyPrefix}cache:`;
  }

  /** Every entry expires: the route passes the client's TTL or the default. */
  async set(key: string, value: string, ttlSec: number): Promise<void> {
    await this.redis.call("set", (c) => c.set(this.prefix + key, value, { expiration: { type: "EX", value: ttlSec } }));
  }

  async get(key: string): Promise<string | null> {
    return this.redis.call("get", (c) => c.get(this.prefix + key));
  }

  /** One SCAN page of at most `count` keys; cursor "0" means the walk is complete. */
  async list(cursor: string, count: number): Promise<{ keys: string[]; cursor: string }> {
    const page = await this.redis.call("scan", (c) => c.scan(cursor, { MATCH: `${this.prefix}*`, COUNT: count }));
    return { keys: page.keys.map((k) => k.slice(this.prefix.length)).sort(), cursor: page.cursor };
  }
}
