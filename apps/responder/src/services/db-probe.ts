import { dependency } from "../../../shared/src/errors";
import { acquire, type MysqlConnection, type MysqlPool } from "../../../shared/src/mysql";

/** GET /db: a SELECT 1 round trip. In connection_leak mode each call also keeps a connection forever. */
export class DbProbe {
  private readonly leaked: MysqlConnection[] = [];

  constructor(private readonly deps: { pool: MysqlPool; acquireTimeoutMs: number }) {}

  async roundTrip(leak: boolean): Promise<{ latencyMs: number }> {
    return dependency("mysql", async () => {
      if (leak) this.leaked.push(await acquire(this.deps.pool, this.deps.acquireTimeoutMs));
      const start = performance.now();
      const conn = await acquire(this.deps.pool, this.deps.acquireTimeoutMs);
      try {
        await conn.query("SELECT 1");
      } finally {
        conn.release();
      }
      return { latencyMs: Math.round((performance.now() - start) * 100) / 100 };
    });
  }
}
