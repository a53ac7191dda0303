import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  CONTRACT_ENV_NAMES,
  MIN_STOP_TIMEOUT_SEC,
  SIDECAR_PORTS,
  serviceUrlEnvName,
  shutdownTimeoutMs,
} from "../apps/shared/src/env-contract";

/** Fargate task sizes: CPU units → allowed memory (MiB). */
const FARGATE_MEMORY_MIB: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Multiples of 0.1 (ECS canary/linear percentages are doubles in 0.1 steps). */
const tenths = (min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .refine((n) => Math.abs(n * 10 - Math.round(n * 10)) < 1e-9, { message: "expected a multiple of 0.1" });

/** ECS API DeploymentConfiguration/CanaryConfiguration/LinearConfiguration: bake times 0–1440 minutes. */
const bakeMinutes = z.int().min(0).max(1440);

export const DEPLOYMENT_STRATEGIES = ["BLUE_GREEN", "CANARY", "LINEAR"] as const;
export const LIFECYCLE_STAGES = [
  "RECONCILE_SERVICE",
  "PRE_SCALE_UP",
  "POST_SCALE_UP",
  "TEST_TRAFFIC_SHIFT",
  "POST_TEST_TRAFFIC_SHIFT",
  "PRODUCTION_TRAFFIC_SHIFT",
  "POST_PRODUCTION_TRAFFIC_SHIFT",
] as const;

const deployment = z
  .strictObject({
    /** ECS native blue/green: all at once (BLUE_GREEN), a canary slice first (CANARY), or in steps (LINEAR). */
    strategy: z.enum(DEPLOYMENT_STRATEGIES).default("BLUE_GREEN"),
    /** Minutes both revisions run after production traffic moved, before blue goes away. */
    bakeTimeMinutes: bakeMinutes.default(10),
    /** CANARY only: share of production traffic first (0.1–100, in 0.1 steps) and how long it bakes. */
    canary: z.strictObject({ percent: tenths(0.1, 100), bakeTimeMinutes: bakeMinutes }).optional(),
    /** LINEAR only: share per step (3–100, in 0.1 steps) and the wait between steps. */
    linear: z.strictObject({ stepPercent: tenths(3, 100), stepBakeTimeMinutes: bakeMinutes }).optional(),
    /** Lambda functions ECS invokes at deployment stages (e.g. smoke tests on TEST_TRAFFIC_SHIFT). */
    lifecycleHooks: z
      .array(
        z.strictObject({
          functionArn: z
            .string()
            .regex(/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/, "expected a Lambda function ARN"),
          stages: z.array(z.enum(LIFECYCLE_STAGES)).min(1),
        }),
      )
      .default([]),
  })
  .superRefine((d, ctx) => {
    const need = (key: "canary" | "linear", strategy: string) => {
      if (d.strategy === strategy && !d[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: d[key],
          message: `strategy ${strategy} needs ${key} settings`,
        });
      }
      if (d.strategy !== strategy && d[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: d[key],
          message: `${key} settings apply only to strategy ${strategy}`,
        });
      }
    };
    need("canary", "CANARY");
    need("linear", "LINEAR");
  })
  .prefault({});

const capacityProviderStrategy = z
  .strictObject({
    /** Tasks always placed on on-demand FARGATE before weights apply. */
    fargateBase: z.int().min(0).max(100000),
    fargateWeight: z.int().min(0).max(1000),
    fargateSpotWeight: z.int().min(0).max(1000),
  })
  .refine((s) => s.fargateWeight + s.fargateSpotWeight > 0, {
    message: "at least one of fargateWeight and fargateSpotWeight must be above 0",
    path: ["fargateWeight"],
  });
export { capacityProviderStrategy };

/** Docker image tags (the apps' and the log router's). */
export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected a Docker tag: 1–128 of A-Z a-z 0-9 _ . -");

