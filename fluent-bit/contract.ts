import { Token } from "cdktn";

/**
 * What the log router image promises to the task definition that runs it: where its FireLens config
 * lives, which environment variables that config reads, and the naming conventions its Match patterns
 * rely on. The ECS service module builds the log-router container from this; the tests in
 * __tests__/fluent-bit/ check the config files against it.
 */

/** Where the Dockerfile copies fluent-bit/config/ in the image (FireLens owns /fluent-bit/etc). */
export const LOG_ROUTER_CONFIG_DIR = "/fluent-bit/fargate-connect";

/** The log-router container's name in every task definition. */
export const LOG_ROUTER_CONTAINER_NAME = "log-router";

/**
 * FireLens tags the stdout/stderr records of container `<name>` as `<name>-firelens-<task id>`.
 * Every filter and output of ours matches this pattern, so FireLens's own `firelens-healthcheck`
 * records never reach them.
 */
export const FIRELENS_APP_TAG_MATCH = "*-firelens-*";

/** The tag FireLens gives a container's stdout/stderr records, up to the task id. */
export function firelensTagPrefix(containerName: string): string {
  return `${containerName}-firelens-`;
}

/** Paths the router drops request lines for (successful ones only; failing probes log at warn/error). */
export const HEALTH_CHECK_PATHS = ["/healthz", "/readyz"] as const;

/** The seed's Logstash http input port. */
export const LOGSTASH_DEFAULT_PORT = 5049;

export interface LogRouterOptions {
  /** Drop the request lines of successful /healthz and /readyz probes. */
  readonly dropHealthChecks: boolean;
  /** Send a second copy to a Logstash http input. */
  readonly logstash: boolean;
}

/** Variables every pipeline reads. */
const BASE_ENVIRONMENT = ["APP_LOG_GROUP", "ECS_SERVICE_NAME", "FIREHOSE_DELIVERY_STREAM", "FIREHOSE_REGION"] as const;
/** Variables the Logstash output reads, and only it. */
const LOGSTASH_ENVIRONMENT = ["LOGSTASH_HOST", "LOGSTASH_PORT", "LOGSTASH_TLS"] as const;

export type LogRouterEnvironmentName = (typeof BASE_ENVIRONMENT)[number] | (typeof LOGSTASH_ENVIRONMENT)[number];

/** Every combination of options, for callers and tests that must cover all entry files. */
export const LOG_ROUTER_VARIANTS: readonly LogRouterOptions[] = [false, true].flatMap((logstash) =>
  [true, false].map((dropHealthChecks) => ({ dropHealthChecks, logstash })),
);

/** The entry file's name in fluent-bit/config/ (and in LOG_ROUTER_CONFIG_DIR). */
export function logRouterConfigFileName(opts: LogRouterOptions): string {
  return `firehose${opts.logstash ? "-logstash" : ""}${opts.dropHealthChecks ? "" : "-with-health-checks"}.conf`;
}

/**
 * The FireLens `config-file-value`. Fluent Bit's classic config has no conditionals and expands no
 * variables in `@INCLUDE`, so each combination of options is its own entry file in the image.
 */
export function logRouterConfigFile(opts: LogRouterOptions): string {
  return `${LOG_ROUTER_CONFIG_DIR}/${logRouterConfigFileName(opts)}`;
}

/** Exactly the variables the chosen entry file reads; the task definition sets these and no others. */
export function logRouterEnvironmentNames(opts: LogRouterOptions): readonly LogRouterEnvironmentName[] {
  return opts.logstash ? [...BASE_ENVIRONMENT, ...LOGSTASH_ENVIRONMENT] : [...BASE_ENVIRONMENT];
}

/** The log-router container's `firelensConfiguration` (Fargate accepts only `config-file-type: file`). */
export function firelensConfiguration(opts: LogRouterOptions): {
  readonly type: "fluentbit";
  readonly options: Readonly<Record<string, string>>;
} {
  return {
    type: "fluentbit",
    options: {
      "config-file-type": "file",
      "config-file-value": logRouterConfigFile(opts),
      // Adds ecs_cluster, ecs_task_arn and ecs_task_definition to every record (true is the default).
      "enable-ecs-log-metadata": "true",
    },
  };
}

/**
 * An app container's log configuration. No `Name` option: FireLens would turn it into a second
 * output of its own and every line would be delivered twice.
 */
export const APP_LOG_CONFIGURATION = { logDriver: "awsfirelens" } as const;

export interface LogstashSettings {
  readonly host: string;
  /** @default 5049 (the seed's Logstash http input) */
  readonly port?: number;
  /** @default false - plain HTTP inside the VPC */
  readonly tls?: boolean;
}

export interface LogRouterSettings {
  /** The ECS service's name, added to every record as `ecs_service`. */
  readonly ecsServiceName: string;
  readonly firehoseDeliveryStreamName: string;
  readonly firehoseRegion: string;
  /** The service's CloudWatch log group, which gets a copy of every app record (metric filters, Insights). */
  readonly appLogGroupName: string;
  /** @default true */
  readonly dropHealthChecks?: boolean;
  /** @default - no Logstash output */
  readonly logstash?: LogstashSettings;
}

/** The log-router container's FireLens file and environment, always chosen together. */
export function logRouterContainerSettings(settings: LogRouterSettings): {
  readonly configFile: string;
  readonly environment: readonly { readonly name: LogRouterEnvironmentName; readonly value: string }[];
} {
  const opts: LogRouterOptions = {
    dropHealthChecks: settings.dropHealthChecks ?? true,
    logstash: settings.logstash !== undefined,
  };
  const values: Partial<Record<LogRouterEnvironmentName, string>> = {
    ECS_SERVICE_NAME: settings.ecsServiceName,
    FIREHOSE_DELIVERY_STREAM: settings.firehoseDeliveryStreamName,
    FIREHOSE_REGION: settings.firehoseRegion,
    APP_LOG_GROUP: settings.appLogGroupName,
  };
  if (settings.logstash) {
    const { host, port = LOGSTASH_DEFAULT_PORT, tls = false } = settings.logstash;
    if (!Token.isUnresolved(host) && !/^[A-Za-z0-9.-]{1,253}$/.test(host)) {
      throw new Error(`logstash.host: "${host}" is not a host name or IPv4 address (letters, digits, "." and "-")`);
    }
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`logstash.port: ${port} is out of range; expected an integer from 1 to 65535`);
    }
    Object.assign(values, { LOGSTASH_HOST: host, LOGSTASH_PORT: String(port), LOGSTASH_TLS: tls ? "On" : "Off" });
  }
  for (const name of Object.keys(values) as LogRouterEnvironmentName[]) {
    if (values[name] === "") throw new Error(`${name}: must not be empty`);
  }
  return {
    configFile: logRouterConfigFile(opts),
    environment: logRouterEnvironmentNames(opts).map((name) => ({ name, value: values[name]! })),
  };
}

/**
 * Fluent Bit's own logs: the log-router container itself cannot use `awsfirelens`, so it needs an
 * `awslogs` logConfiguration (awslogs-group, awslogs-region, this stream prefix) to CloudWatch Logs.
 */
export const LOG_ROUTER_AWSLOGS_STREAM_PREFIX = "log-router";
