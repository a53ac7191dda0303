import { checkReplay, type Message } from "../../../shared/src/message";
import type { RedisGuard } from "../../../shared/src/redis";

/** The list never grows past this; GET / shows the newest LIST_READ of it. */
const LIST_CAP = 1_000;
const LIST_READ = 100;
/** How long an Idempotency-Key is remembered. */
const IDEMPOTENCY_TTL_SEC = 86_400;

/**
 * Appends an entry unless the Idempotency-Key was seen; atomic in Redis (no read-then-write).
 * Returns the first request's entry on a repeat, nil otherwise.
 */
const ADD_ONCE = `
local first = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[3])
if not first then return redis.call('GET', KEYS[2]) end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return false
`;

/** Service A's own data: a capped Redis list of messages, oldest first. */
export class CallerData {
  private readonly key: string;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: RedisGuard,
    keyPrefix: string,
  ) {
    this.key = `${keyPrefix}caller:data`;
    this.keyPrefix = keyPrefix;
  }

  /**
   * Stores `msg`; with an idempotency key, a repeat stores nothing and returns the first message,
   * or fails with 422 when the key came with another body.
   */
  async add(msg: Message, idempotencyKey?: string): Promise<{ stored: Message; replayed: boolean }> {
    const entry = JSON.stringify({ user: msg.user, message: msg.message });
    if (!idempotencyKey) {
      await this.redis.call("rpush", (c) => c.multi().rPush(this.key, entry).lTrim(this.key, -LIST_CAP, -1).exec());
      return { stored: msg, replayed: false };
    }
    const first = await this.redis.call("add-once", (c) =>
      c.eval(ADD_ONCE, {
        keys: [this.key, `${this.keyPrefix}caller:idempotency:${idempotencyKey}`],
        arguments: [entry, String(LIST_CAP), String(IDEMPOTENCY_TTL_SEC)],
      }),
    );
    if (typeof first !== "string") return { stored: msg, replayed: false };
    return { stored: checkReplay(JSON.parse(first) as Message, msg), replayed: true };
  }

  async list(): Promise<Message[]> {
    const raw = await this.redis.call("lrange", (c) => c.lRange(this.key, -LIST_READ, -1));
    return raw.map((s) => JSON.parse(s) as Message);
  }
}
