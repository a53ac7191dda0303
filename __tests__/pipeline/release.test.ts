import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { run } from "../../scripts/pipeline";
import { parseCatalog } from "../../scripts/pipeline/catalog";
import { deployedTagVariables, imageBuilds, imagesInState, releaseVariables } from "../../scripts/pipeline/release";

const fixture = (name: string) => join(__dirname, "fixtures", name);
const catalog = (env: string) => parseCatalog(JSON.parse(readFileSync(fixture(`catalog-${env}.json`), "utf8")), env);

/** Runs the CLI in-process; returns its exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    readText: (p) => readFileSync(p, "utf8"),
    ecs: () => new ECSClient({ region: "eu-west-1" }),
  });
  return { code, out, err };
}

/** A `terraform show -json` state with one task definition per image list. */
function stateWith(...taskImages: string[][]): unknown {
  return {
    format_version: "1.0",
    values: {
      root_module: {
        resources: taskImages.map((images, i) => ({
          address: `aws_ecs_task_definition.t${i}`,
          type: "aws_ecs_task_definition",
          values: { container_definitions: JSON.stringify(images.map((image, j) => ({ name: `c${j}`, image }))) },
        })),
      },
    },
  };
}

describe("services catalog", () => {
  it("when a catalog breaks the contract, then the error names the file and each field", () => {
    const raw = JSON.parse(readFileSync(fixture("catalog-dev.json"), "utf8")) as {
      services: Record<string, unknown>[];
    };
    raw.services[0]!.platform = "linux/386";
    raw.services[1]!.repositoryOutput = null;
    raw.services[2]!.image = null;
    expect(() => parseCatalog(raw, "dev.json")).toThrow(
      /^dev\.json: not a services catalog:\n {2}- services\.0\.platform: .*"linux\/amd64"\|"linux\/arm64"/,
    );
    expect(() => parseCatalog(raw, "dev.json")).toThrow(
      "services.1.repositoryOutput: a service built here needs the platform output of its ECR repository",
    );
    expect(() => parseCatalog(raw, "dev.json")).toThrow("services.2.build: expected exactly one of build and image");
  });
});

describe("release images", () => {
  it("when two environments run a service on different platforms, then it is built once for both, with QEMU", () => {
    expect(imageBuilds([catalog("dev"), catalog("prod")])).toEqual([
      {
        image: "api",
        dockerfile: "apps/Dockerfile",
        context: ".",
        buildArg: "APP=api",
        platforms: "linux/amd64,linux/arm64",
        qemu: true,
      },
      {
        image: "log-router",
        dockerfile: "fluent-bit/Dockerfile",
        context: "fluent-bit",
        buildArg: "",
        platforms: "linux/amd64,linux/arm64",
        qemu: true,
      },
      {
        image: "worker",
        dockerfile: "apps/Dockerfile",
        context: ".",
        buildArg: "APP=worker",
        platforms: "linux/arm64",
        qemu: true,
      },
    ]);
  });

  it("when everything runs on amd64, then no build needs QEMU; external images are never built", async () => {
    const { code, out } = await cli("builds", "--catalog", fixture("catalog-dev.json"));
    expect(code).toBe(0);
    const matrix = JSON.parse(out) as { include: { image: string; qemu: boolean }[] };
    expect(matrix.include.map((b) => b.image)).toEqual(["api", "log-router", "worker"]);
    const amd64Only = parseCatalog(
      {
        ...catalog("prod"),
        services: [{ ...catalog("prod").services[0]!, platform: "linux/amd64" }],
        logRouter: { ...catalog("prod").logRouter, platforms: ["linux/amd64"] },
      },
      "x",
    );
    expect(imageBuilds([amd64Only]).map((b) => b.qemu)).toEqual([false, false]);
  });

  it("when no service of an environment logs through FireLens, then no log router is built, pushed or tagged", () => {
    const noRouter = parseCatalog(
      { ...catalog("prod"), logRouter: { ...catalog("prod").logRouter, platforms: [] } },
      "x",
    );
    expect(imageBuilds([noRouter]).map((b) => b.image)).not.toContain("log-router");
    expect(imageBuilds([catalog("prod")]).map((b) => b.image)).toContain("log-router");
    expect(releaseVariables(noRouter, "abc").some((v) => v.startsWith(`${noRouter.logRouter.imageTagVariable}=`))).toBe(
      false,
    );
  });

  it("when one service is built from different apps in two environments, then the build list is refused", () => {
    const other = parseCatalog(
      {
        ...catalog("prod"),
        services: [{ ...catalog("prod").services[0]!, build: { app: "other", dockerfile: "apps/Dockerfile" } }],
      },
      "x",
    );
    expect(() => imageBuilds([catalog("dev"), other])).toThrow(
      "service api: built as APP=api in one environment and APP=other in another; one image tag can hold only one build",
    );
  });

  it("when the platform is deployed, then each built image goes to its ECR repository and external ones nowhere", async () => {
    const { out } = await cli(
      "push-targets",
      "--catalog",
      fixture("catalog-dev.json"),
      "--outputs",
      fixture("outputs-dev.json"),
    );
    expect(out).toBe(
      [
        "api 210987654321.dkr.ecr.eu-west-1.amazonaws.com/fc-dev/api",
        "worker 210987654321.dkr.ecr.eu-west-1.amazonaws.com/fc-dev/worker",
        "log-router 210987654321.dkr.ecr.eu-west-1.amazonaws.com/fc-dev/log-router",
        "",
      ].join("\n"),
    );
  });

  it("when an output the catalog names is missing, then the command fails naming it and prints nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-pipe-"));
    writeFileSync(join(dir, "o.json"), JSON.stringify({ platform: { clusterName: "fc-dev" } }));
    let out = "";
    await expect(
      run(["push-targets", "--catalog", fixture("catalog-dev.json"), "--outputs", join(dir, "o.json")], {
        out: (t) => (out += t),
        err: () => undefined,
        readText: (p) => readFileSync(p, "utf8"),
        ecs: () => new ECSClient({}),
      }),
    ).rejects.toThrow(
      "platform output apiRepositoryUrl (repository of api) is missing: deploy the platform stack first",
    );
    expect(out).toBe("");
  });

  it("when a release deploys the services, then only built images and the log router get the commit's tag", async () => {
    const { out } = await cli("release-vars", "--catalog", fixture("catalog-dev.json"), "--tag", "0123abc");
    expect(out).toBe(
      "--var=api_image_tag=0123abc\n--var=worker_image_tag=0123abc\n--var=log_router_image_tag=0123abc\n",
    );
    await expect(cli("release-vars", "--catalog", fixture("catalog-dev.json"), "--tag", "-bad tag")).rejects.toThrow(
      'tag "-bad tag" is not a Docker tag',
    );
  });
});

