import { z } from "zod";
import { baseConfigShape, envInt, parseAppConfig } from "../../shared/src/config";

const schema = z.object({
  ...baseConfigShape,
  SERVICE_NAME: z.string().min(1).default("caller"),
  PORT: envInt(0, 65535, 8080),
  /** Service Connect alias on ECS (http://responder:8080); loopback locally. */
  RESPONDER_URL: z
    .url({ protocol: /^http$/, error: "expected an http:// URL (Service Connect handles TLS)" })
    .default("http://127.0.0.1:8081"),
  /** Whole fan-out budget for the responder, retries included. */
  RESPONDER_DEADLINE_MS: envInt(10, 60_000, 1_000),
  RESPONDER_ATTEMPT_TIMEOUT_MS: envInt(10, 60_000, 400),
  RESPONDER_RETRIES: envInt(0, 5, 2),
  BREAKER_FAILURE_THRESHOLD: envInt(1, 1_000, 5),
  BREAKER_RESET_MS: envInt(10, 600_000, 5_000),
  CACHE_MAX_TTL_SEC: envInt(1, 31_536_000, 86_400),
  LIST_KEYS_MAX: envInt(1, 1_000, 100),
});

export type CallerConfig = z.output<typeof schema>;

export function loadCallerConfig(env: NodeJS.ProcessEnv): CallerConfig {
  return parseAppConfig(schema, env);
}
