import { beforeAll, describe, expect, it } from "vitest";
import devRaw from "../../config/dev";
import { parseEnvConfig } from "../../config/schema";
import { parseLabArgs } from "../../scripts/lab";
import { serviceCatalog } from "../../scripts/services-catalog";
import { addresses, dataOf, resourcesOf, synthApp, type TfJson } from "../helpers/terraform";

type Block = Record<string, unknown>;
type Container = {
  name: string;
  image: string;
  environment: { name: string; value: string }[];
  secrets?: { name: string }[];
};

/** docs/adding-a-service.md's example, in config only: an internal worker that calls the responder and uses the cache. */
const WORKER = {
  exposure: "internal",
  app: "responder",
  imageTag: "0.1.0",
  port: 8082,
  connectsTo: ["responder"],
  cache: true,
} as const;

const withWorker = () => {
  const raw = structuredClone(devRaw) as unknown as { services: Record<string, unknown> };
  raw.services.worker = WORKER;
  return raw;
};

let before: Record<string, TfJson>;
let after: Record<string, TfJson>;
beforeAll(() => {
  before = synthApp(parseEnvConfig("dev", structuredClone(devRaw))).stacks;
  after = synthApp(parseEnvConfig("dev", withWorker())).stacks;
});

const REMOTE = /\$\{data\.terraform_remote_state\.cross_stack_reference_input_(\w+)\.outputs\.(\w+)\}/;
/** What a cross-stack reference in `after` points at, in its own stack. */
const remote = (ref: unknown) => {
  const m = REMOTE.exec(String(ref))!;
  return after[m[1]!]!.output![m[2]!]!.value;
};
const containers = (json: TfJson, service: string) =>
  JSON.parse(
    resourcesOf(json, "aws_ecs_task_definition")[`${service}_task`]!.container_definitions as string,
  ) as Container[];
const envOf = (c: Container) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

