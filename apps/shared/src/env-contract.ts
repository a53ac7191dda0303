import { z } from "zod";
import { parseInteger } from "./integer";
import { OTEL_ENDPOINT_ENV, OTEL_SERVICE_NAME_ENV, OTLP_HTTP_PORT, OTLP_SIDECAR_ENDPOINT } from "./tracing-settings";

/**
 * The environment variables the infrastructure writes into a service's container and the apps read:
 * one schema per variable, shared by apps/shared/src/config.ts (which parses them at start) and the
 * services stack (which writes them through `serviceEnvironment`), as fluent-bit/contract.ts is for
 * the log router. A value the apps would refuse fails at synth, naming the variable. No cdktn or
 * OpenTelemetry import here: the apps' bundles include this file.
 */

/** An integer env var with a range and a default, read as query parameters are (parseInteger). */
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

const envBoolean = (fallback: boolean) =>
  z
    .enum(["true", "false"], { error: 'expected "true" or "false"' })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true");

const envRatio = (fallback: number) => {
  const allowed = "expected a number from 0 to 1";
  return z.coerce.number({ error: allowed }).min(0, allowed).max(1, allowed).default(fallback);
};

/** Break/fix lab modes; "none" serves normally. */
export const FAILURE_MODES = ["none", "return_500", "slow", "connection_leak", "cpu_burn"] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** What every service reads: listener, timeouts, logging, failure-mode source, demo routes. */
export const BASE_ENV = {
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
  /**
   * How long every authentication attempt to a data store (Redis WRONGPASS/NOAUTH, MySQL access
   * denied) must have failed, with no success in between, before /healthz answers 503 so ECS
   * replaces the task (secrets reach a task only when it starts).
   */
  LIVENESS_AUTH_FAILURE_MS: envInt(1_000, 600_000, 10_000),
  /** SSM parameter holding the failure mode, e.g. /fc-dev/caller/failure-mode. */
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
  /** The example apps' demo routes (CPU burn, cache writes, key listing); off, they answer 404. */
  DEMO_ROUTES_ENABLED: envBoolean(false),
};

/** A service that uses the cache (config `cache: true`): ElastiCache over TLS with AUTH on ECS. */
export const CACHE_ENV = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  /** Every key the service writes starts with this (`<service>:` on ECS), so services never collide. */
  REDIS_KEY_PREFIX: z.string().default(""),
  /** ElastiCache AUTH token; on ECS it comes from the task definition's `secrets`, never plain environment. */
  REDIS_AUTH_TOKEN: z.string().min(16).max(128).optional(),
  REDIS_COMMAND_TIMEOUT_MS: envInt(10, 60_000, 500),
};

/** A service that uses the database (config `database: true`): Aurora MySQL over TLS. */
export const DATABASE_ENV = {
  MYSQL_HOST: z.string().min(1).default("127.0.0.1"),
  MYSQL_PORT: envInt(1, 65535, 3306),
  /** On ECS from the task definition's `secrets` (the RDS-managed secret's username). */
  MYSQL_USER: z.string().min(1).default("root"),
  /** On ECS from the task definition's `secrets`, never plain environment. */
  MYSQL_PASSWORD: z.string().default(""),
  MYSQL_DATABASE: z
    .string()
    .regex(/^\w{1,64}$/, "expected a MySQL database name")
    .default("test"),
  MYSQL_SSL: envBoolean(false),
};

/** Port of the collector's AWS proxy (the awsproxy extension's default, and the X-Ray SDKs'). */
export const XRAY_PROXY_PORT = 2000;
/** Where an app in a task reaches X-Ray sampling: the collector sidecar's awsproxy on loopback. */
export const XRAY_SAMPLING_SIDECAR_ENDPOINT = `http://127.0.0.1:${XRAY_PROXY_PORT}`;

