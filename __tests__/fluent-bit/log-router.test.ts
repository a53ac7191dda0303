import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Token } from "cdktn";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CpuWorkPool } from "../../apps/shared/src/cpu-work";
import { baseConfigShape, parseAppConfig } from "../../apps/shared/src/config";
import { FailureModeSource } from "../../apps/shared/src/failure-mode";
import { createBaseApp } from "../../apps/shared/src/http-app";
import { createLogger } from "../../apps/shared/src/logger";
import { Lifecycle } from "../../apps/shared/src/server";
import {
  FIRELENS_APP_TAG_MATCH,
  HEALTH_CHECK_PATHS,
  LOG_ROUTER_CONFIG_DIR,
  LOG_ROUTER_VARIANTS,
  LOGSTASH_DEFAULT_PORT,
  firelensConfiguration,
  firelensTagPrefix,
  logRouterConfigFile,
  logRouterConfigFileName,
  logRouterContainerSettings,
  logRouterEnvironmentNames,
  type LogRouterOptions,
} from "../../fluent-bit/contract";
import {
  CONFIG_SOURCE_DIR,
  environmentReferences,
  get,
  getAll,
  readClassicConfig,
  sourcePath,
  tagMatches,
  type Section,
} from "./classic-config";
import { filterChain, type LogRecord } from "./filter-chain";

const describeVariant = (v: LogRouterOptions) =>
  `${v.logstash ? "Firehose + Logstash" : "Firehose only"}, health checks ${v.dropHealthChecks ? "dropped" : "kept"}`;

/** FireLens tags app records `<container>-firelens-<task id>`; it also feeds its own health check. */
const APP_TAG = `${firelensTagPrefix("caller")}3de392df6bfa470b97edaa6f482cd7a6`;
const FIRELENS_HEALTHCHECK_TAG = "firelens-healthcheck";

const byKind = (sections: readonly Section[], kind: string) => sections.filter((s) => s.kind === kind);

