import { spawnSync } from "node:child_process";
import { App, Testing } from "cdktn";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import devRaw from "../../config/dev";
import { parseCatalog } from "../../scripts/pipeline/catalog";
import { runCatalog, serviceCatalog, type ServiceCatalog } from "../../scripts/services-catalog";
import { parseEnvConfig } from "../../config/schema";
import { NetworkStack } from "../../stacks/network";
import { PlatformStack } from "../../stacks/platform";
import { devWith } from "../helpers/config";
import { resourcesOf, type TfJson } from "../helpers/terraform";

const ROOT = resolve(__dirname, "../..");

function run(argv: string[], environments?: Readonly<Record<string, unknown>>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runCatalog(argv, { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) }, environments);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("services:catalog", () => {
  it("when run for dev, then it lists both example services with their build, platform, outputs and tag variables", () => {
    const { code, stdout, stderr } = run(["--env", "dev"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual({
      environment: "dev",
      services: [
        {
          name: "caller",
          build: { app: "caller", dockerfile: "apps/Dockerfile" },
          image: null,
          platform: "linux/amd64",
          repositoryOutput: "callerRepositoryUrl",
          imageTagVariable: "caller_image_tag",
          serviceNameOutput: "callerServiceName",
        },
        {
          name: "responder",
          build: { app: "responder", dockerfile: "apps/Dockerfile" },
          image: null,
          platform: "linux/amd64",
          repositoryOutput: "responderRepositoryUrl",
          imageTagVariable: "responder_image_tag",
          serviceNameOutput: "responderServiceName",
        },
      ],
      logRouter: {
        repositoryOutput: "logRouterRepositoryUrl",
        imageTagVariable: "log_router_image_tag",
        platforms: ["linux/amd64"],
      },
      clusterNameOutput: "clusterName",
    } satisfies ServiceCatalog);
  });

  it("when a service uses an external image, runs on ARM64, or logs with awslogs, then the catalog says so and the platform builds no repository for it", () => {
    const config = parseEnvConfig(
      "dev",
      devWith((c) => {
        c.services.caller.cpuArchitecture = "ARM64";
        c.services["order-api"] = {
          exposure: "internal",
          image: "public.ecr.aws/acme/order-api",
          imageTag: "2.4.1",
          port: 9000,
          logging: "awslogs",
        };
      }),
    );
    const catalog = serviceCatalog(config);
    expect(catalog.services.find((s) => s.name === "order-api")).toEqual({
      name: "order-api",
      build: null,
      image: "public.ecr.aws/acme/order-api",
      platform: "linux/amd64",
      repositoryOutput: null,
      imageTagVariable: "order_api_image_tag",
      serviceNameOutput: "orderApiServiceName",
    });
    expect(catalog.services.find((s) => s.name === "caller")!.platform).toBe("linux/arm64");
    // The router runs beside every FireLens service: the caller (ARM64) and the responder (x86-64).
    expect(catalog.logRouter.platforms).toEqual(["linux/amd64", "linux/arm64"]);

    const app = new App();
    const network = new NetworkStack(app, "network", { config });
    const platform = JSON.parse(Testing.synth(new PlatformStack(app, "platform", { config, network }))) as TfJson;
    expect(
      Object.values(resourcesOf(platform, "aws_ecr_repository"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(["fc-dev/caller", "fc-dev/log-router", "fc-dev/responder"]);
    for (const s of catalog.services) {
      if (s.repositoryOutput) expect(platform.output![s.repositoryOutput], s.name).toBeDefined();
    }
    expect(Object.keys(platform.output!).filter((k) => k.startsWith("orderApi"))).toEqual([]);
  });

  it.each([
    [["--env", "staging"], /--env: unknown environment "staging"; expected one of: dev, prod/],
    [[], /--env needs an environment: one of dev, prod/],
    [["--env"], /--env needs an environment/],
    [["--environment", "dev"], /unknown argument "--environment"/],
  ])("when argv is %j, then it exits 1 with the reason on stderr and nothing on stdout", (argv, message) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
  });

  it("when the environment's config is invalid, then the config error is the reason", () => {
    const bad = { dev: devWith((c) => (c.services.caller.connectsTo = ["nobody"])) };
    const { code, stdout, stderr } = run(["--env", "dev"], bad);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('services.caller.connectsTo.0: got "nobody"');
  });

  it(
    "when run through npm -s, then stdout is exactly the JSON document (what the workflows parse)",
    { timeout: 60_000 },
    () => {
      const result = spawnSync("npm", ["run", "-s", "services:catalog", "--", "--env", "prod"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(result.status).toBe(0);
      const catalog = JSON.parse(result.stdout) as ServiceCatalog;
      expect(catalog.environment).toBe("prod");
      expect(catalog.services.map((s) => s.name)).toEqual(Object.keys(devRaw.services));
      // The workflows' own reader accepts it as is.
      expect(parseCatalog(catalog, "prod").services).toHaveLength(2);
    },
  );
});
