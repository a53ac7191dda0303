import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import winston from "winston";
import { BatchedStdout } from "../../apps/shared/src/logger";

/** A pipe whose reader has stalled: it takes nothing until `drain` is called. */
function stalledPipe() {
  const waiting: (() => void)[] = [];
  const taken: string[] = [];
  let stalled = true;
  const out = new Writable({
    highWaterMark: 1_024,
    write(chunk: Buffer, _encoding, done) {
      const take = () => {
        taken.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      };
      if (stalled) waiting.push(take);
      else take();
    },
  });
  return {
    out,
    taken,
    async drain() {
      stalled = false;
      while (waiting.length) {
        waiting.shift()!();
        await turn();
      }
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("BatchedStdout", () => {
  it("when stdout stops draining, then what it holds stays bounded, and once it drains a warning counts the lines dropped", async () => {
    const pipe = stalledPipe();
    const maxBufferedBytes = 20_000;
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new BatchedStdout({ service: "svc", out: pipe.out, maxBufferedBytes })],
    });
    const sent = 2_000;
    let held = 0;
    // One line per event-loop turn: one batch each, as requests ending in separate turns.
    for (let i = 0; i < sent; i++) {
      logger.info("request", { n: i, path: "/items/0123456789" });
      await turn();
      held = Math.max(held, pipe.out.writableLength);
    }
    const lineBytes = JSON.stringify({ level: "info", message: "request", n: sent, path: "/items/0123456789" }).length;
    // 2,000 lines of about 70 bytes: 140 KB unbounded; held: the bound plus the batch that crossed it.
    expect(held).toBeGreaterThanOrEqual(maxBufferedBytes);
    expect(held).toBeLessThanOrEqual(maxBufferedBytes + lineBytes + 1);

    await pipe.drain();
    logger.info("after");
    await turn();
    await pipe.drain();
    const lines = pipe.taken.map((l) => JSON.parse(l) as Record<string, unknown>);
    const delivered = lines.filter((l) => l.message === "request");
    const warning = lines.find((l) => l.message === "log lines dropped: stdout was not draining");
    expect(warning).toMatchObject({ service: "svc", level: "warn" });
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length + (warning!.dropped as number)).toBe(sent);
    // The lines that got through are the first ones, in order; the warning comes before the next line.
    expect(delivered.map((l) => l.n)).toEqual(delivered.map((_, i) => i));
    expect(lines.slice(-2).map((l) => l.message)).toEqual([warning!.message, "after"]);
  });

  it("when stdout keeps up, then every line is written and nothing is reported dropped", async () => {
    const taken: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        taken.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      },
    });
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new BatchedStdout({ service: "svc", out, maxBufferedBytes: 1_000 })],
    });
    for (let i = 0; i < 500; i++) {
      logger.info("request", { n: i });
      if (i % 10 === 0) await turn();
    }
    await turn();
    expect(taken.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
