import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EnvContractError,
  MIN_STOP_TIMEOUT_SEC,
  serviceEnvironment,
  shutdownTimeoutMs,
} from "../../apps/shared/src/env-contract";
import { environmentNames, environmentsIn, loadConfig } from "../../config";
import { parseEnvConfig } from "../../config/schema";
import { main } from "../../main";
import { devWith, errorOf, type Patchable } from "../helpers/config";

const ROOT = resolve(__dirname, "../..");

/** A third service: internal, no ALB settings, connected to nothing. */
const extra = (over: Patchable = {}): Patchable => ({
  exposure: "internal",
  app: "responder",
  imageTag: "0.1.0",
  port: 9000,
  ...over,
});

describe("services config: the two exposures", () => {
  it("when the shipped configs are parsed, then the caller is public behind the ALB and the responder internal on its own port", () => {
    const dev = loadConfig("dev");
    expect(dev.services.caller).toMatchObject({
      exposure: "public",
      port: 8080,
      connectsTo: ["responder"],
      cache: true,
    });
    expect(dev.services.responder).toMatchObject({ exposure: "internal", port: 8081, cache: true, database: true });
    expect(dev.services.caller!.exposure === "public" && dev.services.caller!.loadBalancer).toMatchObject({
      priority: 100,
      pathPatterns: ["/*"],
      healthCheckPath: "/healthz",
      deregistrationDelaySec: 30,
      healthCheckGracePeriodSec: 30,
    });
  });

  it.each([
    ["deregistrationDelaySec", { deregistrationDelaySec: 30 }],
    ["healthCheckGracePeriodSec", { healthCheckGracePeriodSec: 30 }],
    ["loadBalancer", { loadBalancer: { priority: 5 } }],
  ])("when the internal responder sets %s, then it is refused instead of ignored", (key, patch) => {
    const message = errorOf(devWith((c) => Object.assign(c.services.responder, patch)));
    expect(message).toContain(`services.responder.${key}: unknown key; allowed keys here: exposure, app, image`);
    expect(message).not.toMatch(/allowed keys here:[^\n]*loadBalancer/);
  });

  it("when the internal responder sets requestsPerTaskPerMinute, then it is refused: only ALB services scale on requests", () => {
    expect(errorOf(devWith((c) => (c.services.responder.autoscaling = { requestsPerTaskPerMinute: 600 })))).toContain(
      "services.responder.autoscaling.requestsPerTaskPerMinute: unknown key; allowed keys here: cpuTargetPercent, scaleOutCooldownSec, scaleInCooldownSec",
    );
  });

  it("when the public caller sets requestsPerTaskPerMinute and its ALB settings, then they are kept", () => {
    const config = parseEnvConfig(
      "dev",
      devWith((c) => {
        c.services.caller.autoscaling = { requestsPerTaskPerMinute: 600 };
        c.services.caller.loadBalancer.deregistrationDelaySec = 20;
      }),
    );
    const caller = config.services.caller!;
    expect(caller.exposure === "public" && [caller.autoscaling.requestsPerTaskPerMinute, caller.loadBalancer]).toEqual([
      600,
      expect.objectContaining({ deregistrationDelaySec: 20 }),
    ]);
  });

  it("when exposure is missing or unknown, then the error names it and lists both exposures", () => {
    expect(errorOf(devWith((c) => delete c.services.responder.exposure))).toContain(
      'services.responder.exposure: got nothing; expected one of: "public", "internal"',
    );
    expect(errorOf(devWith((c) => (c.services.responder.exposure = "private")))).toContain(
      'services.responder.exposure: got "private"; expected one of: "public", "internal"',
    );
  });
});