/** A service with tracing on: the ADOT collector sidecar and X-Ray's sampling rules. */
export const TRACING_ENV = {
  /** The collector's OTLP/HTTP base URL; unset, tracing is off and the SDK never loads. */
  [OTEL_ENDPOINT_ENV]: z.url({ protocol: /^https?$/, error: "expected an http(s):// URL" }).optional(),
  /** The service name X-Ray shows and sampling rules match (falls back to SERVICE_NAME). */
  [OTEL_SERVICE_NAME_ENV]: z.string().min(1).max(64).optional(),
  /** Share of requests traced when X-Ray's rules cannot be read (and locally). */
  TRACES_SAMPLE_RATIO: envRatio(0.05),
  /** X-Ray sampling rules and targets through the collector's awsproxy; unset: the fixed ratio only. */
  XRAY_SAMPLING_ENDPOINT: z.url({ protocol: /^http$/, error: "expected an http:// URL" }).optional(),
};

/** A service that calls others (config `connectsTo`): the most it reads of one answer. */
export const UPSTREAM_ENV = {
  UPSTREAM_MAX_BODY_BYTES: envInt(1024, 16_777_216, 1_048_576),
};

/** What the caller of a service uses to reach it: Service Connect's http:// alias on ECS, loopback locally. */
export const serviceUrlSchema = z.url({
  protocol: /^http$/,
  error: "expected an http:// URL (Service Connect handles TLS)",
});

/** `<TARGET>_URL`: the variable carrying the URL of service `target` (config `connectsTo`). */
export function serviceUrlEnvName(target: string): string {
  return `${target.toUpperCase().replace(/-/g, "_")}_URL`;
}

/** Variables the task definition injects from Secrets Manager; never plain `environment`. */
export const SECRET_ENV_NAMES = ["REDIS_AUTH_TOKEN", "MYSQL_USER", "MYSQL_PASSWORD"] as const;
export type SecretEnvName = (typeof SECRET_ENV_NAMES)[number];

const CONTRACT = { ...BASE_ENV, ...CACHE_ENV, ...DATABASE_ENV, ...TRACING_ENV, ...UPSTREAM_ENV };
export type ContractEnvName = keyof typeof CONTRACT;
/** Every variable of the contract (the `<TARGET>_URL` ones are per service). */
export const CONTRACT_ENV_NAMES: readonly string[] = Object.keys(CONTRACT).sort();

/** Sidecar ports inside a task: an app listening on one would collide with its own sidecar. */
export const SIDECAR_PORTS: Readonly<Record<number, string>> = {
  [XRAY_PROXY_PORT]: "the ADOT collector's AWS proxy (X-Ray sampling)",
  [OTLP_HTTP_PORT]: "the ADOT collector's OTLP/HTTP receiver",
  24224: "the FireLens log router's forward input",
};

/** Seconds between the end of the app's drain and ECS's SIGKILL, for flushing logs and exiting. */
export const SIGKILL_MARGIN_SEC = 5;

/** SHUTDOWN_TIMEOUT_MS for an ECS stop timeout: the drain ends SIGKILL_MARGIN_SEC before SIGKILL. */
export function shutdownTimeoutMs(stopTimeoutSec: number): number {
  return (stopTimeoutSec - SIGKILL_MARGIN_SEC) * 1000;
}

/** The smallest ECS stop timeout whose SHUTDOWN_TIMEOUT_MS the apps accept. */
export const MIN_STOP_TIMEOUT_SEC: number = (() => {
  for (let s = 1; s <= 120; s++)
    if (BASE_ENV.SHUTDOWN_TIMEOUT_MS.safeParse(String(shutdownTimeoutMs(s))).success) return s;
  throw new Error("no ECS stop timeout satisfies SHUTDOWN_TIMEOUT_MS");
})();

