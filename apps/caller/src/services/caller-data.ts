import { dependency } from "../../../shared/src/errors";
import type { Message } from "../../../shared/src/message";
import type { RedisClient } from "../../../shared/src/redis";

/** The list never grows past this; GET / shows the newest LIST_READ of it. */
const LIST_CAP = 1_000;
const LIST_READ = 100;

/** Service A's own data: a capped Redis list of messages, oldest first. */
export class CallerData {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.key = `${keyPrefix}caller:data`;
  }

  async add(msg: Message): Promise<void> {
    const entry = JSON.stringify({ user: msg.user, message: msg.message });
    await dependency("redis", () => this.redis.multi().rPush(this.key, entry).lTrim(this.key, -LIST_CAP, -1).exec());
  }

  async list(): Promise<Message[]> {
    const raw = await dependency("redis", () => this.redis.lRange(this.key, -LIST_READ, -1));
    return raw.map((s) => JSON.parse(s) as Message);
  }
}
