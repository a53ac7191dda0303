import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readdirSync, readFileSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { isBuiltin } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, INSTRUMENTED_PACKAGES, NODE_TARGET, type BuiltApp } from "../../scripts/build-app";
import { IMAGE_NODE_FLAGS, IMAGE_NODE_OPTIONS } from "../../scripts/image-node-options";
import { SERVER_SPAN_SCOPE } from "../../apps/shared/src/tracing-settings";
import { createTestDatabase, eventually, uniquePrefix } from "./harness";

const ROOT = resolve(__dirname, "../..");
/** The image recipe whose Node settings the tests, chaos suite and benchmarks must match. */
const readDockerfile = () => readFileSync(join(ROOT, "apps", "Dockerfile"), "utf8");
const CLOSED_PORT = 1;

// The Dockerfile ships exactly this output (scripts/build-app.ts); run it as the container would.
let caller: BuiltApp;
let responder: BuiltApp;
beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "fc-bundle-"));
  [caller, responder] = await Promise.all([
    buildApp({ app: "caller", outDir: join(out, "caller") }),
    buildApp({ app: "responder", outDir: join(out, "responder") }),
  ]);
});

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly exit: Promise<number | null>;
  /** Everything printed so far. */
  readonly stdout: () => string;
}

/** Starts a bundle with only the given environment and waits for "<name> listening on <url>". */
async function run(bundle: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [...IMAGE_NODE_FLAGS, bundle], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      DEMO_ROUTES_ENABLED: "true",
      SHUTDOWN_DELAY_MS: "0",
      NODE_OPTIONS: IMAGE_NODE_OPTIONS.join(" "),
      ...env,
    },
  });
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((res, rej) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(stdout);
      if (m) res(m[1]!);
    });
    void exit.then((code) => rej(new Error(`exited ${code}: ${stdout}${stderr}`)));
  });
  return { child, url, exit, stdout: () => stdout };
}

/**
 * The part of OTLP's ExportTraceServiceRequest the tests read (field numbers as in
 * opentelemetry-proto's trace.proto, common.proto and resource.proto); the decoder skips the rest.
 */