describe("services config: checks between services name the field", () => {
  const cases: [string, (c: Patchable) => void, string][] = [
    [
      "unknown connectsTo target",
      (c) => (c.services.caller.connectsTo = ["respnder"]),
      'services.caller.connectsTo.0: got "respnder"; expected the name of another service: responder',
    ],
    [
      "a service connecting to itself",
      (c) => (c.services.caller.connectsTo = ["caller"]),
      'services.caller.connectsTo.0: got "caller"; a service cannot connect to itself',
    ],
    [
      "a target listed twice",
      (c) => (c.services.caller.connectsTo = ["responder", "responder"]),
      'services.caller.connectsTo.1: got "responder"; is listed twice',
    ],
    [
      "a duplicate port",
      (c) => (c.services.responder.port = 8080),
      "services.responder.port: got 8080; already used by services.caller.port",
    ],
    [
      "a port a sidecar uses",
      (c) => (c.services.responder.port = 4318),
      "services.responder.port: got 4318; is taken inside the task by the ADOT collector's OTLP/HTTP receiver",
    ],
    [
      "a duplicate client alias",
      (c) => (c.services.worker = extra({ clientAlias: "responder" })),
      'services.worker.clientAlias: got "responder"; already the Service Connect client alias of services.responder',
    ],
    [
      "a duplicate rule priority",
      (c) =>
        (c.services.web = extra({
          exposure: "public",
          loadBalancer: { priority: 100, hostHeaders: ["web.example.com"] },
        })),
      "services.web.loadBalancer.priority: got 100; already the listener rule priority of services.caller",
    ],
    [
      "a duplicate path/host rule",
      (c) => (c.services.web = extra({ exposure: "public", loadBalancer: { priority: 101, pathPatterns: ["/*"] } })),
      'services.web.loadBalancer: got {"pathPatterns":["/*"],"hostHeaders":[]}; the same path/host rule as services.caller',
    ],
    [
      "more rule values than an ALB rule takes",
      (c) =>
        (c.services.caller.loadBalancer = {
          priority: 100,
          pathPatterns: ["/a", "/b", "/c"],
          hostHeaders: ["a.example.com", "b.example.com", "c.example.com"],
        }),
      "services.caller.loadBalancer: got",
    ],
    [
      "a name with an underscore (Terraform addresses, Cloud Map)",
      (c) => (c.services.order_api = extra()),
      'services.order_api: got "order_api"; expected lowercase letters and digits in words joined by single "-"',
    ],
    [
      "a name with capitals (ECR)",
      (c) => (c.services.Orders = extra()),
      'services.Orders: got "Orders"; expected lowercase letters and digits',
    ],
    [
      "a name starting with a digit (DNS, Terraform)",
      (c) => (c.services["9lives"] = extra()),
      'services.9lives: got "9lives"; expected lowercase letters and digits',
    ],
    [
      "the log router's repository name",
      (c) => (c.services["log-router"] = extra()),
      'services.log-router: got "log-router"; expected a name other than log-router (used by the platform)',
    ],
    [
      "a name whose URL variable the apps already read",
      (c) => (c.services.redis = extra()),
      'services.redis: got "redis"; expected a name whose <NAME>_URL variable is not one the apps already read',
    ],
    [
      "a public name too long for the target group",
      (c) =>
        (c.services["customer-storefronts"] = extra({
          exposure: "public",
          loadBalancer: { priority: 7, hostHeaders: ["shop.example.com"] },
        })),
      'services.customer-storefronts: got "customer-storefronts"; makes the target group name "fc-dev-customer-storefronts-green" longer than 32 characters',
    ],
    [
      "a traced name too long for its X-Ray rule",
      (c) => (c.services["nightly-inventory-reconciler"] = extra({ tracing: true })),
      'services.nightly-inventory-reconciler.tracing: got "nightly-inventory-reconciler"; makes the X-Ray sampling rule name "fc-dev-nightly-inventory-reconciler" longer than 32 characters',
    ],
    [
      "a public service without an ALB",
      (c) => {
        delete c.platform.loadBalancer;
        delete c.platform.waf;
        delete c.demoRoutes;
      },
      'services.caller.exposure: got "public"; needs an ALB: set platform.loadBalancer (and platform.waf), or make the service "internal"',
    ],
    [
      "an ALB with no public service",
      (c) => {
        c.services.caller.exposure = "internal";
        delete c.services.caller.loadBalancer;
        delete c.demoRoutes;
      },
      'platform.loadBalancer: got {"ingressCidrs"',
    ],
    [
      "a stop timeout that leaves no drain time",
      (c) => (c.services.responder.stopTimeoutSec = 4),
      `services.responder.stopTimeoutSec: got 4; leaves the app -1000 ms to drain (SHUTDOWN_TIMEOUT_MS = (stopTimeoutSec - 5) s); expected at least ${MIN_STOP_TIMEOUT_SEC}`,
    ],
    [
      "both app and image",
      (c) => (c.services.responder.image = "public.ecr.aws/nginx/nginx"),
      'services.responder.app: got "responder"; set exactly one of app (a folder under apps/ this project builds) and image (an external repository)',
    ],
    [
      "an app folder that does not exist",
      (c) => (c.services.responder.app = "billing"),
      'services.responder.app: got "billing"; expected a folder under apps/ with src/server.ts',
    ],
    [
      "a platform variable in environment",
      (c) => (c.services.responder.environment = { PORT: "9" }),
      "services.responder.environment.PORT: got",
    ],
    [
      "a secret in environment",
      (c) => (c.services.responder.environment = { STRIPE_API_KEY: "sk" }),
      "looks like a secret: secrets go through Secrets Manager",
    ],
  ];

  it.each(cases)("when %s, then the error names the field and the rule", (_name, patch, expected) => {
    const message = errorOf(devWith(patch));
    expect(message).toMatch(/^Invalid config for environment "dev":/);
    expect(message).toContain(expected);
  });

  it("when a third service is valid, then it is accepted with the documented defaults", () => {
    const config = parseEnvConfig(
      "dev",
      devWith((c) => (c.services.worker = extra())),
    );
    expect(config.services.worker).toMatchObject({
      cpu: 256,
      memoryMiB: 512,
      cpuArchitecture: "X86_64",
      desiredCount: 1,
      minCount: 1,
      maxCount: 2,
      stopTimeoutSec: 30,
      connectsTo: [],
      cache: false,
      database: false,
      logging: "firelens",
      alarms: { target5xxPerMinute: 10, averageLatencyMs: 1000 },
    });
    expect(config.services.worker!.tracing).toBeUndefined();
  });
});