describe("log router: config files", () => {
  it("when the config folder is listed, then its entry files are exactly one per option set", () => {
    const files = readdirSync(CONFIG_SOURCE_DIR).filter((f) => f.endsWith(".conf"));
    const included = new Set(
      files.flatMap((f) =>
        readFileSync(join(CONFIG_SOURCE_DIR, f), "utf8")
          .split("\n")
          .filter((l) => l.startsWith("@INCLUDE "))
          .map((l) => l.slice(9).replace(`${LOG_ROUTER_CONFIG_DIR}/`, "")),
      ),
    );
    const entries = files.filter((f) => !included.has(f) && f !== "parsers.conf").sort();
    expect(entries).toEqual(LOG_ROUTER_VARIANTS.map(logRouterConfigFileName).sort());
    expect(new Set(entries).size).toBe(4);
  });

  it("when a file breaks Fluent Bit's classic rules, then the reader rejects it, naming file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-fluent-bit-"));
    const bad = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return () => readClassicConfig(`${LOG_ROUTER_CONFIG_DIR}/${name}`, dir);
    };
    try {
      expect(bad("indent.conf", "[FILTER]\n    Name grep\n  Match *\n")).toThrow(/indent\.conf:3: indentation/);
      expect(bad("novalue.conf", "[OUTPUT]\n    Name\n")).toThrow(/novalue\.conf:2: expected "key value"/);
      expect(bad("loop.conf", `@INCLUDE ${LOG_ROUTER_CONFIG_DIR}/loop.conf\n`)).toThrow(/included twice/);
      expect(bad("etc.conf", "@INCLUDE /fluent-bit/etc/fluent-bit.conf\n")).toThrow(
        /outside \/fluent-bit\/fargate-connect/,
      );
      expect(bad("ok.conf", "# c\n[FILTER]\n    # c\n    Name grep\n")()).toEqual([
        { kind: "FILTER", entries: [["name", "grep"]], file: join(dir, "ok.conf") },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const variant of LOG_ROUTER_VARIANTS) {
    describe(describeVariant(variant), () => {
      let sections: Section[];
      beforeAll(() => {
        sections = readClassicConfig(logRouterConfigFile(variant));
      });

      it("then it adds no inputs: FireLens generates the forward input (24224 and its socket) itself", () => {
        expect(byKind(sections, "INPUT")).toEqual([]);
        expect(new Set(sections.map((s) => s.kind))).toEqual(new Set(["SERVICE", "FILTER", "OUTPUT"]));
      });

      it("then every filter and output matches app records and not FireLens's own health-check records", () => {
        const routed = [...byKind(sections, "FILTER"), ...byKind(sections, "OUTPUT")];
        for (const s of routed) {
          expect(get(s, "Match")).toBe(FIRELENS_APP_TAG_MATCH);
          expect(tagMatches(get(s, "Match")!, APP_TAG)).toBe(true);
          expect(tagMatches(get(s, "Match")!, FIRELENS_HEALTHCHECK_TAG)).toBe(false);
        }
      });

      it("then it reads exactly the environment variables the contract lists", () => {
        expect(environmentReferences(sections)).toEqual([...logRouterEnvironmentNames(variant)].sort());
      });

      it("then the JSON parser runs first, and health-check lines are dropped only when asked", () => {
        const filters = byKind(sections, "FILTER").map((s) => get(s, "Name"));
        expect(filters[0]).toBe("parser");
        expect(filters.includes("grep")).toBe(variant.dropHealthChecks);
        const parser = byKind(sections, "FILTER")[0]!;
        expect([get(parser, "Key_Name"), get(parser, "Reserve_Data")]).toEqual(["log", "On"]);
      });

      it("then the parser file named in [SERVICE] is in the image and defines the parser the filter uses", () => {
        const parsersFile = get(byKind(sections, "SERVICE")[0]!, "Parsers_File")!;
        const parsers = readClassicConfig(parsersFile);
        const used = get(byKind(sections, "FILTER")[0]!, "Parser");
        expect(parsers.filter((p) => p.kind === "PARSER").map((p) => get(p, "Name"))).toContain(used);
      });

      it("then Firehose goes through the C plugin with stream and region from the environment", () => {
        const firehose = byKind(sections, "OUTPUT").filter((o) => get(o, "Name") === "kinesis_firehose");
        expect(firehose).toHaveLength(1);
        expect(get(firehose[0]!, "delivery_stream")).toBe("${FIREHOSE_DELIVERY_STREAM}");
        expect(get(firehose[0]!, "region")).toBe("${FIREHOSE_REGION}");
        expect(Number(get(firehose[0]!, "Retry_Limit"))).toBeGreaterThanOrEqual(1);
        // The Go plugin ("firehose") is the slower predecessor.
        expect(byKind(sections, "OUTPUT").map((o) => get(o, "Name"))).not.toContain("firehose");
      });

      it(`then the Logstash http output exists ${variant.logstash ? "with a retry limit and short timeouts" : "not at all"}`, () => {
        const http = byKind(sections, "OUTPUT").filter((o) => get(o, "Name") === "http");
        expect(http).toHaveLength(variant.logstash ? 1 : 0);
        if (!variant.logstash) return;
        const out = http[0]!;
        expect(get(out, "Host")).toBe("${LOGSTASH_HOST}");
        expect(get(out, "Port")).toBe("${LOGSTASH_PORT}");
        expect(get(out, "tls")).toBe("${LOGSTASH_TLS}");
        expect(get(out, "tls.verify")).toBe("On");
        // Bounded: a finite, small retry count ("no_limits"/"False" would hold chunks forever).
        expect(get(out, "Retry_Limit")).toMatch(/^[1-3]$/);
        expect(Number(get(out, "net.connect_timeout"))).toBeLessThanOrEqual(10);
        expect(Number(get(out, "net.io_timeout"))).toBeLessThanOrEqual(30);
      });
    });
  }

  it("when the Dockerfile is read, then it pins an immutable 3.x tag and copies config/ to the contract's folder", () => {
    const dockerfile = readFileSync(join(CONFIG_SOURCE_DIR, "../Dockerfile"), "utf8");
    const from = /^FROM (\S+)$/m.exec(dockerfile)?.[1];
    expect(from).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-for-fluent-bit:3\.\d+\.\d+$/);
    expect(dockerfile).toMatch(new RegExp(`^COPY config/ ${LOG_ROUTER_CONFIG_DIR}/$`, "m"));
    // FireLens mounts its generated config in /fluent-bit/etc; nothing of ours may live there.
    expect(dockerfile).not.toMatch(/^(COPY|ADD) .*\/fluent-bit\/etc/m);
  });
});

