import { SSMClient } from "@aws-sdk/client-ssm";
import type { FailureMode } from "./config";
import { FailureModeSource } from "./failure-mode";
import type { Logger } from "./logger";

interface FailureModeConfig {
  readonly FAILURE_MODE_PARAMETER?: string;
  readonly FAILURE_MODE?: FailureMode;
  readonly FAILURE_MODE_TTL_MS: number;
}

/** The failure-mode source an app's config asks for; an SSM client only when a parameter is set. */
export function failureModesFromConfig(config: FailureModeConfig, logger: Logger, ssm?: SSMClient): FailureModeSource {
  const parameterName = config.FAILURE_MODE_PARAMETER;
  return new FailureModeSource({
    logger,
    parameterName,
    // One SDK retry at most: the cache already keeps the last value when SSM is slow or throttled.
    ssm: parameterName ? (ssm ?? new SSMClient({ maxAttempts: 2 })) : undefined,
    override: config.FAILURE_MODE,
    ttlMs: config.FAILURE_MODE_TTL_MS,
  });
}