const OTLP_SUBSET = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { string string_value = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; }
message Span { bytes trace_id = 1; string name = 5; }
`;
const ExportRequest = protobuf.parse(OTLP_SUBSET).root.lookupType("ExportTraceServiceRequest");

/** A stand-in OTLP/HTTP collector: keeps every body posted to /v1/traces, which must be protobuf. */
async function fakeCollector(): Promise<{ url: string; bodies: OtlpBody[]; close: () => Promise<void> }> {
  const bodies: OtlpBody[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url !== "/v1/traces") return res.writeHead(404).end();
      if (req.headers["content-type"] !== "application/x-protobuf") return res.writeHead(415).end();
      const message = ExportRequest.decode(Buffer.concat(chunks));
      bodies.push(ExportRequest.toObject(message, { bytes: String, arrays: true }) as OtlpBody);
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

interface OtlpBody {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: { name: string; traceId: string }[] }[];
  }[];
}

// Each test runs its own child processes: they run side by side.
describe.concurrent("production bundle", () => {
  it("when built, then it targets the images' Node and leaves exactly the instrumented packages to node_modules", () => {
    expect(NODE_TARGET).toBe("node22");
    expect(caller.externals).toEqual(["@redis/client", "express", "redis"]);
    expect(responder.externals).toEqual([...INSTRUMENTED_PACKAGES].sort());
    expect(caller.packages).toContain("node_modules/@redis/client");
    expect(caller.packages).not.toContain("node_modules/mysql2");
    expect(caller.packages.some((p) => p.includes("cdktf") || p.includes("winston"))).toBe(false);
  });

  it("when built, then OpenTelemetry's API is its CommonJS build, the one the SDK's own code requires", () => {
    const text = readFileSync(caller.bundle, "utf8");
    expect(text).toContain("// node_modules/@opentelemetry/api/build/src/index.js");
    expect(text).not.toContain("// node_modules/@opentelemetry/api/build/esm/");
  });

  it("when the image starts Node, then its NODE_OPTIONS are the ones the tests, chaos suite and benchmarks run with", () => {
    const dockerfile = readDockerfile();
    const options = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
    expect(options?.split(" ")).toEqual([...IMAGE_NODE_OPTIONS]);
    expect(IMAGE_NODE_OPTIONS).toContain("--experimental-async-context-frame");
  });

  it("when the image starts Node, then its command line carries the V8 flags the tests, chaos suite and benchmarks run with", () => {
    const dockerfile = readDockerfile();
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual([...IMAGE_NODE_FLAGS, "server.js"]);
    expect(IMAGE_NODE_FLAGS).toContain("--no-memory-reducer");
  });

  it("when the caller bundle starts, then it logs its URL as JSON, serves /healthz, and exits 0 on SIGTERM", async () => {
    const app = await run(caller.bundle, { REDIS_URL: "redis://127.0.0.1:6379" });
    // Every line is JSON, the startup line included, even at LOG_LEVEL=warn.
    expect(JSON.parse(app.stdout().trim().split("\n")[0]!)).toMatchObject({
      message: expect.stringMatching(/^caller listening on http/),
      url: app.url,
    });
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    app.child.kill("SIGTERM");
    expect(await app.exit).toBe(0);
  });

  it("when a variable is invalid, then the bundle exits 1 with one JSON line naming it", async () => {
    const child = spawn(process.execPath, [caller.bundle], { env: { PATH: process.env.PATH, PORT: "99999" } });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        service: "caller",
        errorType: "config_invalid",
        error: expect.stringContaining('PORT: got "99999"; expected an integer from 0 to 65535'),
      }),
    ]);
  });
});

describe.concurrent("production bundle with tracing", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("when OTEL_EXPORTER_OTLP_ENDPOINT is set, then the bundled responder exports its server, Redis and MySQL spans, flushed on SIGTERM", async () => {
    const collector = await fakeCollector();
    try {
      const app = await run(responder.bundle, {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: "responder",
        TRACES_SAMPLE_RATIO: "1",
        REDIS_KEY_PREFIX: uniquePrefix(),
        MYSQL_DATABASE: db.name,
      });
      expect((await fetch(`${app.url}/data`)).status).toBe(200);
      // The batch processor would wait 5 s: spans arriving now were flushed by the shutdown.
      app.child.kill("SIGTERM");
      expect(await app.exit).toBe(0);
      const resourceSpans = collector.bodies.flatMap((b) => b.resourceSpans);
      const serviceNames = resourceSpans.flatMap((r) =>
        r.resource.attributes.filter((a) => a.key === "service.name").map((a) => a.value.stringValue),
      );
      expect(new Set(serviceNames)).toEqual(new Set(["responder"]));
      const scopes = new Set(resourceSpans.flatMap((r) => r.scopeSpans.map((s) => s.scope.name)));
      expect(scopes).toContain(SERVER_SPAN_SCOPE);
      for (const lib of ["redis", "mysql2"]) {
        expect(scopes, lib).toContain(`@opentelemetry/instrumentation-${lib}`);
      }
    } finally {
      await collector.close();
    }
  });

  // The collector's awsproxy as the sampler sees it: one rule for the service, and Default.
  async function fakeXrayProxy(rule: { rate: number; reservoir: number }) {
    let ruleReads = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const record = (name: string, service: string, priority: number, rate: number, reservoir: number) => ({
          SamplingRule: {
            RuleName: name,
            Priority: priority,
            FixedRate: rate,
            ReservoirSize: reservoir,
            ServiceName: service,
            ServiceType: "*",
            Host: "*",
            HTTPMethod: "*",
            URLPath: "*",
            ResourceARN: "*",
            Version: 1,
          },
        });
        if (req.url === "/GetSamplingRules") ruleReads++;
        const body =
          req.url === "/GetSamplingRules"
            ? {
                SamplingRuleRecords: [
                  record("responder-rule", "responder", 10, rule.rate, rule.reservoir),
                  record("Default", "*", 10_000, 1, 1),
                ],
              }
            : { SamplingTargetDocuments: [], LastRuleModification: 0, UnprocessedStatistics: [] };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ruleReads: () => ruleReads,
      close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
    };
  }

  it.each([
    ["samples nothing (rate 0, no reservoir)", { rate: 0, reservoir: 0 }, 0],
    ["samples everything (rate 1)", { rate: 1, reservoir: 0 }, 10],
  ])(
    "when XRAY_SAMPLING_ENDPOINT is set and the service's X-Ray rule %s, then the rule decides, not TRACES_SAMPLE_RATIO",
    async (_name, rule, traces) => {
      const collector = await fakeCollector();
      const proxy = await fakeXrayProxy(rule);
      try {
        const app = await run(responder.bundle, {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          XRAY_SAMPLING_ENDPOINT: proxy.url,
          // The opposite of what the rule says, so the test sees which one decided.
          TRACES_SAMPLE_RATIO: rule.rate === 0 ? "1" : "0",
          SERVICE_NAME: "responder",
          REDIS_KEY_PREFIX: uniquePrefix(),
          MYSQL_DATABASE: db.name,
        });
        await eventually(() => proxy.ruleReads() > 0, 5_000);
        await new Promise((r) => setTimeout(r, 100));
        for (let i = 0; i < 10; i++) expect((await fetch(`${app.url}/data`)).status).toBe(200);
        app.child.kill("SIGTERM");
        expect(await app.exit).toBe(0);
        const serverSpans = collector.bodies
          .flatMap((b) => b.resourceSpans)
          .flatMap((r) => r.scopeSpans)
          .filter((s) => s.scope.name === SERVER_SPAN_SCOPE)
          .flatMap((s) => s.spans);
        expect(new Set(serverSpans.map((s) => s.traceId)).size).toBe(traces);
      } finally {
        await Promise.all([collector.close(), proxy.close()]);
      }
    },
    30_000,
  );

  // Two endpoints: nothing listening, and a collector that accepts but never answers.
  for (const kind of ["refuses connections", "never answers"] as const) {
    it(`when the collector ${kind}, then every request still succeeds and SIGTERM still exits 0 promptly`, async () => {
      const blackhole = createServer(() => undefined);
      await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
      const port = kind === "never answers" ? (blackhole.address() as AddressInfo).port : CLOSED_PORT;
      try {
        const app = await run(caller.bundle, {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          REDIS_KEY_PREFIX: uniquePrefix(),
          RESPONDER_URL: `http://127.0.0.1:${CLOSED_PORT}`,
        });
        const statuses = await Promise.all(
          Array.from({ length: 20 }, () => fetch(`${app.url}/work?ms=1`).then((r) => r.status)),
        );
        expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
        const started = Date.now();
        app.child.kill("SIGTERM");
        expect(await app.exit).toBe(0);
        // The span flush at exit is capped at 1 s, whatever the collector does (generous: shared CPU).
        expect(Date.now() - started).toBeLessThan(8_000);
      } finally {
        blackhole.closeAllConnections();
        await new Promise((r) => blackhole.close(r));
      }
    }, 60_000);
  }
});