describe("log router: filters on the apps' real log lines", () => {
  const env = {
    ECS_SERVICE_NAME: "fc-dev-caller",
    FIREHOSE_DELIVERY_STREAM: "fc-dev-logs",
    FIREHOSE_REGION: "eu-west-1",
    LOGSTASH_HOST: "logstash.internal",
    LOGSTASH_PORT: "5049",
    LOGSTASH_TLS: "Off",
  };
  /** What the awsfirelens log driver and FireLens's record_modifier put around each stdout line. */
  const firelensRecord = (line: string): LogRecord => ({
    log: line,
    source: "stdout",
    container_id: "e54cccfac2b87417f71877907f67879068420042828067ae0867e60a63529d35",
    container_name: "caller",
    ecs_cluster: "fc-dev",
    ecs_task_arn: "arn:aws:ecs:eu-west-1:123456789012:task/fc-dev/3de392df6bfa470b97edaa6f482cd7a6",
    ecs_task_definition: "fc-dev-caller:7",
  });
  const lines: string[] = [];
  const requestLine = (path: string, status: number) => {
    const line = lines.find((l) => l.includes(`"path":"${path}"`) && l.includes(`"status":${status}`));
    if (!line) throw new Error(`no request line for ${path} ${status} in:\n${lines.join("\n")}`);
    return line;
  };

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ service: "caller", stream });
    let dependencyUp = true;
    const app = createBaseApp({
      config: parseAppConfig(z.object(baseConfigShape), { SERVICE_NAME: "caller", DEMO_ROUTES_ENABLED: "true" }),
      logger,
      failureModes: new FailureModeSource({ logger, ttlMs: 0, timeoutMs: 1_000 }),
      lifecycle: new Lifecycle(),
      cpuWork: new CpuWorkPool({ maxConcurrent: 1, maxQueued: 1 }),
      readiness: { dependency: async () => (dependencyUp ? undefined : Promise.reject(new Error("down"))) },
      routes: () => undefined,
    });
    for (const path of HEALTH_CHECK_PATHS) await request(app).get(path).expect(200);
    dependencyUp = false;
    await request(app).get("/readyz").expect(503);
    await request(app).get("/work?ms=1").expect(200);
    await request(app).get("/nothing-here").expect(404);
  });

  for (const variant of LOG_ROUTER_VARIANTS) {
    describe(describeVariant(variant), () => {
      const run = (line: string) => filterChain(logRouterConfigFile(variant), env)(APP_TAG, firelensRecord(line));

      it("when a normal request line passes, then its fields are top-level and the ECS metadata is kept", () => {
        const out = run(requestLine("/work", 200));
        expect(out).toMatchObject({
          level: "info",
          message: "request",
          service: "caller",
          method: "GET",
          path: "/work",
          status: 200,
          latencyMs: expect.any(Number),
          requestId: expect.any(String),
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          container_name: "caller",
          ecs_cluster: "fc-dev",
          ecs_task_arn: firelensRecord("").ecs_task_arn,
          ecs_task_definition: "fc-dev-caller:7",
          ecs_service: "fc-dev-caller",
        });
        expect(out).not.toHaveProperty("log");
      });

      it(`when a successful health check passes, then it is ${variant.dropHealthChecks ? "dropped" : "kept"}`, () => {
        for (const path of HEALTH_CHECK_PATHS) {
          const out = run(requestLine(path, 200));
          if (variant.dropHealthChecks) expect(out).toBeUndefined();
          else expect(out).toMatchObject({ path, status: 200 });
        }
      });

      it("when a health check fails or a request is rejected, then the line is kept", () => {
        expect(run(requestLine("/readyz", 503))).toMatchObject({
          path: "/readyz",
          status: 503,
          errorType: "not_ready",
        });
        expect(run(requestLine("/nothing-here", 404))).toMatchObject({ level: "warn", status: 404 });
      });

      it("when a line is not JSON (a crash trace), then it is kept whole under log", () => {
        const out = run("TypeError: boom\n    at /app/server.js:1:1");
        expect(out).toMatchObject({ log: "TypeError: boom\n    at /app/server.js:1:1", ecs_service: "fc-dev-caller" });
      });
    });
  }
});

