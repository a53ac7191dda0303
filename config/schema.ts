import { z } from "zod";
import { lifecycleProblems } from "../modules/lib/bucket-lifecycle";
import { baseConfigShape } from "../apps/shared/src/config";
import { parseCidr } from "../modules/lib/cidr";
import {
  FIREHOSE_BUFFER_INTERVAL_SEC,
  FIREHOSE_BUFFER_SIZE_MIB,
  FIREHOSE_FRESHNESS_ALARM_SEC,
  minFreshnessAlarmSec,
} from "../modules/lib/firehose-limits";
import { LOG_RETENTION_DAYS } from "../modules/lib/log-retention";
import { subnetProblems } from "../modules/lib/subnet-plan";
import { ciProblems, ciSchema } from "./ci-schema";
import { costSchema } from "./cost-schema";
import { dataSchema } from "./data-schema";
import { fisSchema, opsSchema } from "./ops-schema";
import {
  capacityProviderStrategy,
  logRouterSchema,
  serviceConnectSchema,
  servicesProblems,
  servicesSchema,
} from "./services-schema";

export { LOG_RETENTION_DAYS };

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
  message: 'expected an IPv4 CIDR block with no host bits set, e.g. "10.0.0.0/16"',
});

const retentionDays = z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
  message: `expected one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(", ")}`,
});

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => !k.toLowerCase().startsWith("aws:"), { message: 'tag keys must not start with "aws:"' });

const network = z
  .strictObject({
    /** VPC IPv4 range, /16 to /24. */
    vpcCidr: cidr.refine((s) => {
      const p = parseCidr(s)?.prefix ?? 0;
      return p >= 16 && p <= 24;
    }, "expected a prefix length from /16 to /24"),
    /** Availability zones to spread subnets over: 2 or 3. */
    azCount: z.int().min(2).max(3),
    /** `single`: one NAT gateway for all AZs; `per-az`: one per AZ (HA); `none`: no egress (needs vpcEndpoints). */
    natMode: z.enum(["single", "per-az", "none"]),
    /** Public subnet per AZ; default: /4-bit blocks 8.. of vpcCidr. */
    publicSubnetCidrs: z.array(cidr).optional(),
    /** Private subnet per AZ; default: /4-bit blocks 0.. of vpcCidr. */
    privateSubnetCidrs: z.array(cidr).optional(),
    /** S3 gateway + ECR api/dkr, logs, ssm, secretsmanager interface endpoints. */
    vpcEndpoints: z.boolean().default(false),
    flowLogRetentionDays: retentionDays.default(90),
  })
  .superRefine((n, ctx) => {
    if (n.natMode === "none" && !n.vpcEndpoints) {
      ctx.addIssue({
        code: "custom",
        path: ["natMode"],
        input: n.natMode,
        message: 'natMode "none" leaves tasks no way to reach ECR or CloudWatch: set vpcEndpoints: true',
      });
    }
    for (const problem of subnetProblems(n)) {
      ctx.addIssue({ code: "custom", path: [...problem.path], input: problem.value, message: problem.message });
    }
  });

/** Log pipeline (FireLens → Firehose → S3): buffering, object lifecycle and the freshness alarm. */
const logs = z
  .strictObject({
    /** Firehose buffer size; dynamic partitioning needs 64–128 MiB. */
    bufferSizeMiB: z.int().min(FIREHOSE_BUFFER_SIZE_MIB.min).max(FIREHOSE_BUFFER_SIZE_MIB.max).default(64),
    /** Firehose buffer interval; 60–900 s (no zero buffering with dynamic partitioning). */
    bufferIntervalSec: z.int().min(FIREHOSE_BUFFER_INTERVAL_SEC.min).max(FIREHOSE_BUFFER_INTERVAL_SEC.max).default(300),
    /** Days before log objects move to STANDARD_IA (≥ 30). */
    transitionToIaDays: z.int().default(30),
    /** Days before log objects move to GLACIER (≥ transitionToIaDays + 30). */
    transitionToGlacierDays: z.int().default(90),
    /** Days before log objects expire (after both transitions). */
    expirationDays: z.int().default(365),
    /** DeliveryToS3.DataFreshness alarm threshold (s), at least 1.5 × bufferIntervalSec. */
    freshnessAlarmSec: z.int().min(FIREHOSE_FRESHNESS_ALARM_SEC.min).max(FIREHOSE_FRESHNESS_ALARM_SEC.max).default(900),
  })
  .superRefine((l, ctx) => {
    for (const p of lifecycleProblems(l)) {
      ctx.addIssue({ code: "custom", path: [p.field], input: p.value, message: `expected ${p.allowed}` });
    }
    const min = minFreshnessAlarmSec(l.bufferIntervalSec);
    if (l.freshnessAlarmSec < min) {
      ctx.addIssue({
        code: "custom",
        path: ["freshnessAlarmSec"],
        input: l.freshnessAlarmSec,
        message: `expected at least 1.5 × bufferIntervalSec (${min}): partitioned delivery takes up to that long when healthy`,
      });
    }
  })
  // Omitted: every default above (prefault parses {} so the field defaults apply).
  .prefault({});
