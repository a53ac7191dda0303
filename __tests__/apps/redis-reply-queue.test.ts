import { EmptyAwareSinglyLinkedList } from "@redis/client/dist/lib/client/linked-list";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "../../apps/shared/src/redis";
import { releaseRepliedCommands } from "../../apps/shared/src/redis-reply-queue";
import { captureLogger, REDIS_URL, uniquePrefix } from "./harness";

describe("node-redis reply queue", () => {
  beforeAll(() => releaseRepliedCommands());

  it("when a command's reply is taken off the queue, then its node no longer holds the next command or its own", () => {
    const list = new EmptyAwareSinglyLinkedList<string>();
    const first = list.push("GET a");
    list.push("GET b");
    list.push("GET c");
    let emptied = 0;
    list.events.on("empty", () => emptied++);

    expect(list.shift()).toBe("GET a");
    expect(first).toMatchObject({ next: undefined, value: undefined, removed: true });
    // The queue itself is intact: the rest, in order, then the "empty" event node-redis waits for.
    expect([...list]).toEqual(["GET b", "GET c"]);
    expect([list.shift(), list.shift(), list.shift()]).toEqual(["GET b", "GET c", undefined]);
    expect(list.length).toBe(0);
    expect(emptied).toBe(1);
  });

  describe("with a real Redis", () => {
    let client: RedisClient;
    beforeAll(async () => {
      client = createRedis({ url: REDIS_URL, logger: captureLogger("redis").logger });
      await client.connect();
    });
    afterAll(() => client.destroy());

    it("when 200 commands are in flight at once, then each gets its own reply", async () => {
      const prefix = uniquePrefix();
      const keys = Array.from({ length: 200 }, (_, i) => `${prefix}k${i}`);
      await Promise.all(keys.map((key, i) => client.set(key, String(i), { EX: 60 })));
      const values = await Promise.all(keys.map((key) => client.get(key)));
      expect(values).toEqual(keys.map((_, i) => String(i)));
      await client.del(keys);
    });
  });
});
