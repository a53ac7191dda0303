import { z } from "zod";
import { parseInteger } from "./integer";

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

/** Env-var building blocks shared by both apps. Integers read as query parameters do (parseInteger). */
export const envInt = (min: number, max: number, fallback: number) =>
  optionalEnvInt(min, max).transform((n) => n ?? fallback);

/** An integer env var whose absence the app resolves itself (e.g. from another setting). */
export const optionalEnvInt = (min: number, max: number) => {
  const allowed = `expected an integer from ${min} to ${max}`;
  return z
    .string({ error: allowed })
    .optional()
    .transform((raw, ctx): number | undefined => {
      if (raw === undefined) return undefined;
      const n = parseInteger(raw);
      if (n !== undefined && n >= min && n <= max) return n;
      ctx.addIssue({ code: "custom", message: allowed });
      return z.NEVER;
    });
};

/** "true" or "false", nothing else (no "1", "yes", "TRUE"). */
export const envBool = (fallback: boolean) =>
  z
    .enum(["true", "false"], { error: 'expected "true" or "false"' })
    .optional()
    .transform((raw) => (raw === undefined ? fallback : raw === "true"));

/** A ratio from 0 to 1 as a plain decimal ("0.05", "1"). */
export const envRatio = (fallback: number) =>
  z
    .string()
    .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, "expected a decimal from 0 to 1, e.g. 0.05")
    .optional()
    .transform((raw) => (raw === undefined ? fallback : Number(raw)));

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
  /**
   * After SIGTERM, how long the listener stays open (answers with `Connection: close`, /readyz 503)
   * before it closes, for a load balancer or proxy still routing new requests here; part of
   * SHUTDOWN_TIMEOUT_MS. Unset: 2 s, but never above a quarter of SHUTDOWN_TIMEOUT_MS.
   */
  SHUTDOWN_DELAY_MS: optionalEnvInt(0, 60_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().default(""),
  /** ElastiCache AUTH token; on ECS it comes from the task definition's `secrets`, never plain environment. */
  REDIS_AUTH_TOKEN: z.string().min(16).max(128).optional(),
  REDIS_COMMAND_TIMEOUT_MS: envInt(10, 60_000, 500),
  /**
   * How long every authentication attempt to a data store (Redis WRONGPASS/NOAUTH, MySQL access
   * denied) must have failed, with no success in between, before /healthz answers 503 so ECS
   * replaces the task (secrets reach a task only when it starts).
   */
  LIVENESS_AUTH_FAILURE_MS: envInt(1_000, 600_000, 10_000),
  /** Serves the demo routes (/work, the cache demo, /db); off, they answer 404. */
  DEMO_ROUTES_ENABLED: envBool(false),
  /** Fixed-ratio trace sampling: locally, and when X-Ray sampling rules cannot be had. */
  TRACES_SAMPLE_RATIO: envRatio(0.05),
  /** The collector's awsproxy (e.g. http://127.0.0.1:2000): X-Ray remote sampling rules come from it. */
  XRAY_SAMPLING_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "expected an http:// URL (the collector's awsproxy)" })
    .optional(),
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
  config: {
    HEADERS_TIMEOUT_MS: number;
    KEEP_ALIVE_TIMEOUT_MS: number;
    SHUTDOWN_TIMEOUT_MS: number;
    SHUTDOWN_DELAY_MS?: number;
  },
  ctx: z.RefinementCtx,
): void {
  if (config.HEADERS_TIMEOUT_MS <= config.KEEP_ALIVE_TIMEOUT_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["HEADERS_TIMEOUT_MS"],
      message: `must be above KEEP_ALIVE_TIMEOUT_MS (${config.KEEP_ALIVE_TIMEOUT_MS})`,
    });
  }
  if (config.SHUTDOWN_DELAY_MS !== undefined && config.SHUTDOWN_DELAY_MS > config.SHUTDOWN_TIMEOUT_MS / 2) {
    ctx.addIssue({
      code: "custom",
      path: ["SHUTDOWN_DELAY_MS"],
      message: `must be at most half of SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS}), so draining has time left`,
    });
  }
}

/** The listener's stay-open time after SIGTERM: SHUTDOWN_DELAY_MS, or its default when unset. */
export function shutdownDelayMs(config: Pick<BaseConfig, "SHUTDOWN_DELAY_MS" | "SHUTDOWN_TIMEOUT_MS">): number {
  return config.SHUTDOWN_DELAY_MS ?? Math.min(2_000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 4));
}

/** What every service's parsed config contains. */
export type BaseConfig = z.output<z.ZodObject<typeof baseConfigShape>>;
