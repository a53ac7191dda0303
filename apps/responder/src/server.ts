import { withDeadline } from "../../shared/src/deadline";
import { createMysqlPool, Database } from "../../shared/src/mysql";
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
  const pool = createMysqlPool({
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
  });
  const db = new Database({
    pool,
    acquireTimeoutMs: config.MYSQL_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: config.MYSQL_QUERY_TIMEOUT_MS,
  });
  const deps: ResponderDeps = { ...basics, config, db };
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
      await Promise.allSettled([closeRedis(redis), withDeadline(pool.end(), 1_000, "mysql pool end"), cpuWork.close()]);
    },
  });
  return { ...running, deps };
}

if (require.main === module) runService("responder", startResponder);
