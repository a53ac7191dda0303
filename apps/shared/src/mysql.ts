import mysql from "mysql2/promise";
import type { Logger } from "./logger";

export type MysqlPool = mysql.Pool;
export type MysqlConnection = mysql.PoolConnection;

export interface MysqlOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly connectionLimit: number;
  readonly queueLimit: number;
  readonly connectTimeoutMs: number;
  readonly ssl?: boolean;
  readonly logger: Logger;
}

/** A bounded mysql2 pool: fixed size, bounded wait queue, connect timeout, TCP keep-alive. */
export function createMysqlPool(opts: MysqlOptions): MysqlPool {
  const pool = mysql.createPool({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    database: opts.database,
    connectionLimit: opts.connectionLimit,
    queueLimit: opts.queueLimit,
    waitForConnections: true,
    connectTimeout: opts.connectTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    ssl: opts.ssl ? { rejectUnauthorized: true } : undefined,
  });
  pool.on("connection", () => opts.logger.debug("mysql connection opened"));
  return pool;
}

/**
 * getConnection with a deadline: mysql2 waits forever for a free connection. A connection that
 * arrives after the deadline is released straight back to the pool.
 */
export async function acquire(pool: MysqlPool, timeoutMs: number): Promise<MysqlConnection> {
  const pending = pool.getConnection();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      pending.then((conn) => conn.release()).catch(() => undefined);
      reject(new Error(`no free MySQL connection within ${timeoutMs} ms (pool exhausted)`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