describe("log router: contract", () => {
  it("when options are given, then the FireLens options name the matching file in the image", () => {
    for (const variant of LOG_ROUTER_VARIANTS) {
      const { options } = firelensConfiguration(variant);
      expect(options).toEqual({
        "config-file-type": "file",
        "config-file-value": logRouterConfigFile(variant),
        "enable-ecs-log-metadata": "true",
      });
      expect(() => sourcePath(options["config-file-value"]!)).not.toThrow();
      expect(readFileSync(sourcePath(options["config-file-value"]!), "utf8")).toContain("@INCLUDE");
    }
  });

  it("when no Logstash is configured, then the settings pick the Firehose-only file and set only its variables", () => {
    const s = logRouterContainerSettings({
      ecsServiceName: "fc-dev-caller",
      firehoseDeliveryStreamName: "fc-dev-logs",
      firehoseRegion: "eu-west-1",
      appLogGroupName: "/ecs/fc-dev/caller",
    });
    expect(s.configFile).toBe(logRouterConfigFile({ dropHealthChecks: true, logstash: false }));
    expect(s.environment).toEqual([
      { name: "APP_LOG_GROUP", value: "/ecs/fc-dev/caller" },
      { name: "ECS_SERVICE_NAME", value: "fc-dev-caller" },
      { name: "FIREHOSE_DELIVERY_STREAM", value: "fc-dev-logs" },
      { name: "FIREHOSE_REGION", value: "eu-west-1" },
    ]);
  });

  it("when Logstash is configured with defaults, then port 5049 and TLS off are set with the Logstash file", () => {
    const s = logRouterContainerSettings({
      ecsServiceName: "svc",
      firehoseDeliveryStreamName: "stream",
      firehoseRegion: "eu-west-1",
      appLogGroupName: "/ecs/fc-dev/svc",
      dropHealthChecks: false,
      logstash: { host: "logstash.internal" },
    });
    expect(s.configFile).toBe(logRouterConfigFile({ dropHealthChecks: false, logstash: true }));
    expect(Object.fromEntries(s.environment.map((e) => [e.name, e.value]))).toMatchObject({
      LOGSTASH_HOST: "logstash.internal",
      LOGSTASH_PORT: String(LOGSTASH_DEFAULT_PORT),
      LOGSTASH_TLS: "Off",
    });
    expect(s.environment.map((e) => e.name)).toEqual(
      logRouterEnvironmentNames({ dropHealthChecks: false, logstash: true }),
    );
  });

  it("when the Logstash port is out of range, then the error names the field, the value and the range", () => {
    const base = {
      ecsServiceName: "svc",
      firehoseDeliveryStreamName: "stream",
      firehoseRegion: "eu-west-1",
      appLogGroupName: "/ecs/t/svc",
    };
    for (const port of [0, 65536, 5049.5]) {
      expect(() => logRouterContainerSettings({ ...base, logstash: { host: "ls", port } })).toThrow(
        `logstash.port: ${port} is out of range; expected an integer from 1 to 65535`,
      );
    }
    expect(() => logRouterContainerSettings({ ...base, logstash: { host: "ls bad" } })).toThrow(
      /logstash\.host: "ls bad"/,
    );
    expect(() => logRouterContainerSettings({ ...base, firehoseRegion: "" })).toThrow(
      "FIREHOSE_REGION: must not be empty",
    );
  });

  it("when the values are unresolved tokens, then they pass through unchecked", () => {
    const host = Token.asString({ resolve: () => "logstash.internal" });
    const s = logRouterContainerSettings({
      ecsServiceName: "svc",
      firehoseDeliveryStreamName: Token.asString({ resolve: () => "stream" }),
      firehoseRegion: "eu-west-1",
      appLogGroupName: Token.asString({ resolve: () => "/ecs/t/svc" }),
      logstash: { host, port: Token.asNumber({ resolve: () => 5049 }) },
    });
    expect(s.environment.find((e) => e.name === "LOGSTASH_HOST")?.value).toBe(host);
  });

  it("when an entry file's health-check filter is read, then it drops exactly the contract's paths", () => {
    const grep = readClassicConfig(logRouterConfigFile({ dropHealthChecks: true, logstash: false })).find(
      (s) => s.kind === "FILTER" && get(s, "Name") === "grep",
    )!;
    const pathRule = getAll(grep, "Exclude").find((r) => r.startsWith("path "))!;
    const regex = new RegExp(pathRule.slice(5));
    expect(HEALTH_CHECK_PATHS.every((p) => regex.test(p))).toBe(true);
    expect(["/healthzz", "/api/healthz", "/work", "/"].some((p) => regex.test(p))).toBe(false);
  });
});

describe("the CloudWatch copy of app records", () => {
  it("when any entry file is read, then app records also go to the service's log group (metric filters read it), which Fluent Bit never creates", () => {
    const out = readFileSync(join(__dirname, "../../fluent-bit/config/output-cloudwatch.conf"), "utf8");
    expect(out).toMatch(/Name\s+cloudwatch_logs/);
    expect(out).toMatch(/log_group_name\s+\$\{APP_LOG_GROUP\}/);
    expect(out).toMatch(/auto_create_group\s+false/);
    for (const opts of LOG_ROUTER_VARIANTS) {
      expect(readFileSync(sourcePath(logRouterConfigFile(opts)), "utf8")).toContain(
        "@INCLUDE /fluent-bit/fargate-connect/output-cloudwatch.conf",
      );
    }
  });
});
