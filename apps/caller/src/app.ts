import type { Express } from "express";
import type { AuthWatch } from "../../shared/src/auth-watch";
import type { CpuWorkPool } from "../../shared/src/cpu-work";
import type { FailureModeSource } from "../../shared/src/failure-mode";
import { createBaseApp } from "../../shared/src/http-app";
import type { ServiceClient } from "../../shared/src/http-client";
import type { Logger } from "../../shared/src/logger";
import type { RedisClient, RedisGuard } from "../../shared/src/redis";
import type { Lifecycle } from "../../shared/src/server";
import type { CallerConfig } from "./config";
import { cacheRoutes } from "./routes/cache";
import { dataRoutes } from "./routes/data";
import { CacheDemo } from "./services/cache-demo";
import { CallerData } from "./services/caller-data";

export interface CallerDeps {
  readonly config: CallerConfig;
  readonly logger: Logger;
  readonly redis: RedisClient;
  readonly redisGuard: RedisGuard;
  /** Whether Redis accepts REDIS_AUTH_TOKEN (liveness). */
  readonly redisAuth: AuthWatch;
  readonly responder: ServiceClient;
  readonly failureModes: FailureModeSource;
  readonly lifecycle: Lifecycle;
  readonly cpuWork: CpuWorkPool;
}

/** Service A: public behind the ALB; its own data in Redis, the responder's through Service Connect. */
export function createCallerApp(deps: CallerDeps): Express {
  const { config, logger, redisGuard } = deps;
  const own = new CallerData(redisGuard, config.REDIS_KEY_PREFIX);
  const cache = new CacheDemo(redisGuard, config.REDIS_KEY_PREFIX);
  return createBaseApp({
    config,
    logger,
    failureModes: deps.failureModes,
    lifecycle: deps.lifecycle,
    cpuWork: deps.cpuWork,
    // Readiness covers the caller's own store only: a down responder degrades GET /, it does not
    // make the caller unready (that would take the whole public service out of the ALB).
    readiness: { redis: () => redisGuard.call("ping", (c) => c.ping()) },
    // The caller's own data lives in Redis: refused credentials only a new task can fix.
    liveness: () => deps.redisAuth.liveness(),
    routes: (a, jsonBody) => {
      dataRoutes(a, jsonBody, own, deps.responder);
      // Anyone on the internet could write keys and list them: only where the environment opts in.
      if (config.DEMO_ROUTES_ENABLED) {
        cacheRoutes(a, jsonBody, cache, {
          maxTtlSec: config.CACHE_MAX_TTL_SEC,
          defaultTtlSec: config.CACHE_DEFAULT_TTL_SEC,
          valueMaxBytes: config.CACHE_VALUE_MAX_BYTES,
          listMax: config.LIST_KEYS_MAX,
        });
      }
    },
  });
}