/** What the infrastructure knows about one service; `serviceEnvironment` turns it into variables. */
export interface ServiceEnvSettings {
  /** The service's name (logs, Service Connect). */
  readonly serviceName: string;
  readonly port: number;
  /** ECS stopTimeout of the app container; the drain budget follows from it. */
  readonly stopTimeoutSec: number;
  readonly failureModeParameter: string;
  readonly demoRoutes: boolean;
  /** @default "info" */
  readonly logLevel?: "error" | "warn" | "info" | "debug";
  /** Service name → URL, one `<TARGET>_URL` each. @default - none */
  readonly connectsTo?: Readonly<Record<string, string>>;
  /** @default - no cache variables */
  readonly cache?: { readonly url: string; readonly keyPrefix: string };
  /** @default - no database variables */
  readonly database?: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly ssl: boolean;
  };
  /** Further plain variables of this service (config `environment`); never a contract variable. @default - none */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Raised when a value the infrastructure would write is one the apps refuse. */
export class EnvContractError extends Error {
  override name = "EnvContractError";
}

/** A value known only at deploy time (a Terraform reference or a CDK token) is checked by the app, not here. */
function isDeployTime(value: string): boolean {
  return value.includes("${");
}

function check(name: string, schema: z.ZodType, value: string): void {
  if (isDeployTime(value)) return;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new EnvContractError(
      `${name}: got ${JSON.stringify(value)}; ${result.error.issues.map((i) => i.message).join("; ")}`,
    );
  }
}

/**
 * The plain environment of a service's app container, checked against the schemas above. Secrets
 * (SECRET_ENV_NAMES) are not here: the task definition injects them.
 */
export function serviceEnvironment(s: ServiceEnvSettings): Record<string, string> {
  const env: Record<string, string> = {
    SERVICE_NAME: s.serviceName,
    PORT: String(s.port),
    LOG_LEVEL: s.logLevel ?? "info",
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs(s.stopTimeoutSec)),
    FAILURE_MODE_PARAMETER: s.failureModeParameter,
    DEMO_ROUTES_ENABLED: String(s.demoRoutes),
  };
  for (const [target, url] of Object.entries(s.connectsTo ?? {})) env[serviceUrlEnvName(target)] = url;
  if (s.cache) Object.assign(env, { REDIS_URL: s.cache.url, REDIS_KEY_PREFIX: s.cache.keyPrefix });
  if (s.database) {
    Object.assign(env, {
      MYSQL_HOST: s.database.host,
      MYSQL_PORT: String(s.database.port),
      MYSQL_DATABASE: s.database.database,
      MYSQL_SSL: String(s.database.ssl),
    });
  }
  for (const [name, value] of Object.entries(s.extra ?? {})) {
    if (Object.hasOwn(CONTRACT, name) || name in env) {
      throw new EnvContractError(
        `${name}: set by the platform from the service's settings; remove it from environment`,
      );
    }
    env[name] = value;
  }
  checkAll(env, s.connectsTo ?? {});
  return env;
}

/**
 * What a service with the ADOT collector sidecar reads: where to send spans, its name in X-Ray, the
 * fallback ratio and the collector's awsproxy for X-Ray's sampling rules.
 */
export function tracingEnvironment(t: {
  readonly serviceName: string;
  readonly sampleRatio: number;
}): Record<string, string> {
  const env = {
    [OTEL_ENDPOINT_ENV]: OTLP_SIDECAR_ENDPOINT,
    [OTEL_SERVICE_NAME_ENV]: t.serviceName,
    TRACES_SAMPLE_RATIO: String(t.sampleRatio),
    XRAY_SAMPLING_ENDPOINT: XRAY_SAMPLING_SIDECAR_ENDPOINT,
  };
  checkAll(env, {});
  return env;
}

function checkAll(env: Readonly<Record<string, string>>, connectsTo: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(env)) {
    if ((SECRET_ENV_NAMES as readonly string[]).includes(name)) {
      throw new EnvContractError(`${name}: a secret; it goes in the task definition's secrets, never environment`);
    }
    const schema = Object.hasOwn(CONTRACT, name)
      ? CONTRACT[name as ContractEnvName]
      : Object.keys(connectsTo).some((target) => serviceUrlEnvName(target) === name)
        ? serviceUrlSchema
        : undefined;
    if (schema) check(name, schema, value);
  }
}
