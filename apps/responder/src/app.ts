import type { Express } from "express";
import { combineLiveness, type AuthWatch } from "../../shared/src/auth-watch";
import type { CpuWorkPool } from "../../shared/src/cpu-work";
import type { FailureModeSource } from "../../shared/src/failure-mode";
import { createBaseApp } from "../../shared/src/http-app";
import type { Logger } from "../../shared/src/logger";
import type { Database } from "../../shared/src/mysql";
import type { RedisClient, RedisGuard } from "../../shared/src/redis";
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
  readonly redisGuard: RedisGuard;
  readonly db: Database;
  /** Whether Redis accepts REDIS_AUTH_TOKEN, and MySQL the MySQL credentials (liveness). */
  readonly redisAuth: AuthWatch;
  readonly mysqlAuth: AuthWatch;
  readonly failureModes: FailureModeSource;
  readonly lifecycle: Lifecycle;
  readonly cpuWork: CpuWorkPool;
}

/** Service B: stores messages in MySQL, serves them newest-first through a Redis cache. */
export function createResponderApp(deps: ResponderDeps): { app: Express; store: MessageStore; probe: DbProbe } {
  const { config, logger, redisGuard, db } = deps;
  const store = new MessageStore({
    db,
    redis: redisGuard,
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    cacheTtlSec: config.DATA_CACHE_TTL_SEC,
  });
  const probe = new DbProbe({ db, logger });
  // Leaving connection_leak gives the pool back, so the lab's fault ends when the mode does.
  deps.failureModes.onChange((_mode, previous) => {
    if (previous === "connection_leak") probe.releaseLeaked();
  });
  const app = createBaseApp({
    config,
    logger,
    failureModes: deps.failureModes,
    lifecycle: deps.lifecycle,
    cpuWork: deps.cpuWork,
    liveness: combineLiveness(
      () => deps.redisAuth.liveness(),
      () => deps.mysqlAuth.liveness(),
    ),
    readiness: {
      mysql: () => db.query("SELECT 1"),
      redis: () => redisGuard.call("ping", (c) => c.ping()),
    },
    routes: (a, jsonBody) => {
      dataRoutes(a, jsonBody, store);
      if (config.DEMO_ROUTES_ENABLED) dbRoutes(a, probe);
    },
  });
  return { app, store, probe };
}
