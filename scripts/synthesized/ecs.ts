import { type Ref, refOf, refsOf, refKey, resolve } from "./refs";
import type { Block, Resource, Synth } from "./synth";
import { num, list } from "./values";

export interface ContainerFacts {
  readonly name: string;
  readonly image: string;
  readonly logDriver?: string;
  /** This container is the task's FireLens log router. */
  readonly firelens: boolean;
  readonly environment: Readonly<Record<string, string>>;
  /** The raw definition, for references inside it. */
  readonly definition: Block;
}

export interface TaskFacts {
  readonly resource: Resource;
  readonly cpuUnits: number;
  readonly memoryMiB: number;
  readonly cpuArchitecture: string;
  readonly operatingSystem: string;
  readonly ephemeralStorageGiB: number;
  readonly containers: readonly ContainerFacts[];
}

/** One entry of a capacity provider strategy. */
export interface CapacityShare {
  readonly provider: string;
  readonly base: number;
  readonly weight: number;
}

export interface ServiceConnectServer {
  readonly discoveryName?: string;
  readonly portName?: string;
  readonly aliases: readonly { readonly dnsName: string; readonly port: number }[];
}

/** What the synth says about one ECS service, read from resource types and attributes only. */
export interface EcsServiceFacts {
  readonly resource: Resource;
  readonly name: string;
  readonly task?: TaskFacts;
  readonly desiredCount: number;
  /** Its Application Auto Scaling target, when it has one. */
  readonly scaling?: { readonly min: number; readonly max: number; readonly resource: Resource };
  readonly launchType?: string;
  /** The strategy tasks are placed by: the service's own, else the cluster default. */
  readonly strategy: readonly CapacityShare[];
  readonly strategySource: "service" | "cluster" | "none";
  readonly securityGroups: readonly Ref[];
  readonly serviceConnect?: { readonly enabled: boolean; readonly servers: readonly ServiceConnectServer[] };
  /** Target groups the service registers with (blue and, for blue/green, the alternate). */
  readonly targetGroups: readonly Ref[];
  /** Firehose delivery streams the task's FireLens router writes to. */
  readonly firehoseStreams: readonly Ref[];
  /** The task runs an ADOT collector or X-Ray daemon exporting to X-Ray. */
  readonly tracesToXray: boolean;
}

/** Every ECS service of the synth, in stack order. */
export function ecsServices(synth: Synth): EcsServiceFacts[] {
  return synth.resources("aws_ecs_service").map((r) => serviceFacts(synth, r));
}

/** Tasks the estimate counts: the autoscaling minimum where there is a scaling target, else desired_count. */
export function baselineTaskCount(s: EcsServiceFacts): number {
  return s.scaling ? s.scaling.min : s.desiredCount;
}

function serviceFacts(synth: Synth, r: Resource): EcsServiceFacts {
  const b = r.body;
  const taskRef = refOf(synth, r.stack, b.task_definition);
  const taskRes = taskRef?.type === "aws_ecs_task_definition" ? resolve(synth, taskRef) : undefined;
  const task = taskRes ? taskFacts(taskRes) : undefined;
  const own = strategyOf(b.capacity_provider_strategy);
  const clusterDefault = own.length === 0 && b.launch_type === undefined ? clusterStrategy(synth, r) : [];
  const sc = b.service_connect_configuration as Block | undefined;
  const containers = task?.containers ?? [];
  return {
    resource: r,
    name: typeof b.name === "string" ? b.name : r.name,
    task,
    desiredCount: num(b.desired_count, 0),
    scaling: scalingTarget(synth, r),
    launchType: typeof b.launch_type === "string" ? b.launch_type : undefined,
    strategy: own.length > 0 ? own : clusterDefault,
    strategySource: own.length > 0 ? "service" : clusterDefault.length > 0 ? "cluster" : "none",
    securityGroups: refsOf(synth, r.stack, (b.network_configuration as Block | undefined)?.security_groups).filter(
      (ref) => ref.type === "aws_security_group",
    ),
    serviceConnect: sc
      ? {
          enabled: sc.enabled !== false,
          servers: list(sc.service).map((s) => ({
            discoveryName: typeof s.discovery_name === "string" ? s.discovery_name : undefined,
            portName: typeof s.port_name === "string" ? s.port_name : undefined,
            aliases: list(s.client_alias).map((a) => ({ dnsName: String(a.dns_name), port: num(a.port, 0) })),
          })),
        }
      : undefined,
    targetGroups: list(b.load_balancer)
      .flatMap((lb) =>
        refsOf(synth, r.stack, [lb.target_group_arn, (lb.advanced_configuration as Block)?.alternate_target_group_arn]),
      )
      .filter((ref) => ref.type === "aws_lb_target_group"),
    firehoseStreams: dedupe(
      containers
        .filter((c) => c.firelens)
        .flatMap((c) => refsOf(synth, r.stack, c.definition))
        .filter((ref) => ref.type === "aws_kinesis_firehose_delivery_stream"),
    ),
    tracesToXray: containers.some(
      (c) =>
        /aws-otel-collector|aws-xray-daemon/.test(c.image) ||
        Object.values(c.environment).some((v) => /\bawsxray\b/.test(v)),
    ),
  };
}

