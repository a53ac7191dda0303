import { randomUUID } from "node:crypto";
import { createClient } from "redis";

/** Tags this run's Redis keys (fc-test:<run>:...) and removes them when the run ends. */
export default function setup(): () => Promise<void> {
  const run = randomUUID().slice(0, 8);
  process.env.FC_TEST_RUN = run;
  return async () => {
    const client = createClient({ url: "redis://127.0.0.1:6379" });
    client.on("error", () => undefined);
    try {
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `fc-test:${run}:*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    } catch {
      // Redis gone already: nothing to clean.
    }
  };
}
