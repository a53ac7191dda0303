import { z } from "zod";
import { AppConfigError, baseConfigShape, checkBaseConfig, envInt, parseAppConfig } from "../../shared/src/config";
import { DATABASE_ENV } from "../../shared/src/env-contract";

const schema = z
  .object({
    ...baseConfigShape,
    SERVICE_NAME: z.string().min(1).default("responder"),
    PORT: envInt(0, 65535, 8081),
    ...DATABASE_ENV,
    MYSQL_POOL_SIZE: envInt(1, 200, 10),
    MYSQL_QUEUE_LIMIT: envInt(0, 10_000, 100),
    MYSQL_CONNECT_TIMEOUT_MS: envInt(100, 60_000, 2_000),
    /** Deadline for a free pooled connection (a new one's connect included). */
    MYSQL_ACQUIRE_TIMEOUT_MS: envInt(10, 60_000, 1_000),
    /** Deadline for one statement; an overrun destroys its connection. */
    MYSQL_QUERY_TIMEOUT_MS: envInt(10, 60_000, 1_000),
    DATA_CACHE_TTL_SEC: envInt(1, 86_400, 30),
  })
  .superRefine(checkBaseConfig);

/** On ECS these must be set: falling back to a local 127.0.0.1/root database there is never right. */
const REQUIRED_ON_ECS = ["MYSQL_HOST", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE"] as const;

export type ResponderConfig = z.output<typeof schema>;

export function loadResponderConfig(env: NodeJS.ProcessEnv): ResponderConfig {
  if (env.ECS_CONTAINER_METADATA_URI_V4) {
    const missing = REQUIRED_ON_ECS.filter((name) => env[name] === undefined);
    if (missing.length) {
      throw new AppConfigError(
        `Invalid configuration:\n  - ${missing.join(", ")}: got nothing; required on ECS (ECS_CONTAINER_METADATA_URI_V4 is set)`,
      );
    }
  }
  return parseAppConfig(schema, env);
}