describe("adding a service in config only", () => {
  it("when the worker is added, then the platform builds an ECR repository for it and outputs its URL", () => {
    expect(resourcesOf(after.platform!, "aws_ecr_repository").ecr_worker_repository).toMatchObject({
      name: "fc-dev/worker",
      image_tag_mutability: "IMMUTABLE",
    });
    expect(after.platform!.output!.workerRepositoryUrl!.value).toBe(
      "${aws_ecr_repository.ecr_worker_repository.repository_url}",
    );
  });

  it("when the worker is added, then it has its own task definition running the responder's image build from its own repository and tag", () => {
    const td = resourcesOf(after.services!, "aws_ecs_task_definition").worker_task!;
    expect(td).toMatchObject({ family: "fc-dev-worker", cpu: "256", memory: "512" });
    const [app] = containers(after.services!, "worker");
    expect(app!.name).toBe("worker");
    expect(remote(app!.image.split(":$")[0])).toBe("${aws_ecr_repository.ecr_worker_repository.repository_url}");
    expect(app!.image).toMatch(/:\$\{var\.worker_image_tag\}$/);
    expect((after.services as unknown as { variable: Record<string, Block> }).variable.worker_image_tag).toMatchObject({
      default: "0.1.0",
    });
  });

  it("when the worker connects to the responder, then the worker's egress and the responder's ingress on the responder's port exist", () => {
    const egress = resourcesOf(after.services!, "aws_vpc_security_group_egress_rule").worker_sg_egress_app_to_responder;
    const ingress = resourcesOf(
      after.services!,
      "aws_vpc_security_group_ingress_rule",
    ).responder_sg_ingress_app_from_worker;
    expect(egress).toMatchObject({
      security_group_id: "${aws_security_group.worker_sg_sg.id}",
      referenced_security_group_id: "${aws_security_group.responder_sg_sg.id}",
      from_port: 8081,
      to_port: 8081,
    });
    expect(ingress).toMatchObject({
      security_group_id: "${aws_security_group.responder_sg_sg.id}",
      referenced_security_group_id: "${aws_security_group.worker_sg_sg.id}",
      from_port: 8081,
      to_port: 8081,
    });
    // Internal: nothing else may reach the worker.
    const workerIngress = Object.keys(resourcesOf(after.services!, "aws_vpc_security_group_ingress_rule")).filter((k) =>
      k.startsWith("worker_"),
    );
    expect(workerIngress).toEqual([]);
  });

  it("when the worker runs, then Service Connect publishes it as worker:8082 and it reaches the responder at RESPONDER_URL", () => {
    const svc = resourcesOf(after.services!, "aws_ecs_service").worker_service!;
    expect(svc.service_connect_configuration).toMatchObject({
      service: [{ discovery_name: "worker", client_alias: { dns_name: "worker", port: 8082 } }],
    });
    const env = envOf(containers(after.services!, "worker")[0]!);
    expect(env).toMatchObject({
      SERVICE_NAME: "worker",
      PORT: "8082",
      RESPONDER_URL: "http://responder:8081",
      REDIS_KEY_PREFIX: "worker:",
      SHUTDOWN_TIMEOUT_MS: "25000",
      DEMO_ROUTES_ENABLED: "true",
    });
    expect(env.REDIS_URL).toMatch(/^rediss:\/\//);
    expect(Object.keys(env).filter((k) => k.startsWith("MYSQL_"))).toEqual([]);
    expect(containers(after.services!, "worker")[0]!.secrets!.map((s) => s.name)).toEqual(["REDIS_AUTH_TOKEN"]);
    const groups = (svc.network_configuration as { security_groups: string[] }).security_groups;
    expect(groups).toHaveLength(2);
    expect(remote(groups[1])).toBe("${aws_security_group.cache_client_security_group_sg.id}");
  });

  it("when the worker is monitored, then it has deployment alarms, ops alarms, log metric filters and dashboard widgets of its own", () => {
    const alarmNames = (json: TfJson) =>
      Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => String(a.alarm_name));
    expect(alarmNames(after.services!)).toEqual(
      expect.arrayContaining(["fc-dev-worker-target-5xx", "fc-dev-worker-latency"]),
    );
    expect(alarmNames(after.ops!)).toEqual(
      expect.arrayContaining([
        "fc-dev-worker-tasks-below-desired",
        "fc-dev-worker-cpu-high",
        "fc-dev-worker-memory-high",
      ]),
    );
    const filters = Object.values(resourcesOf(after.ops!, "aws_cloudwatch_log_metric_filter")).filter((f) =>
      String(f.name).startsWith("worker-"),
    );
    expect(filters.map((f) => f.name)).toContain("worker-status-5xx");
    expect(remote(filters[0]!.log_group_name)).toBe("${aws_cloudwatch_log_group.worker_logs.name}");
    const dashboard = Object.values(resourcesOf(after.ops!, "aws_cloudwatch_dashboard"))[0]!;
    const titles = (JSON.parse(dashboard.dashboard_body as string) as { widgets: { properties: Block }[] }).widgets.map(
      (w) => String(w.properties.title ?? w.properties.markdown),
    );
    expect(titles).toEqual(
      expect.arrayContaining([
        "worker: CPU and memory (%)",
        "worker: running vs desired tasks",
        expect.stringMatching(/^worker: Service Connect 5xx/),
      ]),
    );
  });

  it("when FIS is on, then the worker gets stop-tasks and CPU stress, and its edge to the responder a latency and a blackhole of port 8081", () => {
    const templates = Object.fromEntries(
      Object.values(resourcesOf(after.ops!, "aws_fis_experiment_template")).map((t) => [
        String((t.action as Block[])[0]!.name),
        t,
      ]),
    );
    expect(Object.keys(templates)).toEqual(
      expect.arrayContaining([
        "stop-worker-tasks",
        "worker-cpu-stress",
        "worker-responder-latency",
        "worker-responder-blackhole",
      ]),
    );
    const blackhole = (templates["worker-responder-blackhole"]!.action as Block[])[0]!.parameter as Block[];
    expect(blackhole).toEqual(expect.arrayContaining([{ key: "port", value: "8081" }]));
    const target = (templates["worker-responder-blackhole"]!.target as Block[])[0]!;
    expect(remote((target.parameters as Block).service)).toBe("${aws_ecs_service.worker_service.name}");
  });

  it("when the lab is asked, then it offers the worker and its failure-mode parameter exists", () => {
    expect(parseLabArgs(["status"], { dev: withWorker() }).services).toEqual(["caller", "responder", "worker"]);
    expect(parseLabArgs(["set", "slow", "--service", "worker"], { dev: withWorker() }).services).toEqual(["worker"]);
    expect(resourcesOf(after.services!, "aws_ssm_parameter").worker_failure_mode).toMatchObject({
      name: "/fc-dev/worker/failure-mode",
    });
  });

  it("when CI reads the catalog, then the worker is built from apps/responder and every output and variable it names exists", () => {
    const catalog = serviceCatalog(parseEnvConfig("dev", withWorker()));
    expect(catalog.services.find((s) => s.name === "worker")).toMatchObject({
      build: { app: "responder", dockerfile: "apps/Dockerfile" },
      repositoryOutput: "workerRepositoryUrl",
    });
    const variables = (after.services as unknown as { variable: Record<string, Block> }).variable;
    for (const s of catalog.services) {
      expect(after.platform!.output![s.repositoryOutput!], s.name).toBeDefined();
      expect(variables[s.imageTagVariable], s.name).toBeDefined();
      expect(after.services!.output![s.serviceNameOutput]!.value).toBe(`\${aws_ecs_service.${s.name}_service.name}`);
    }
    expect(after.platform!.output![catalog.logRouter.repositoryOutput]).toBeDefined();
    expect(variables[catalog.logRouter.imageTagVariable]).toBeDefined();
    expect(after.platform!.output![catalog.clusterNameOutput]!.value).toBe("${aws_ecs_cluster.ecs_cluster.name}");
  });

  it("when the worker is added, then no address of the other services changed and every new address is the worker's", () => {
    for (const stack of Object.keys(before)) {
      const old = new Set(addresses(before[stack]!));
      const now = addresses(after[stack]!);
      expect(
        [...old].filter((a) => !now.includes(a)),
        stack,
      ).toEqual([]);
      const added = now.filter((a) => !old.has(a));
      for (const a of added) expect(a, stack).toMatch(/worker/);
    }
    expect(addresses(after.services!).filter((a) => a.includes("worker")).length).toBeGreaterThan(15);
    // The other services' task definitions and ECS services are not even touched.
    for (const service of ["caller", "responder"]) {
      expect(resourcesOf(after.services!, "aws_ecs_task_definition")[`${service}_task`]).toEqual(
        resourcesOf(before.services!, "aws_ecs_task_definition")[`${service}_task`],
      );
    }
    expect(dataOf(after.services!, "aws_iam_policy_document").caller_task_role_policy_document).toEqual(
      dataOf(before.services!, "aws_iam_policy_document").caller_task_role_policy_document,
    );
  });
});
