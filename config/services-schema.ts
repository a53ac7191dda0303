import { z } from "zod";

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
  });

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
const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected a Docker tag: 1–128 of A-Z a-z 0-9 _ . -");

// --- sidecars (FireLens, ADOT collector) ---
/** A second copy of the logs to a Logstash http input (the seed's port 5049). */
const logstash = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "expected a host name or IPv4 address"),
  port: z.int().min(1).max(65535).default(5049),
  /** TLS to Logstash (certificate verified). */
  tls: z.boolean().default(false),
});
const sidecarKeys = {
  /** firelens: Fluent Bit sidecar → Firehose → S3 (and Logstash); awslogs: straight to CloudWatch. */
  logging: z.enum(["firelens", "awslogs"]).default("firelens"),
  /** FireLens only: drop successful /healthz and /readyz request lines (default true). */
  dropHealthChecks: z.boolean().optional(),
  /** FireLens only: also send every record to a Logstash http input. */
  logstash: logstash.optional(),
  /** ADOT collector sidecar: the app sends OTLP traces to it, it exports them to X-Ray. */
  tracing: z.boolean().default(false),
};
// --- end sidecars ---

const service = z
  .strictObject({
    /** Fargate CPU units. */
    cpu: z.union([256, 512, 1024, 2048, 4096, 8192, 16384].map((n) => z.literal(n))),
    /** Task memory; must be a size Fargate pairs with `cpu`. */
    memoryMiB: z.int(),
    /** CPU architecture the image is built for. */
    cpuArchitecture: z.enum(["X86_64", "ARM64"]).default("X86_64"),
    /** Tasks at the first deploy; autoscaling owns the count afterwards (Terraform ignores it). */
    desiredCount: z.int().min(0).max(1000),
    minCount: z.int().min(0).max(1000),
    maxCount: z.int().min(1).max(1000),
    /** Image tag deployed unless a deploy overrides it (`--var <app>_image_tag=...`). */
    imageTag,
    /** Placement for this service; omitted: the cluster's default strategy. */
    capacityProviderStrategy: capacityProviderStrategy.optional(),
    /** Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows up to 120). */
    stopTimeoutSec: z.int().min(2).max(120).default(30),
    /** ECS Exec (a shell in running tasks); keep it off in prod. */
    enableExecuteCommand: z.boolean().default(false),
    /** `terraform apply` waits until the service is stable (a deployment finished or rolled back). */
    waitForSteadyState: z.boolean().default(false),
    /** Seconds the load balancer's health checks are ignored after a task starts (load-balanced services). */
    healthCheckGracePeriodSec: z.int().min(0).max(7200).default(30),
    /** Seconds a target drains on deregistration; below 120 when the service uses Spot (2-minute notice). */
    deregistrationDelaySec: z.int().min(0).max(3600).default(30),
    deployment: deployment.default({ strategy: "BLUE_GREEN", bakeTimeMinutes: 10, lifecycleHooks: [] }),
    autoscaling: z
      .strictObject({
        /** Average CPU the service is scaled to hold. */
        cpuTargetPercent: z.int().min(10).max(90).default(60),
        /** Load-balanced services: requests per task per minute to hold. */
        requestsPerTaskPerMinute: z.int().min(1).max(100000).optional(),
        scaleOutCooldownSec: z.int().min(0).max(3600).default(60),
        scaleInCooldownSec: z.int().min(0).max(3600).default(300),
      })
      .default({ cpuTargetPercent: 60, scaleOutCooldownSec: 60, scaleInCooldownSec: 300 }),
    /** Thresholds of the alarms that roll a deployment back. */
    alarms: z
      .strictObject({
        /** 5xx answers per minute from the service's targets. */
        target5xxPerMinute: z.int().min(1).max(100000).default(10),
        /** p95 response time of the service's targets, in milliseconds. */
        p95LatencyMs: z.int().min(10).max(60000).default(1000),
      })
      .default({ target5xxPerMinute: 10, p95LatencyMs: 1000 }),
    ...sidecarKeys,
  })
  .superRefine((s, ctx) => {
    // FireLens settings with awslogs would be accepted and then ignored.
    for (const key of ["dropHealthChecks", "logstash"] as const) {
      if (s.logging === "awslogs" && s[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: s[key],
          message: `${key} applies only to logging "firelens" (this service uses "awslogs")`,
        });
      }
    }
    const allowed = FARGATE_MEMORY_MIB[s.cpu] ?? [];
    if (!allowed.includes(s.memoryMiB)) {
      ctx.addIssue({
        code: "custom",
        path: ["memoryMiB"],
        input: s.memoryMiB,
        message: `Fargate with cpu ${s.cpu} allows memoryMiB ${allowed.join(", ")}`,
      });
    }
    if (!(s.minCount <= s.desiredCount && s.desiredCount <= s.maxCount)) {
      ctx.addIssue({
        code: "custom",
        path: ["desiredCount"],
        input: s.desiredCount,
        message: `expected minCount (${s.minCount}) <= desiredCount <= maxCount (${s.maxCount})`,
      });
    }
  });

export const servicesSchema = z.strictObject({
  /** Service A: public, behind the ALB (blue/green target groups). */
  caller: service,
  /** Service B: internal, reached through Service Connect only. */
  responder: service,
  /** The FireLens router image (fluent-bit/), pushed to the platform's log-router repository. */
  logRouter: z.strictObject({ imageTag }).default({ imageTag: "0.1.0" }),
});

export const serviceConnectSchema = z
  .strictObject({
    /** Seconds the proxy waits for a complete response (0 disables; above the apps' own deadlines). */
    perRequestTimeoutSec: z.int().min(0).max(3600).default(15),
    /** Seconds an idle connection stays open; above the caller's keep-alive agent idle time (60 s). */
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
export type ServiceConfig = ServicesConfig["caller"];
