// First import: starts tracing (when configured) before express, redis and mysql2 are loaded.
import "../../shared/src/start-tracing";
import { withDeadline } from "../../shared/src/deadline";
import { AuthWatch } from "../../shared/src/auth-watch";
import { createMysqlPool, Database, probeMysqlCredentials } from "../../shared/src/mysql";
import { closeRedis } from "../../shared/src/redis";
import { createServiceBasics } from "../../shared/src/service-basics";
import { runService, startServer, type RunningServer, type StartOptions } from "../../shared/src/server";
import { createResponderApp, type ResponderDeps } from "./app";
import { loadResponderConfig } from "./config";

/** Builds the responder from the environment and listens; the schema is created before traffic. */
export async function startResponder(
  env: NodeJS.ProcessEnv,
  opts: StartOptions = {},
): Promise<RunningServer & { deps: ResponderDeps }> {
  const config = loadResponderConfig(env);
  const basics = createServiceBasics(config, opts);
  const { logger, redis, lifecycle, cpuWork } = basics;
  const mysqlOptions = {
    host: config.MYSQL_HOST,
    port: config.MYSQL_PORT,
    user: config.MYSQL_USER,
    password: config.MYSQL_PASSWORD,
    database: config.MYSQL_DATABASE,
    ssl: config.MYSQL_SSL,
    connectionLimit: config.MYSQL_POOL_SIZE,
    queueLimit: config.MYSQL_QUEUE_LIMIT,
    connectTimeoutMs: config.MYSQL_CONNECT_TIMEOUT_MS,
    logger,
  };
  const pool = createMysqlPool(mysqlOptions);
  const mysqlAuth = new AuthWatch({
    store: "MySQL",
    graceMs: config.LIVENESS_AUTH_FAILURE_MS,
    // Pooled connections that logged in before a rotation keep working; only a new one tells.
    probe: () => probeMysqlCredentials(mysqlOptions),
    logger,
  });
  pool.on("connection", () => mysqlAuth.accepted());
  const db = new Database({
    pool,
    acquireTimeoutMs: config.MYSQL_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: config.MYSQL_QUERY_TIMEOUT_MS,
    auth: mysqlAuth,
  });
  const deps: ResponderDeps = { ...basics, config, db, mysqlAuth };
  const { app, store } = createResponderApp(deps);
  try {
    await store.ensureSchema();
  } catch (error) {
    // Keep running and report not-ready: ECS restarts it if MySQL never comes back.
    logger.error("cannot create the schema; /readyz reports not ready", {
      errorType: "mysql_unavailable",
      error: (error as Error).message,
    });
  }
  const running = await startServer(app, {
    config,
    logger,
    lifecycle,
    flushLogs: opts.flushLogs,
    closeResources: async () => {
      // pool.end() waits for MySQL to acknowledge each QUIT: bounded so a silent MySQL cannot hold the exit.
      mysqlAuth.close();
      basics.redisAuth.close();
      basics.redisGuard.close();
      store.close();
      await Promise.allSettled([closeRedis(redis), withDeadline(pool.end(), 1_000, "mysql pool end"), cpuWork.close()]);
    },
  });
  return { ...running, deps };
}

if (require.main === module) runService("responder", startResponder);
