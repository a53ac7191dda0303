import { Worker } from "node:worker_threads";
import { HttpError } from "./errors";

/** The worker spins for the number of ms it is sent, then answers; inline so bundles need no extra file. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
// Lowest priority for this thread only (Linux nice values are per thread): the event loop, and
// with it /healthz, always wins the CPU over the burn.
try { require("node:os").setPriority(19); } catch {}
parentPort.on("message", (ms) => {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  parentPort.postMessage(ms);
});
`;

/**
 * /work's CPU load, off the event loop: at most `maxConcurrent` worker threads spin at a time (so
 * /healthz and every other request keep their latency), up to `maxQueued` more wait their turn,
 * and beyond that the request gets 429.
 */
export class CpuWorkPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: (() => void)[] = [];
  private busy = 0;

  constructor(private readonly opts: { readonly maxConcurrent: number; readonly maxQueued: number }) {}

  async run(ms: number): Promise<void> {
    if (this.busy >= this.opts.maxConcurrent) {
      if (this.waiting.length >= this.opts.maxQueued) {
        throw new HttpError(
          429,
          { error: "Too many concurrent /work requests", running: this.busy, queued: this.waiting.length },
          "work_busy",
        );
      }
      // The finishing run hands its slot over directly (busy stays counted).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.busy++;
    }
    const worker = this.idle.pop() ?? this.spawn();
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once("error", onError);
        worker.once("message", () => {
          worker.off("error", onError);
          resolve();
        });
        worker.ref();
        worker.postMessage(ms);
      });
      worker.unref();
      this.idle.push(worker);
    } catch (error) {
      this.all.delete(worker);
      void worker.terminate();
      throw error;
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }

  /** Stops every worker (at shutdown, after the last request). */
  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.allSettled(workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    this.all.add(worker);
    return worker;
  }
}