describe("the apps' manifest (apps/package.json, the npm workspace the images install)", () => {
  const manifest = (path: string) =>
    JSON.parse(readFileSync(join(ROOT, path), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
  const apps = manifest("apps/package.json");
  const root = manifest("package.json");

  it("when an app file imports a package, then apps/package.json declares it", () => {
    const files = readdirSync(join(ROOT, "apps"), { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && !f.includes("node_modules"),
    );
    const imported = new Set<string>();
    for (const file of files) {
      for (const [, spec] of readFileSync(join(ROOT, "apps", file), "utf8").matchAll(/from "([^".][^"]*)"/g)) {
        if (isBuiltin(spec!)) continue;
        imported.add(
          spec!
            .split("/")
            .slice(0, spec!.startsWith("@") ? 2 : 1)
            .join("/"),
        );
      }
    }
    const undeclared = [...imported].filter((name) => !(name in apps.dependencies));
    expect(undeclared).toEqual([]);
  });

  it("when a package is declared by both the root and the apps, then the versions are the same", () => {
    const all = (m: typeof apps) => ({ ...m.dependencies, ...m.devDependencies });
    const rootAll = all(root);
    const differing = Object.entries(all(apps)).filter(([name, v]) => name in rootAll && rootAll[name] !== v);
    expect(differing).toEqual([]);
  });
});