// --- platform edge: ALB, WAF, ECR, optional domain (issue 8) ---

/** The apps' HTTP keep-alive default (ms), read from their own schema so the two cannot drift. */
export const APP_KEEP_ALIVE_TIMEOUT_MS: number = baseConfigShape.KEEP_ALIVE_TIMEOUT_MS.parse(undefined);
/** The port the apps listen on by default; the ALB's egress allows exactly this port into the VPC. */
export const APP_PORT: number = baseConfigShape.PORT.parse(undefined);

const port = z.int().min(1).max(65535);

const loadBalancer = z.strictObject({
  /** Who may reach 80/443; the public ALB usually takes ["0.0.0.0/0"]. */
  ingressCidrs: z.array(cidr).min(1),
  /** Port of the blue/green test listener. */
  testListenerPort: port
    .refine((p) => p !== 80 && p !== 443, {
      message: "expected a port other than 80 and 443 (the production listeners)",
    })
    .default(8443),
  /** Who may reach the test listener (CI runners, VPN); never the whole internet. */
  testCidrs: z
    .array(
      cidr.refine((c) => parseCidr(c)?.prefix !== 0, { message: "the test listener must not be open to 0.0.0.0/0" }),
    )
    .min(1),
  /** ACM certificate for HTTPS; omitted (and no domain): HTTP only. */
  certificateArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
      "expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    )
    .optional(),
  /** ALB idle timeout; must stay below the apps' keep-alive or the ALB reuses connections the app closed (502s). */
  idleTimeoutSec: z
    .int()
    .min(1)
    .max(4000)
    .refine((s) => s * 1000 < APP_KEEP_ALIVE_TIMEOUT_MS, {
      message: `expected below the apps' keep-alive timeout (KEEP_ALIVE_TIMEOUT_MS ${APP_KEEP_ALIVE_TIMEOUT_MS} ms = ${APP_KEEP_ALIVE_TIMEOUT_MS / 1000} s)`,
    })
    .default(60),
});

const waf = z.strictObject({
  /** COUNT: rules only count (tune first); BLOCK: matching requests get 403. */
  mode: z.enum(["COUNT", "BLOCK"]),
  /** Requests one client IP may send per window before the rate rule applies (WAF: 10–2,000,000,000). */
  rateLimitRequests: z.int().min(10).max(2_000_000_000).default(2000),
  /** Window of the rate rule (WAF accepts 60, 120, 300, 600). */
  rateLimitWindowSec: z.literal([60, 120, 300, 600]).default(300),
});

const ecr = z.strictObject({
  /** Images each repository keeps; older ones expire. */
  keepLastImages: z.int().min(1).max(10000).default(30),
});

const domain = z.strictObject({
  /** Public Route 53 hosted zone that holds `name`. */
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,32}$/, 'expected a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"'),
  /** Name the ALB answers on; gets an ACM certificate (DNS-validated) and an alias record. */
  name: z
    .string()
    .max(253)
    .regex(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'expected a lowercase DNS name such as "app.example.com"',
    ),
});

const edge = {
  /** The public ALB; omitted: no ALB, no WAF, and every service must be "internal". */
  loadBalancer: loadBalancer.optional(),
  /** WAF on the ALB; required with loadBalancer, refused without it. */
  waf: waf.optional(),
  ecr: ecr.default({ keepLastImages: 30 }),
  /** Route 53 name + DNS-validated certificate; omitted: no DNS record. */
  domain: domain.optional(),
};

/** A certificate from config and one for the domain would be two answers to one question. */
function edgeProblems(
  p: { loadBalancer?: { certificateArn?: string }; waf?: unknown; domain?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (p.loadBalancer === undefined) {
    for (const key of ["waf", "domain"] as const) {
      if (p[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          input: p[key],
          message: `${key} applies only to an ALB: set platform.loadBalancer too, or remove ${key}`,
        });
      }
    }
    return;
  }
  if (p.waf === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["waf"],
      input: p.waf,
      message: 'a public ALB needs a WAF web ACL: set waf: { mode: "COUNT" } (tune) or { mode: "BLOCK" }',
    });
  }
  if (p.loadBalancer.certificateArn !== undefined && p.domain !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["loadBalancer", "certificateArn"],
      input: p.loadBalancer.certificateArn,
      message: "set either loadBalancer.certificateArn or domain (which creates its own certificate), not both",
    });
  }
}

