import { z } from "zod";
import { BASE_ENV, CACHE_ENV, TRACING_ENV } from "./env-contract";

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

export { envInt, FAILURE_MODES, optionalEnvInt, type FailureMode } from "./env-contract";

/** Settings every service has (apps/shared/src/env-contract.ts): listener, timeouts, logging, cache, failure mode, sampling. */
export const baseConfigShape = {
  ...BASE_ENV,
  ...CACHE_ENV,
  // Read by the tracing bootstrap, which samples with them before the SDK starts.
  TRACES_SAMPLE_RATIO: TRACING_ENV.TRACES_SAMPLE_RATIO,
  XRAY_SAMPLING_ENDPOINT: TRACING_ENV.XRAY_SAMPLING_ENDPOINT,
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
