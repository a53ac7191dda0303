import { SSMClient } from "@aws-sdk/client-ssm";
import type { BaseConfig } from "./config";
import { FailureModeSource } from "./failure-mode";
import { createLogger, type Logger } from "./logger";
import { connectInBackground, createRedis, type RedisClient } from "./redis";
import { Lifecycle, type StartOptions } from "./server";

/** What every service builds the same way from its config. */
export interface ServiceBasics {
  readonly logger: Logger;
  readonly redis: RedisClient;
  readonly lifecycle: Lifecycle;
  readonly failureModes: FailureModeSource;
}

/** Logger, a background-connecting Redis client, the lifecycle flag and the failure-mode source. */
export function createServiceBasics(config: BaseConfig, opts: StartOptions): ServiceBasics {
  const logger = opts.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  const redis = createRedis({ url: config.REDIS_URL, logger, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  connectInBackground(redis, logger);
  const parameterName = config.FAILURE_MODE_PARAMETER;
  const failureModes = new FailureModeSource({
    logger,
    parameterName,
    // One SDK retry at most: the cache already keeps the last value when SSM is slow or throttled.
    ssm: parameterName ? (opts.ssm ?? new SSMClient({ maxAttempts: 2 })) : undefined,
    override: config.FAILURE_MODE,
    ttlMs: config.FAILURE_MODE_TTL_MS,
  });
  return { logger, redis, lifecycle: new Lifecycle(), failureModes };
}