describe("deployed image tags for plans", () => {
  const platformOutputs = JSON.parse(readFileSync(fixture("outputs-dev.json"), "utf8")).platform as Record<
    string,
    unknown
  >;
  const repo = (name: string) => platformOutputs[`${name}RepositoryUrl`] as string;

  it("when the task definitions run tags, then each image's variable gets its running tag", () => {
    const images = imagesInState(
      stateWith(
        [`${repo("api")}:abc123`, `${repo("logRouter")}:abc123`],
        [`${repo("worker")}:def456`, `${repo("logRouter")}:abc123`],
        ["public.ecr.aws/nginx/nginx:1.27"],
      ),
    );
    const warnings: string[] = [];
    expect(deployedTagVariables(catalog("dev"), platformOutputs, images, (m) => warnings.push(m))).toEqual([
      "api_image_tag=abc123",
      "worker_image_tag=def456",
      "proxy_image_tag=1.27",
      "log_router_image_tag=abc123",
    ]);
    expect(warnings).toEqual([]);
  });

  it("when an image is not running yet or runs two tags, then it gets no variable and a warning says why", () => {
    const images = [`${repo("api")}:a`, `${repo("api")}:b`, `${repo("logRouter")}:a`];
    const warnings: string[] = [];
    expect(deployedTagVariables(catalog("dev"), platformOutputs, images, (m) => warnings.push(m))).toEqual([
      "log_router_image_tag=a",
    ]);
    expect(warnings).toEqual([
      "api: runs several tags (a, b); planning with the configured tag",
      "worker: not running yet; planning with the configured tag",
      "proxy: not running yet; planning with the configured tag",
    ]);
  });

  it("when run by plan.yml, then it reads terraform output -json and the state and prints -var arguments", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fc-pipe-"));
    const tfOutputs = Object.fromEntries(
      Object.entries(platformOutputs).map(([k, value]) => [k, { value, type: "string", sensitive: false }]),
    );
    writeFileSync(join(dir, "platform.json"), JSON.stringify(tfOutputs));
    writeFileSync(join(dir, "state.json"), JSON.stringify(stateWith([`${repo("api")}:abc123`])));
    const { code, out, err } = await cli(
      "deployed-tag-vars",
      "--catalog",
      fixture("catalog-dev.json"),
      "--platform-outputs",
      join(dir, "platform.json"),
      "--state",
      join(dir, "state.json"),
    );
    expect(code).toBe(0);
    expect(out).toBe("-var=api_image_tag=abc123\n");
    expect(err).toContain("log-router: not running yet");
  });
});

describe("pipeline CLI input", () => {
  it("when a command or option is unknown or a file is not JSON, then it says which", async () => {
    await expect(cli("deploy-everything")).rejects.toThrow(
      /unknown command "deploy-everything"; expected one of: builds/,
    );
    await expect(cli("builds", "--catalogue", "x")).rejects.toThrow("unknown option --catalogue; allowed: --catalog");
    await expect(cli("builds", "--catalog", fixture("../release.test.ts"))).rejects.toThrow(
      /release\.test\.ts: not JSON/,
    );
  });
});
