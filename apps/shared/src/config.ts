import { z } from "zod";

/** Raised when the environment does not satisfy an app's schema; the process should exit. */
export class AppConfigError extends Error {
  override name = "AppConfigError";
}

/** Parses env vars with `schema` once; the error names each bad variable, its value and what is allowed. */
export function parseAppConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env, { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "(env)";
    const secret = /PASSWORD|TOKEN|SECRET/.test(field);
    // Show the variable as it was set, not as coerced (e.g. "eighty", not NaN).
    const raw = issue.path.length === 1 ? env[String(issue.path[0])] : issue.input;
    const got = raw === undefined ? "nothing" : secret ? "(redacted)" : JSON.stringify(raw);
    return `${field}: got ${got}; ${issue.message}`;
  });
  throw new AppConfigError(`Invalid configuration:\n  - ${lines.join("\n  - ")}`);
}

/** Env-var building blocks shared by both apps. */
export const envInt = (min: number, max: number, fallback: number) => {
  const allowed = `expected an integer from ${min} to ${max}`;
  return z.coerce.number({ error: allowed }).int(allowed).min(min, allowed).max(max, allowed).default(fallback);
};

export const FAILURE_MODES = ["none", "return_500", "slow", "connection_leak", "cpu_burn"] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** Settings every service has: listener, timeouts, logging, failure-mode source. */
export const baseConfigShape = {
  SERVICE_NAME: z.string().min(1).default("service"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: envInt(0, 65535, 8080),
  LOG_LEVEL: z.enum(["error", "warn", "info", "debug"]).default("info"),
  /** Above the ALB idle timeout (60 s) so the ALB, not the app, closes idle connections. */
  KEEP_ALIVE_TIMEOUT_MS: envInt(1000, 600_000, 65_000),
  HEADERS_TIMEOUT_MS: envInt(1000, 600_000, 66_000),
  BODY_LIMIT_BYTES: envInt(256, 10_485_760, 16_384),
  /** Must end before the ECS stopTimeout (30 s default, 120 s max). */
  SHUTDOWN_TIMEOUT_MS: envInt(100, 120_000, 25_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().default(""),
  /** ElastiCache AUTH token; on ECS it comes from the task definition's `secrets`, never plain environment. */
  REDIS_AUTH_TOKEN: z.string().min(16).max(128).optional(),
  REDIS_COMMAND_TIMEOUT_MS: envInt(10, 60_000, 500),
  /** SSM parameter holding the failure mode, e.g. /fargate-connect/dev/failure_mode. */
  FAILURE_MODE_PARAMETER: z
    .string()
    .regex(/^\/[\w./-]+$/, "expected an SSM parameter path")
    .optional(),
  /** Local override; wins over SSM. */
  FAILURE_MODE: z.enum(FAILURE_MODES).optional(),
  FAILURE_MODE_TTL_MS: envInt(0, 600_000, 5_000),
  /** Deadline for one SSM read of the failure mode; requests never wait for it. */
  SSM_TIMEOUT_MS: envInt(50, 30_000, 1_000),
  SLOW_MODE_DELAY_MS: envInt(0, 60_000, 2_000),
  CPU_BURN_MODE_MS: envInt(0, 10_000, 200),
  WORK_MAX_MS: envInt(1, 60_000, 5_000),
  /** /work requests spinning at once, each on a worker thread. */
  WORK_MAX_CONCURRENT: envInt(1, 64, 2),
  /** /work requests waiting for a thread; more answer 429. */
  WORK_MAX_QUEUED: envInt(0, 10_000, 32),
};

/** Checks between base settings, run as part of parsing, so nothing connects with a bad config. */
export function checkBaseConfig(
  config: { HEADERS_TIMEOUT_MS: number; KEEP_ALIVE_TIMEOUT_MS: number },
  ctx: z.RefinementCtx,
): void {
  if (config.HEADERS_TIMEOUT_MS <= config.KEEP_ALIVE_TIMEOUT_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["HEADERS_TIMEOUT_MS"],
      message: `must be above KEEP_ALIVE_TIMEOUT_MS (${config.KEEP_ALIVE_TIMEOUT_MS})`,
    });
  }
}

/** What every service's parsed config contains. */
export type BaseConfig = z.output<z.ZodObject<typeof baseConfigShape>>;
