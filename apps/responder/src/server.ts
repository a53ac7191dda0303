import { failureModesFromConfig } from "../../shared/src/failure-modes-from-config";
import { createLogger } from "../../shared/src/logger";
import { createMysqlPool } from "../../shared/src/mysql";
import { closeRedis, connectInBackground, createRedis } from "../../shared/src/redis";
import { Lifecycle, runService, startServer, type RunningServer, type StartOptions } from "../../shared/src/server";
import { createResponderApp, type ResponderDeps } from "./app";
import { loadResponderConfig } from "./config";

/** Builds the responder from the environment and listens; the schema is created before traffic. */
export async function startResponder(
  env: NodeJS.ProcessEnv,
  opts: StartOptions = {},
): Promise<RunningServer & { deps: ResponderDeps }> {
  const config = loadResponderConfig(env);
  const logger = opts.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  const redis = createRedis({ url: config.REDIS_URL, logger, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  connectInBackground(redis, logger);
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
  const lifecycle = new Lifecycle();
  const deps: ResponderDeps = {
    config,
    logger,
    redis,
    pool,
    lifecycle,
    failureModes: failureModesFromConfig(config, logger, opts.ssm),
  };
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