/**
 * Service names end up in an ECR repository (`<prefix>/<name>`), a Cloud Map discovery name and DNS
 * label, Terraform addresses and variables (`-` becomes `_`), and `<NAME>_URL`: lowercase letters and
 * digits in words joined by single hyphens, starting with a letter. No `_`, so two names never map to
 * one address.
 */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Names the platform uses itself: the FireLens router's ECR repository. */
export const RESERVED_SERVICE_NAMES = ["log-router"] as const;
const serviceName = z
  .string()
  .max(32, "expected at most 32 characters")
  .regex(
    SERVICE_NAME_PATTERN,
    'expected lowercase letters and digits in words joined by single "-", starting with a letter (valid for ECR, Cloud Map, DNS and Terraform addresses), e.g. "orders-api"',
  )
  .refine((n) => !(RESERVED_SERVICE_NAMES as readonly string[]).includes(n), {
    message: `expected a name other than ${RESERVED_SERVICE_NAMES.join(", ")} (used by the platform)`,
  })
  .refine((n) => !CONTRACT_ENV_NAMES.includes(serviceUrlEnvName(n)), {
    message: "expected a name whose <NAME>_URL variable is not one the apps already read (e.g. redis → REDIS_URL)",
  });

/** The folder of an app the project builds: apps/<app>/src/server.ts (apps/Dockerfile, APP=<app>). */
const APPS_DIR = join(__dirname, "..", "apps");
const appFolder = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "expected a folder name under apps/ (lowercase letters, digits, -)")
  .refine((a) => a !== "shared" && existsSync(join(APPS_DIR, a, "src", "server.ts")), {
    message: "expected a folder under apps/ with src/server.ts (the apps this project builds)",
  });

/** An image repository the project does not build, without a tag: `registry/path/name`. */
const externalImage = z
  .string()
  .max(255)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\.[a-z0-9-]+)*\/[a-z0-9]+([._/-][a-z0-9]+)*$/,
    'expected an image repository without a tag, e.g. "public.ecr.aws/nginx/nginx" (imageTag holds the tag)',
  );

/** A DNS label (Service Connect client alias). */
const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "expected a DNS label: 1–63 of a-z 0-9 -, not starting or ending with -",
  );

/** Plain environment variables of the service; secrets and the platform's own variables are refused. */
const extraEnvironment = z
  .record(
    z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,127}$/, "expected an environment variable name: A-Z 0-9 _, starting with a letter")
      .refine((n) => !CONTRACT_ENV_NAMES.includes(n), {
        message: "the platform sets this variable from the service's settings (apps/shared/src/env-contract.ts)",
      })
      .refine((n) => !/PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY/.test(n), {
        message:
          "looks like a secret: secrets go through Secrets Manager and the task definition's secrets, never plain environment",
      }),
    z.string().max(4096),
  )
  .default({});

// --- sidecars (FireLens, ADOT collector) ---
/** A second copy of the logs to a Logstash http input (the seed's port 5049). */
const logstash = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "expected a host name or IPv4 address"),
  port: z.int().min(1).max(65535).default(5049),
  /** TLS to Logstash (certificate verified). */
  tls: z.boolean().default(false),
});

/** X-Ray sampling for a traced service: one aws_xray_sampling_rule, and the app's fallback ratio. */
const tracingSettings = z.strictObject({
  /** Requests per second traced before the rate applies (X-Ray ReservoirSize, shared by all tasks). */
  reservoirPerSecond: z.int().min(0).max(100_000).default(1),
  /** Share of further requests traced (X-Ray FixedRate), also the app's ratio when the rules cannot be read. */
  fixedRate: z.number().min(0).max(1).default(0.05),
});
/** `true` is `{}` (the defaults), `false` or omitted is no collector. */
const tracing = z.preprocess((v) => (v === true ? {} : v === false ? undefined : v), tracingSettings.optional());
// --- end sidecars ---

