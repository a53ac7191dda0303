// First import: starts tracing (when configured) before express, redis and mysql2 are loaded.
import "../../shared/src/start-tracing";
import { createMysqlPool } from "../../shared/src/mysql";
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
  const { logger, redis, lifecycle } = basics;
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
  const deps: ResponderDeps = { ...basics, config, pool };
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
      await Promise.allSettled([closeRedis(redis), pool.end()]);
    },
  });
  return { ...running, deps };
}

if (require.main === module) runService(startResponder);
