import type { Express } from "express";
import type { FailureModeSource } from "../../shared/src/failure-mode";
import { createBaseApp } from "../../shared/src/http-app";
import type { Logger } from "../../shared/src/logger";
import type { MysqlPool } from "../../shared/src/mysql";
import type { RedisClient } from "../../shared/src/redis";
import type { Lifecycle } from "../../shared/src/server";
import type { ResponderConfig } from "./config";
import { dataRoutes } from "./routes/data";
import { dbRoutes } from "./routes/db";
import { DbProbe } from "./services/db-probe";
import { MessageStore } from "./services/messages";

export interface ResponderDeps {
  readonly config: ResponderConfig;
  readonly logger: Logger;
  readonly redis: RedisClient;
  readonly pool: MysqlPool;
  readonly failureModes: FailureModeSource;
  readonly lifecycle: Lifecycle;
}

/** Service B: stores messages in MySQL, serves them newest-first through a Redis cache. */
export function createResponderApp(deps: ResponderDeps): { app: Express; store: MessageStore; probe: DbProbe } {
  const { config, logger, redis, pool } = deps;
  const store = new MessageStore({
    pool,
    redis,
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    cacheTtlSec: config.DATA_CACHE_TTL_SEC,
  });
  const probe = new DbProbe({ pool, acquireTimeoutMs: config.MYSQL_ACQUIRE_TIMEOUT_MS });
  const app = createBaseApp({
    config,
    logger,
    failureModes: deps.failureModes,
    lifecycle: deps.lifecycle,
    readiness: {
      mysql: () => pool.query("SELECT 1"),
      redis: () => redis.ping(),
    },
    routes: (a) => {
      a.use(dataRoutes(store));
      a.use(dbRoutes(probe));
    },
  });
  return { app, store, probe };
}