// --- end platform edge ---

export const envConfigSchema = z.strictObject({
  /** Prefix of every AWS name (ALB and target group names cap at 32 characters). */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,13}[a-z0-9]$/, "expected 2–15 lowercase letters, digits or '-'"),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as "eu-west-1"'),
  /** When set, the provider refuses to run against any other account. */
  accountId: z
    .string()
    .regex(/^\d{12}$/, "expected a 12-digit AWS account id")
    .optional(),
  tags: z.record(tagKey, z.string().max(256)).default({}),
  /** Remote state; omitted: every stack uses a local backend and no state stack is synthesized. */
  state: z
    .strictObject({
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name: 3–63 of a-z 0-9 . -"),
      /** Lock table for Terraform < 1.10 (use_lockfile covers newer versions). */
      dynamodbTable: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]{3,255}$/, "expected a DynamoDB table name")
        .optional(),
      noncurrentVersionExpirationDays: z.int().min(1).max(3650).default(90),
    })
    .optional(),
  /** CI identity: GitHub OIDC provider, plan and deploy roles (bootstrap stack ci-identity; config/ci-schema.ts). */
  ci: ciSchema,
  network,
  platform: z
    .strictObject({
      containerInsights: z.enum(["enabled", "enhanced"]).default("enabled"),
      capacityProviderStrategy,
      /** Subscribed to the alarm topic (confirm the email once). */
      alarmEmail: z.email().optional(),
      ...edge,
    })
    .superRefine(edgeProblems),
  /** The services of this environment, by name (config/services-schema.ts; docs/adding-a-service.md). */
  services: servicesSchema,
  /** The FireLens router image (fluent-bit/): its tag, deployed like the apps' (`--var log_router_image_tag=...`). */
  logRouter: logRouterSchema,
  serviceConnect: serviceConnectSchema,
  /**
   * The example apps' demo routes (/work, /set-cache, /get-cache, /list-keys, /db): DEMO_ROUTES_ENABLED.
   * On behind a public ALB (ingress from 0.0.0.0/0) only with `publicAcknowledged` saying why.
   */
  demoRoutes: z
    .strictObject({
      enabled: z.boolean(),
      /** Why this environment may serve demo routes to the internet (e.g. "dev: demo environment, no data"). */
      publicAcknowledged: z.string().min(10, "expected a reason of at least 10 characters").optional(),
    })
    .default({ enabled: false }),
  /** Data stack: ElastiCache and Aurora MySQL (config/data-schema.ts). */
  data: dataSchema,
  logs,
  /** Retention for every log group the stacks create (flow logs have their own). */
  logRetentionDays: retentionDays.default(30),
  /** Deletion protection on stateful resources and the ALB (on for prod). */
  deletionProtection: z.boolean(),
  // --- ops (issue 10): alarms, dashboard, FIS experiments (config/ops-schema.ts) ---
  ops: opsSchema,
  /** AWS FIS: experiment templates and the task-level prerequisites (same key as the sidecars work). */
  fis: fisSchema,
  // --- end ops ---
  cost: costSchema, // usage assumptions of `npm run cost` (config/cost-schema.ts)
});

/** The demo routes on a listener anyone on the internet can reach. */
function demoRoutesProblems(c: z.output<typeof envConfigSchema>, ctx: z.RefinementCtx): void {
  const { enabled, publicAcknowledged } = c.demoRoutes;
  const lb = c.platform.loadBalancer;
  const open = lb?.ingressCidrs.some((cidr) => parseCidr(cidr)?.prefix === 0) ?? false;
  const exposed = Object.keys(c.services).filter((n) => c.services[n]!.exposure === "public");
  if (enabled && open && exposed.length > 0 && publicAcknowledged === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["demoRoutes", "enabled"],
      input: enabled,
      message:
        `turns on CPU burn, cache writes and key listing for ${exposed.join(", ")} behind a listener open to 0.0.0.0/0 ` +
        "(platform.loadBalancer.ingressCidrs); turn them off, narrow ingressCidrs, or set demoRoutes.publicAcknowledged to the reason",
    });
  }
  if (publicAcknowledged !== undefined && !(enabled && open && exposed.length > 0)) {
    ctx.addIssue({
      code: "custom",
      path: ["demoRoutes", "publicAcknowledged"],
      input: publicAcknowledged,
      message: "acknowledges nothing: demo routes are off or not on a public listener here; remove it",
    });
  }
}