function dedupe(refs: Ref[]): Ref[] {
  const seen = new Map(refs.map((r) => [refKey(r), { stack: r.stack, type: r.type, name: r.name }]));
  return [...seen.values()].sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

function taskFacts(r: Resource): TaskFacts {
  const b = r.body;
  const platform = (b.runtime_platform ?? {}) as Block;
  let definitions: Block[] = [];
  try {
    const parsed: unknown = typeof b.container_definitions === "string" ? JSON.parse(b.container_definitions) : [];
    definitions = Array.isArray(parsed) ? (parsed as Block[]) : [];
  } catch {
    definitions = [];
  }
  return {
    resource: r,
    cpuUnits: num(b.cpu, 0),
    memoryMiB: num(b.memory, 0),
    cpuArchitecture: typeof platform.cpu_architecture === "string" ? platform.cpu_architecture : "X86_64",
    operatingSystem: typeof platform.operating_system_family === "string" ? platform.operating_system_family : "LINUX",
    ephemeralStorageGiB: num((b.ephemeral_storage as Block | undefined)?.size_in_gib, 20),
    containers: definitions.map((d) => ({
      name: String(d.name ?? ""),
      image: String(d.image ?? ""),
      logDriver:
        typeof (d.logConfiguration as Block)?.logDriver === "string"
          ? String((d.logConfiguration as Block).logDriver)
          : undefined,
      firelens: d.firelensConfiguration !== undefined,
      environment: Object.fromEntries(list(d.environment).map((e) => [String(e.name), String(e.value ?? "")])),
      definition: d,
    })),
  };
}

function strategyOf(value: unknown): CapacityShare[] {
  return list(value).map((s) => ({
    provider: String(s.capacity_provider),
    base: num(s.base, 0),
    weight: num(s.weight, 0),
  }));
}

/** The default strategy of the cluster the service runs in (aws_ecs_cluster_capacity_providers). */
function clusterStrategy(synth: Synth, service: Resource): CapacityShare[] {
  const cluster = refsOf(synth, service.stack, service.body.cluster).find((r) => r.type === "aws_ecs_cluster");
  if (!cluster) return [];
  const providers = synth
    .resources("aws_ecs_cluster_capacity_providers")
    .find((p) => refsOf(synth, p.stack, p.body.cluster_name).some((r) => refKey(r) === refKey(cluster)));
  return providers ? strategyOf(providers.body.default_capacity_provider_strategy) : [];
}

function scalingTarget(synth: Synth, service: Resource): EcsServiceFacts["scaling"] {
  const key = refKey(service);
  const target = synth
    .resources("aws_appautoscaling_target")
    .find(
      (t) =>
        t.body.scalable_dimension === "ecs:service:DesiredCount" &&
        refsOf(synth, t.stack, t.body.resource_id).some((r) => refKey(r) === key),
    );
  return target
    ? { min: num(target.body.min_capacity, 0), max: num(target.body.max_capacity, 0), resource: target }
    : undefined;
}
