import { z } from "zod";
import { baseConfigShape, checkBaseConfig, envInt, parseAppConfig } from "../../shared/src/config";
import { serviceUrlSchema, UPSTREAM_ENV } from "../../shared/src/env-contract";

const schema = z
  .object({
    ...baseConfigShape,
    SERVICE_NAME: z.string().min(1).default("caller"),
    PORT: envInt(0, 65535, 8080),
    /** Service Connect alias on ECS (http://responder:8080); loopback locally. */
    RESPONDER_URL: serviceUrlSchema.default("http://127.0.0.1:8081"),
    /** Whole fan-out budget for the responder, retries included. */
    RESPONDER_DEADLINE_MS: envInt(10, 60_000, 1_000),
    RESPONDER_ATTEMPT_TIMEOUT_MS: envInt(10, 60_000, 400),
    RESPONDER_RETRIES: envInt(0, 5, 2),
    /**
     * Largest dependency answer the caller reads, in bytes; a longer one is cut off and counts as
     * `bad_body` (the page degrades, the breaker counts it).
     */
    ...UPSTREAM_ENV,
    BREAKER_FAILURE_THRESHOLD: envInt(1, 1_000, 5),
    BREAKER_RESET_MS: envInt(10, 600_000, 5_000),
    CACHE_MAX_TTL_SEC: envInt(1, 31_536_000, 86_400),
    /** TTL of a set-cache entry sent without `ttl` (capped by CACHE_MAX_TTL_SEC). */
    CACHE_DEFAULT_TTL_SEC: envInt(1, 31_536_000, 3_600),
    /** Largest set-cache value, in UTF-8 bytes. */
    CACHE_VALUE_MAX_BYTES: envInt(1, 1_048_576, 4_096),
    LIST_KEYS_MAX: envInt(1, 1_000, 100),
  })
  .superRefine((config, ctx) => {
    checkBaseConfig(config, ctx);
    if (config.CACHE_DEFAULT_TTL_SEC > config.CACHE_MAX_TTL_SEC) {
      ctx.addIssue({
        code: "custom",
        path: ["CACHE_DEFAULT_TTL_SEC"],
        message: `must be at most CACHE_MAX_TTL_SEC (${config.CACHE_MAX_TTL_SEC})`,
      });
    }
  });

export type CallerConfig = z.output<typeof schema>;

export function loadCallerConfig(env: NodeJS.ProcessEnv): CallerConfig {
  return parseAppConfig(schema, env);
}