describe("demo routes", () => {
  it("when dev turns them on behind its public ALB, then it must say why (and it does)", () => {
    expect(loadConfig("dev").demoRoutes).toMatchObject({ enabled: true, publicAcknowledged: expect.any(String) });
    expect(errorOf(devWith((c) => delete c.demoRoutes.publicAcknowledged))).toContain(
      "demoRoutes.enabled: got true; turns on CPU burn, cache writes and key listing for caller behind a listener open to 0.0.0.0/0",
    );
  });

  it("when prod says nothing, then they are off", () => {
    expect(loadConfig("prod").demoRoutes).toEqual({ enabled: false });
  });

  it("when the ALB is not open to the internet, then no acknowledgement is needed and one given is refused", () => {
    const narrow = (c: Patchable) => (c.platform.loadBalancer.ingressCidrs = ["10.0.0.0/8"]);
    expect(() =>
      parseEnvConfig(
        "dev",
        devWith((c) => {
          narrow(c);
          delete c.demoRoutes.publicAcknowledged;
        }),
      ),
    ).not.toThrow();
    expect(errorOf(devWith(narrow))).toContain(
      'demoRoutes.publicAcknowledged: got "dev is the demo environment: no customer data, and its WAF rate-limits each ...; acknowledges nothing',
    );
  });
});

describe("the env-var contract at synth", () => {
  it("when the stop timeout is 30 s, then SHUTDOWN_TIMEOUT_MS is 25000 and never negative for any accepted timeout", () => {
    expect(shutdownTimeoutMs(30)).toBe(25_000);
    expect(shutdownTimeoutMs(MIN_STOP_TIMEOUT_SEC)).toBeGreaterThan(0);
  });

  it("when the infrastructure would write a value the apps refuse, then serviceEnvironment names the variable", () => {
    const base = {
      serviceName: "svc",
      port: 8080,
      stopTimeoutSec: 30,
      failureModeParameter: "/p/svc/failure-mode",
      demoRoutes: false,
    };
    expect(() => serviceEnvironment({ ...base, stopTimeoutSec: 4 })).toThrow(EnvContractError);
    expect(() => serviceEnvironment({ ...base, stopTimeoutSec: 4 })).toThrow(
      'SHUTDOWN_TIMEOUT_MS: got "-1000"; expected an integer from 100 to 120000',
    );
    expect(() => serviceEnvironment({ ...base, connectsTo: { orders: "https://orders:443" } })).toThrow(
      'ORDERS_URL: got "https://orders:443"; expected an http:// URL (Service Connect handles TLS)',
    );
    expect(() => serviceEnvironment({ ...base, extra: { REDIS_URL: "redis://x" } })).toThrow(
      "REDIS_URL: set by the platform from the service's settings",
    );
    expect(serviceEnvironment({ ...base, connectsTo: { "order-api": "http://order-api:9000" } })).toMatchObject({
      ORDER_API_URL: "http://order-api:9000",
      DEMO_ROUTES_ENABLED: "false",
      SHUTDOWN_TIMEOUT_MS: "25000",
    });
  });
});

describe("environments are files", () => {
  it("when config/ is listed, then every <env>.ts is an environment and the schemas and helpers are not", () => {
    expect(environmentNames()).toEqual(["dev", "prod"]);
    const dir = mkdtempSync(join(tmpdir(), "fc-envs-"));
    for (const f of ["index.ts", "schema.ts", "ops-schema.ts", "failure-mode-parameter.ts", "qa.ts", "eu-prod.ts"]) {
      writeFileSync(join(dir, f), "export default {};\n");
    }
    expect(environmentNames(dir)).toEqual(["eu-prod", "qa"]);
  });

  it(
    "when dev.ts is copied to staging.ts, then FC_ENV=staging synthesizes with no other change",
    { timeout: 90_000 },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "fc-config-"));
      for (const name of ["dev", "prod"]) copyFileSync(join(ROOT, "config", `${name}.ts`), join(dir, `${name}.ts`));
      copyFileSync(join(ROOT, "config", "dev.ts"), join(dir, "staging.ts"));
      const environments = environmentsIn(dir);
      expect(Object.keys(environments)).toEqual(["dev", "prod", "staging"]);
      const out = join(mkdtempSync(join(tmpdir(), "fc-out-")), "cdktf.out");
      expect(main({ FC_ENV: "staging", CDKTF_OUTDIR: out }, environments)).toBe(0);
      const backend = JSON.parse(readFileSync(join(out, "stacks", "services", "cdk.tf.json"), "utf8")).terraform.backend
        .s3 as { key: string };
      expect(backend.key).toBe("staging/services.tfstate");
      expect(existsSync(join(out, "stacks", "ops", "cdk.tf.json"))).toBe(true);
    },
  );
});