/** What both exposures share. */
const commonKeys = {
  /** Folder under apps/ this project builds into the service's image (apps/Dockerfile, APP=<app>). Set app or image. */
  app: appFolder.optional(),
  /** External image repository (no tag), for a service this project does not build. Set app or image. */
  image: externalImage.optional(),
  /** Image tag deployed unless a deploy overrides it (`--var <service>_image_tag=...`). */
  imageTag,
  /** The port the app listens on (PORT), its Service Connect port and target group port; unique per environment. */
  port: z.int().min(1).max(65535),
  /** Fargate CPU units. */
  cpu: z.union([256, 512, 1024, 2048, 4096, 8192, 16384].map((n) => z.literal(n))).default(256),
  /** Task memory; must be a size Fargate pairs with `cpu`. */
  memoryMiB: z.int().default(512),
  /** CPU architecture the image is built for (CI builds linux/amd64 or linux/arm64 to match). */
  cpuArchitecture: z.enum(["X86_64", "ARM64"]).default("X86_64"),
  /** Tasks at the first deploy; autoscaling owns the count afterwards (Terraform ignores it). */
  desiredCount: z.int().min(0).max(1000).default(1),
  minCount: z.int().min(0).max(1000).default(1),
  maxCount: z.int().min(1).max(1000).default(2),
  /** Placement for this service; omitted: the cluster's default strategy. */
  capacityProviderStrategy: capacityProviderStrategy.optional(),
  /** Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows up to 120); the app drains in all but 5 of them. */
  stopTimeoutSec: z.int().min(1).max(120).default(30),
  /** ECS Exec (a shell in running tasks); keep it off in prod. */
  enableExecuteCommand: z.boolean().default(false),
  /** `terraform apply` waits until the service is stable (a deployment finished or rolled back). */
  waitForSteadyState: z.boolean().default(false),
  /**
   * Services this one calls, by name. Each gives Service Connect client access, the security-group
   * rules both ways and the `<TARGET>_URL` variable (e.g. RESPONDER_URL=http://responder:8081).
   */
  connectsTo: z.array(serviceName).default([]),
  /** Name other services use to reach this one (http://<clientAlias>:<port>); omitted: the service's name. */
  clientAlias: dnsLabel.optional(),
  /** Uses the ElastiCache cache: joins its client group, gets REDIS_URL, REDIS_KEY_PREFIX and the AUTH token secret. */
  cache: z.boolean().default(false),
  /** Uses Aurora MySQL: joins its client group, gets MYSQL_* and the user/password secrets. */
  database: z.boolean().default(false),
  /** Further plain environment variables (not the platform's own, not secrets). */
  environment: extraEnvironment,
  deployment,
  /** firelens: Fluent Bit sidecar → Firehose → S3 (and Logstash); awslogs: straight to CloudWatch. */
  logging: z.enum(["firelens", "awslogs"]).default("firelens"),
  /** FireLens only: drop successful /healthz and /readyz request lines (default true). */
  dropHealthChecks: z.boolean().optional(),
  /** FireLens only: also send every record to a Logstash http input. */
  logstash: logstash.optional(),
  /** ADOT collector sidecar and an X-Ray sampling rule: `true`, `{ reservoirPerSecond, fixedRate }`, or off. */
  tracing,
};

const cooldowns = {
  scaleOutCooldownSec: z.int().min(0).max(3600).default(60),
  scaleInCooldownSec: z.int().min(0).max(3600).default(300),
};