// --- ops (issue 10): experiment settings are used only where FIS is on, so elsewhere they are an error ---
const checkedEnvConfigSchema = envConfigSchema.superRefine((c, ctx) => {
  ciProblems(c, ctx);
  for (const p of servicesProblems({
    namePrefix: c.namePrefix,
    services: c.services,
    hasLoadBalancer: c.platform.loadBalancer !== undefined,
    fisEnabled: c.fis.enabled,
  })) {
    ctx.addIssue({ code: "custom", path: [...p.path], input: p.value, message: p.message });
  }
  demoRoutesProblems(c, ctx);
  const publicServices = Object.values(c.services).filter((s) => s.exposure === "public");
  if (c.platform.loadBalancer !== undefined && publicServices.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["platform", "loadBalancer"],
      input: c.platform.loadBalancer,
      message:
        'no service is "public": an ALB would route nowhere; remove platform.loadBalancer and platform.waf, or expose a service',
    });
  }
  if (c.ops.experiments !== undefined && !c.fis.enabled) {
    ctx.addIssue({
      code: "custom",
      path: ["ops", "experiments"],
      input: c.ops.experiments,
      message: "experiment settings need fis.enabled: true (no FIS templates exist without it)",
    });
  }
});
// --- end ops ---

export type EnvConfigInput = z.input<typeof envConfigSchema>;
type ParsedEnvConfig = z.output<typeof envConfigSchema>;

/** A validated environment: the parsed config and its name. */
export type EnvConfig = Readonly<ParsedEnvConfig> & { readonly envName: string };

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The keys a strict object allows at `path`, following record values and the union variant `input` picks. */
function allowedKeysAt(path: readonly PropertyKey[], root: unknown): string[] {
  let schema: z.core.$ZodType = envConfigSchema;
  let input: unknown = root;
  const step = (s: z.core.$ZodType): z.core.$ZodType => {
    let u = unwrap(s);
    const def = u._zod.def as { type: string; options?: z.core.$ZodType[]; discriminator?: string };
    if (def.type === "union" && def.options && def.discriminator) {
      const tag = (input as Record<string, unknown> | undefined)?.[def.discriminator];
      u = unwrap(
        def.options.find((o) => {
          const shape = (unwrap(o) as z.ZodObject).shape as Record<string, z.core.$ZodType>;
          const lit = shape[def.discriminator!]?._zod.def as { values?: unknown[] } | undefined;
          return lit?.values?.includes(tag);
        }) ?? u,
      );
    }
    return u;
  };
  for (const key of path) {
    schema = step(schema);
    const def = schema._zod.def as { type: string; valueType?: z.core.$ZodType };
    const next =
      def.type === "record"
        ? def.valueType
        : ((schema as z.ZodObject).shape as Record<string, z.core.$ZodType> | undefined)?.[String(key)];
    if (!next) return [];
    schema = next;
    input = (input as Record<PropertyKey, unknown> | undefined)?.[key];
  }
  const shape = (step(schema) as z.ZodObject).shape as Record<string, unknown> | undefined;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (;;) {
    const def = s._zod.def as {
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
      out?: z.core.$ZodType;
      type: string;
    };
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in && def.out)
      s = (def.in._zod.def as { type: string }).type === "transform" ? def.out : def.in;
    else return s;
  }
}

function formatIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const at = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join(".") : "(root)");
  if (issue.code === "invalid_union" && "discriminator" in issue && typeof issue.discriminator === "string") {
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    const options = (issue as { options?: unknown[] }).options ?? [];
    return `${at(issue.path)}: got ${describeValue(value)}; expected one of: ${options.map((o) => JSON.stringify(o)).join(", ")}`;
  }
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path, root);
    return issue.keys
      .map((k) => `${at([...issue.path, k])}: unknown key; allowed keys here: ${allowed.join(", ")}`)
      .join("\n  - ");
  }
  // Record keys report their own problem one level down.
  const message = issue.code === "invalid_key" ? issue.issues.map((i) => i.message).join("; ") : issue.message;
  return `${at(issue.path)}: got ${describeValue(issue.input)}; ${message}`;
}

/** Raised for any invalid environment config; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates one environment's raw config. Throws ConfigError naming path, bad value and what is allowed. */
export function parseEnvConfig(envName: string, raw: unknown): EnvConfig {
  const result = checkedEnvConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map((i) => formatIssue(i, raw));
    throw new ConfigError(`Invalid config for environment "${envName}":\n  - ${lines.join("\n  - ")}`);
  }
  return { ...result.data, envName };
}
