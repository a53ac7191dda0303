import { SSMClient } from "@aws-sdk/client-ssm";
import { AuthWatch, isRedisAuthError } from "./auth-watch";
import type { BaseConfig } from "./config";
import { CpuWorkPool } from "./cpu-work";
import { FailureModeSource } from "./failure-mode";
import { createLogger, type Logger } from "./logger";
import { connectInBackground, createRedis, RedisGuard, type RedisClient } from "./redis";
import { Lifecycle, type StartOptions } from "./server";

/** What every service builds the same way from its config. */
export interface ServiceBasics {
  readonly logger: Logger;
  readonly redis: RedisClient;
  /** Every Redis call goes through it (deadline, fail fast while down). */
  readonly redisGuard: RedisGuard;
  /** Whether Redis accepts REDIS_AUTH_TOKEN (liveness). */
  readonly redisAuth: AuthWatch;
  readonly lifecycle: Lifecycle;
  readonly failureModes: FailureModeSource;
  readonly cpuWork: CpuWorkPool;
}

/** Logger, a background-connecting Redis client, the lifecycle flag, the failure-mode source, /work's pool. */
export function createServiceBasics(config: BaseConfig, opts: StartOptions): ServiceBasics {
  const logger = opts.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  const redis = createRedis({ url: config.REDIS_URL, authToken: config.REDIS_AUTH_TOKEN, logger });
  // Every reconnect authenticates again, so the client's own attempts keep the verdict current.
  const redisAuth = new AuthWatch({ store: "Redis", graceMs: config.LIVENESS_AUTH_FAILURE_MS, logger });
  redis.on("error", (error: Error) => {
    if (isRedisAuthError(error)) redisAuth.refused(error.message);
  });
  redis.on("ready", () => redisAuth.accepted());
  connectInBackground(redis, logger);
  const parameterName = config.FAILURE_MODE_PARAMETER;
  const failureModes = new FailureModeSource({
    logger,
    parameterName,
    // One SDK retry at most, and HTTP timeouts under the read's own deadline.
    ssm: parameterName
      ? (opts.ssm ??
        new SSMClient({
          maxAttempts: 2,
          requestHandler: { connectionTimeout: config.SSM_TIMEOUT_MS, requestTimeout: config.SSM_TIMEOUT_MS },
        }))
      : undefined,
    override: config.FAILURE_MODE,
    ttlMs: config.FAILURE_MODE_TTL_MS,
    timeoutMs: config.SSM_TIMEOUT_MS,
  });
  failureModes.start();
  return {
    logger,
    redis,
    redisGuard: new RedisGuard(redis, { timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, logger }),
    redisAuth,
    lifecycle: new Lifecycle(),
    failureModes,
    cpuWork: new CpuWorkPool({ maxConcurrent: config.WORK_MAX_CONCURRENT, maxQueued: config.WORK_MAX_QUEUED }),
  };
}