/** ALB path patterns: up to 128 of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ? (ELB path conditions). */
const pathPattern = z
  .string()
  .regex(/^[A-Za-z0-9_\-.$/~"'@:+&*?]{1,128}$/, 'expected an ALB path pattern such as "/api/*" (1–128 characters)');
/** ALB host headers: up to 128 of A-Z a-z 0-9 - . * ? (ELB host conditions). */
const hostHeader = z
  .string()
  .regex(/^[A-Za-z0-9\-.*?]{1,128}$/, 'expected a host name pattern such as "api.example.com" or "*.example.com"');

const publicService = z
  .strictObject({
    /** Behind the ALB: a listener rule by path and/or host, blue/green target groups on the ALB. */
    exposure: z.literal("public"),
    ...commonKeys,
    loadBalancer: z
      .strictObject({
        /** Listener rule priority (1–50000), unique per environment; lower wins. */
        priority: z.int().min(1).max(50000),
        /** Path patterns of the rule (up to 3); omitted, and no hostHeaders: ["/*"]. */
        pathPatterns: z.array(pathPattern).min(1).max(3).optional(),
        /** Host headers of the rule (up to 3). */
        hostHeaders: z.array(hostHeader).min(1).max(3).optional(),
        /** Path the target groups probe. */
        healthCheckPath: z
          .string()
          .regex(/^\/[\w./-]*$/, 'expected an absolute path such as "/healthz"')
          .default("/healthz"),
        /** Seconds the load balancer's health checks are ignored after a task starts. */
        healthCheckGracePeriodSec: z.int().min(0).max(7200).default(30),
        /** Seconds a target drains on deregistration; below 120 when the service uses Spot (2-minute notice). */
        deregistrationDelaySec: z.int().min(0).max(3600).default(30),
      })
      .refine((lb) => (lb.pathPatterns?.length ?? 0) + (lb.hostHeaders?.length ?? 0) <= 5, {
        message: "expected at most 5 path patterns and host headers together (ALB: 5 match evaluations per rule)",
      }),
    autoscaling: z
      .strictObject({
        /** Average CPU the service is scaled to hold. */
        cpuTargetPercent: z.int().min(10).max(90).default(60),
        /** Requests per task per minute to hold (both target groups, over running tasks). */
        requestsPerTaskPerMinute: z.int().min(1).max(100000).optional(),
        ...cooldowns,
      })
      .prefault({}),
    /** Thresholds of the alarms that roll a deployment back (per target group). */
    alarms: z
      .strictObject({
        /** 5xx answers per minute from the service's targets. */
        target5xxPerMinute: z.int().min(1).max(100000).default(10),
        /** p95 response time of the service's targets, in milliseconds. */
        p95LatencyMs: z.int().min(10).max(60000).default(1000),
      })
      .prefault({}),
  })
  .superRefine(serviceProblems);

const internalService = z
  .strictObject({
    /** Reached only through Service Connect; blue/green through Service Connect's test header. */
    exposure: z.literal("internal"),
    ...commonKeys,
    autoscaling: z
      .strictObject({
        /** Average CPU the service is scaled to hold. */
        cpuTargetPercent: z.int().min(10).max(90).default(60),
        ...cooldowns,
      })
      .prefault({}),
    /** Thresholds of the alarms that roll a deployment back (Service Connect's target metrics). */
    alarms: z
      .strictObject({
        /** 5xx answers per minute through Service Connect. */
        target5xxPerMinute: z.int().min(1).max(100000).default(10),
        /** Average response time through Service Connect, in milliseconds (its percentiles are not documented). */
        averageLatencyMs: z.int().min(10).max(60000).default(1000),
      })
      .prefault({}),
  })
  .superRefine(serviceProblems);

/** The settings both exposures share, as parsed. */
type CommonServiceSettings = z.output<z.ZodObject<typeof commonKeys>>;

/** Checks inside one service (those between services run on the whole environment). */
function serviceProblems(s: CommonServiceSettings, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], input: unknown, message: string) =>
    ctx.addIssue({ code: "custom", path, input, message });
  if ((s.app === undefined) === (s.image === undefined)) {
    issue(
      ["app"],
      s.app,
      "set exactly one of app (a folder under apps/ this project builds) and image (an external repository)",
    );
  }
  // FireLens settings with awslogs would be accepted and then ignored.
  for (const key of ["dropHealthChecks", "logstash"] as const) {
    if (s.logging === "awslogs" && s[key] !== undefined) {
      issue([key], s[key], `${key} applies only to logging "firelens" (this service uses "awslogs")`);
    }
  }
  const allowed = FARGATE_MEMORY_MIB[s.cpu] ?? [];
  if (!allowed.includes(s.memoryMiB)) {
    issue(["memoryMiB"], s.memoryMiB, `Fargate with cpu ${s.cpu} allows memoryMiB ${allowed.join(", ")}`);
  }
  if (!(s.minCount <= s.desiredCount && s.desiredCount <= s.maxCount)) {
    issue(
      ["desiredCount"],
      s.desiredCount,
      `expected minCount (${s.minCount}) <= desiredCount <= maxCount (${s.maxCount})`,
    );
  }
  if (s.stopTimeoutSec < MIN_STOP_TIMEOUT_SEC) {
    issue(
      ["stopTimeoutSec"],
      s.stopTimeoutSec,
      `leaves the app ${shutdownTimeoutMs(s.stopTimeoutSec)} ms to drain (SHUTDOWN_TIMEOUT_MS = (stopTimeoutSec - 5) s); expected at least ${MIN_STOP_TIMEOUT_SEC}`,
    );
  }
  if (SIDECAR_PORTS[s.port] !== undefined) {
    issue(["port"], s.port, `is taken inside the task by ${SIDECAR_PORTS[s.port]}; choose another port`);
  }
  const seen = new Set<string>();
  s.connectsTo.forEach((target, i) => {
    if (seen.has(target)) issue(["connectsTo", i], target, "is listed twice");
    seen.add(target);
  });
}

