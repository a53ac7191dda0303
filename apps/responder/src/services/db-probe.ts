import { dependency } from "../../../shared/src/errors";
import type { Logger } from "../../../shared/src/logger";
import { acquire, type Database, type MysqlConnection } from "../../../shared/src/mysql";

/**
 * GET /db: a SELECT 1 round trip. In connection_leak mode each call also keeps a connection;
 * leaving the mode hands them all back (see releaseLeaked), so the pool recovers without a restart.
 */
export class DbProbe {
  private readonly leaked: MysqlConnection[] = [];

  constructor(private readonly deps: { db: Database; logger: Logger }) {}

  get leakedConnections(): number {
    return this.leaked.length;
  }

  async roundTrip(leak: boolean, signal?: AbortSignal): Promise<{ latencyMs: number }> {
    const { db } = this.deps;
    return dependency("mysql", async () => {
      if (leak) this.leaked.push(await acquire(db.pool, db.opts.acquireTimeoutMs, signal));
      const start = performance.now();
      await db.query("SELECT 1", [], signal);
      return { latencyMs: Math.round((performance.now() - start) * 100) / 100 };
    });
  }

  /** Returns every leaked connection to the pool. */
  releaseLeaked(): void {
    if (this.leaked.length === 0) return;
    this.deps.logger.warn("connection_leak ended; releasing leaked connections", { count: this.leaked.length });
    for (const conn of this.leaked.splice(0)) conn.release();
  }
}