export const serviceSchema = z.discriminatedUnion("exposure", [publicService, internalService]);

/** The services map: name → settings. */
export const servicesSchema = z
  .record(serviceName, serviceSchema)
  .refine((m) => Object.keys(m).length > 0, { message: "expected at least one service" });

/** The FireLens router image (fluent-bit/), pushed to the platform's log-router repository. */
export const logRouterSchema = z.strictObject({ imageTag }).prefault({ imageTag: "0.1.0" });

export const serviceConnectSchema = z
  .strictObject({
    /** Seconds the proxy waits for a complete response (0 disables; above the apps' own deadlines). */
    perRequestTimeoutSec: z.int().min(0).max(3600).default(15),
    /** Seconds an idle connection stays open; above the idle time of the apps' connection pools (60 s). */
    idleTimeoutSec: z.int().min(0).max(3600).default(120),
    /**
     * TLS between the proxies, with certificates from AWS Private CA. Service Connect does TLS, not
     * mutual TLS: there is no client-certificate mode to configure.
     */
    tls: z
      .strictObject({
        privateCaArn: z
          .string()
          .regex(
            /^arn:aws[\w-]*:acm-pca:[\w-]+:\d{12}:certificate-authority\/[\w-]+$/,
            "expected an AWS Private CA ARN",
          ),
      })
      .optional(),
  })
  .default({ perRequestTimeoutSec: 15, idleTimeoutSec: 120 });

export type ServicesConfig = z.output<typeof servicesSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type PublicServiceConfig = Extract<ServiceConfig, { exposure: "public" }>;
export type InternalServiceConfig = Extract<ServiceConfig, { exposure: "internal" }>;
export type TracingConfig = z.output<typeof tracingSettings>;

/** A problem found across services; `path` starts at the environment's root. */
export interface ServicesProblem {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

/** What the cross-service checks read from the environment. */
export interface ServicesEnvironment {
  readonly namePrefix: string;
  readonly services: ServicesConfig;
  /** The environment has an ALB (platform.loadBalancer). */
  readonly hasLoadBalancer: boolean;
  /** FIS templates exist (fis.enabled): their role names carry service names. */
  readonly fisEnabled: boolean;
}

/** AWS name limits the derived names must fit (target group 32, X-Ray rule 32, IAM role 64). */
const NAME_LIMITS = { targetGroup: 32, samplingRule: 32, role: 64 } as const;
/** The longest suffixes the services stack and the ops stack append to `<prefix>-<service>`. */
const LONGEST_ROLE_SUFFIX = "-execution";

/**
 * Checks between services: `connectsTo` targets exist, ports, client aliases, listener rule
 * priorities and rule conditions are unique, public services have an ALB, and every AWS name built
 * from a service's name fits its limit. Each problem names the field that causes it.
 */
export function servicesProblems(env: ServicesEnvironment): ServicesProblem[] {
  const problems: ServicesProblem[] = [];
  const add = (path: PropertyKey[], value: unknown, message: string) =>
    problems.push({ path: ["services", ...path], value, message });
  const names = Object.keys(env.services);
  const ports = new Map<number, string>();
  const aliases = new Map<string, string>();
  const priorities = new Map<number, string>();
  const rules = new Map<string, string>();

  for (const name of names) {
    const s = env.services[name]!;
    s.connectsTo.forEach((target, i) => {
      if (target === name) add([name, "connectsTo", i], target, "a service cannot connect to itself");
      else if (!names.includes(target)) {
        add(
          [name, "connectsTo", i],
          target,
          `expected the name of another service: ${names.filter((n) => n !== name).join(", ") || "(none)"}`,
        );
      }
    });
    const portOwner = ports.get(s.port);
    if (portOwner !== undefined)
      add([name, "port"], s.port, `already used by services.${portOwner}.port; each service needs its own port`);
    else ports.set(s.port, name);

    const alias = s.clientAlias ?? name;
    const aliasOwner = aliases.get(alias);
    if (aliasOwner !== undefined) {
      add(
        [name, s.clientAlias ? "clientAlias" : "clientAlias"],
        alias,
        `already the Service Connect client alias of services.${aliasOwner}`,
      );
    } else aliases.set(alias, name);

    const full = `${env.namePrefix}-${name}`;
    if (full.length + LONGEST_ROLE_SUFFIX.length > NAME_LIMITS.role) {
      add(
        [name],
        name,
        `makes the IAM role name "${full}${LONGEST_ROLE_SUFFIX}" longer than ${NAME_LIMITS.role} characters; shorten the service name`,
      );
    }
    if (s.tracing && full.length > NAME_LIMITS.samplingRule) {
      add(
        [name, "tracing"],
        name,
        `makes the X-Ray sampling rule name "${full}" longer than ${NAME_LIMITS.samplingRule} characters; shorten the service name`,
      );
    }
    if (env.fisEnabled) {
      for (const target of s.connectsTo) {
        const role = `${env.namePrefix}-fis-${name}-${target}-blackhole`;
        if (role.length > NAME_LIMITS.role) {
          add(
            [name, "connectsTo"],
            target,
            `makes the FIS role name "${role}" longer than ${NAME_LIMITS.role} characters; shorten the names`,
          );
        }
      }
    }

    if (s.exposure !== "public") continue;
    if (!env.hasLoadBalancer) {
      add(
        [name, "exposure"],
        s.exposure,
        'needs an ALB: set platform.loadBalancer (and platform.waf), or make the service "internal"',
      );
    }
    const tg = `${full}-green`;
    if (tg.length > NAME_LIMITS.targetGroup) {
      add(
        [name],
        name,
        `makes the target group name "${tg}" longer than ${NAME_LIMITS.targetGroup} characters (ALB limit); shorten the service name or namePrefix`,
      );
    }
    const lb = s.loadBalancer;
    const priorityOwner = priorities.get(lb.priority);
    if (priorityOwner !== undefined) {
      add(
        [name, "loadBalancer", "priority"],
        lb.priority,
        `already the listener rule priority of services.${priorityOwner}`,
      );
    } else priorities.set(lb.priority, name);
    const rule = JSON.stringify([
      [...listenerRulePaths(lb)].sort(),
      [...(lb.hostHeaders ?? [])].map((h) => h.toLowerCase()).sort(),
    ]);
    const ruleOwner = rules.get(rule);
    if (ruleOwner !== undefined) {
      add(
        [name, "loadBalancer"],
        { pathPatterns: listenerRulePaths(lb), hostHeaders: lb.hostHeaders ?? [] },
        `the same path/host rule as services.${ruleOwner}; the one with the higher priority number would never match`,
      );
    } else rules.set(rule, name);
  }
  return problems;
}

/** The path patterns of a public service's rule: its own, or every path when it routes by host only or not at all. */
export function listenerRulePaths(lb: PublicServiceConfig["loadBalancer"]): readonly string[] {
  return lb.pathPatterns ?? (lb.hostHeaders ? [] : ["/*"]);
}
