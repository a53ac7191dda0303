import { baselineTaskCount, ecsServices, type EcsServiceFacts } from "../synthesized/ecs";
import { type Ref, refKey, refsOf } from "../synthesized/refs";
import { groupIngress, portText } from "../synthesized/security-groups";
import type { Block, Resource, Synth } from "../synthesized/synth";
import { list, literal as str } from "../synthesized/values";

export type Shape = "box" | "round" | "database" | "circle" | "stadium";

export interface DiagramNode {
  readonly id: string;
  readonly lines: readonly string[];
  readonly shape: Shape;
  /** The group (subgraph) the node sits in; undefined: top level. */
  readonly group?: string;
}

export interface DiagramGroup {
  readonly id: string;
  readonly label: string;
  readonly parent?: string;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style: "solid" | "dotted";
}

/** An environment's architecture as a graph, derived from resource types and attributes only. */
export interface Architecture {
  readonly groups: readonly DiagramGroup[];
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** A Mermaid-safe id for a resource. */
export const idOf = (r: { stack: string; type: string; name: string }): string =>
  `${r.stack}_${r.type.replace(/^aws_/, "")}_${r.name}`.replace(/[^A-Za-z0-9_]/g, "_");

const INTERNET = "internet";

/** Builds the architecture graph of one environment's synth. */
export function architecture(synth: Synth): Architecture {
  const b = new Builder(synth);
  b.network();
  b.edge();
  b.ecs();
  b.dataStores();
  b.pipelines();
  b.alarms();
  return b.result();
}

class Builder {
  private readonly groups: DiagramGroup[] = [];
  private readonly nodes: DiagramNode[] = [];
  private readonly edges: DiagramEdge[] = [];
  private readonly services: EcsServiceFacts[];
  private publicTier?: string;
  private privateTier?: string;
  private cluster?: string;

  constructor(private readonly synth: Synth) {
    this.services = ecsServices(synth);
  }

  result(): Architecture {
    const seen = new Set<string>();
    const edges = this.edges.filter((e) => {
      const key = `${e.from}>${e.to}>${e.label ?? ""}>${e.style}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { groups: this.groups, nodes: this.nodes, edges };
  }

  private node(n: DiagramNode): string {
    if (!this.nodes.some((x) => x.id === n.id)) this.nodes.push(n);
    return n.id;
  }

  private link(from: string, to: string, label?: string, style: DiagramEdge["style"] = "solid"): void {
    this.edges.push({ from, to, label, style });
  }

  /** VPC, its public and private tiers (by route: a default route to an internet gateway is public), NAT, endpoints. */
  network(): void {
    const vpc = this.synth.resources("aws_vpc")[0];
    if (!vpc) return;
    const tiers = this.subnetTiers();
    const vpcId = idOf(vpc);
    this.groups.push({
      id: vpcId,
      label: `VPC ${str(vpc.body.cidr_block) ?? ""} · ${plural(Math.max(tiers.public, tiers.private), "AZ")}`.trim(),
    });
    this.publicTier = `${vpcId}_public`;
    this.privateTier = `${vpcId}_private`;
    this.groups.push({ id: this.publicTier, label: `public subnets × ${tiers.public}`, parent: vpcId });
    this.groups.push({ id: this.privateTier, label: `private subnets × ${tiers.private}`, parent: vpcId });
    const igw = this.synth.resources("aws_internet_gateway")[0];
    const nats = this.synth.resources("aws_nat_gateway");
    if (igw) this.node({ id: idOf(igw), lines: ["Internet gateway"], shape: "box", group: vpcId });
    if (nats.length > 0) {
      const nat = this.node({
        id: idOf(nats[0]!),
        lines: [`NAT gateway × ${nats.length}`],
        shape: "box",
        group: this.publicTier,
      });
      if (igw) this.link(nat, idOf(igw));
    }
    if (igw) this.link(idOf(igw), INTERNET);
    const endpoints = this.synth.resources("aws_vpc_endpoint");
    if (endpoints.length > 0) {
      const names = (type: string) =>
        endpoints
          .filter((e) => (e.body.vpc_endpoint_type ?? "Gateway") === type)
          .map((e) => (str(e.body.service_name) ?? e.name).replace(/^com\.amazonaws\.[a-z0-9-]+\./, ""))
          .sort();
      const lines = ["VPC endpoints"];
      if (names("Interface").length > 0) lines.push(`interface: ${names("Interface").join(", ")}`);
      if (names("Gateway").length > 0) lines.push(`gateway: ${names("Gateway").join(", ")}`);
      this.node({ id: idOf(endpoints[0]!), lines, shape: "box", group: this.privateTier });
    }
  }

  private subnetTiers(): { public: number; private: number } {
    const publicTables = new Set(
      this.synth
        .resources("aws_route")
        .filter((r) => refsOf(this.synth, r.stack, r.body.gateway_id).some((g) => g.type === "aws_internet_gateway"))
        .flatMap((r) => refsOf(this.synth, r.stack, r.body.route_table_id).map(refKey)),
    );
    const publicSubnets = new Set(
      this.synth
        .resources("aws_route_table_association")
        .filter((a) => refsOf(this.synth, a.stack, a.body.route_table_id).some((t) => publicTables.has(refKey(t))))
        .flatMap((a) => refsOf(this.synth, a.stack, a.body.subnet_id).map(refKey)),
    );
    const subnets = this.synth.resources("aws_subnet");
    const pub = subnets.filter((s) => publicSubnets.has(refKey(s))).length;
    return { public: pub, private: subnets.length - pub };
  }

  /** Internet → WAF → ALB, the ALB's listeners, and access logs. */
  edge(): void {
    this.node({ id: INTERNET, lines: ["Internet"], shape: "circle" });
    for (const lb of this.synth.resources("aws_lb")) {
      const listeners = this.synth
        .resources("aws_lb_listener")
        .filter((l) => this.pointsAt(l, l.body.load_balancer_arn, lb))
        .sort((x, y) => Number(x.body.port) - Number(y.body.port));
      const lines = [`ALB ${str(lb.body.name) ?? lb.name}${lb.body.internal === true ? " (internal)" : ""}`];
      for (const l of listeners)
        lines.push(`${String(l.body.protocol ?? "HTTP")} :${String(l.body.port)}${defaultAction(l.body)}`);
      const alb = this.node({
        id: idOf(lb),
        lines,
        shape: "box",
        group: lb.body.internal === true ? this.privateTier : this.publicTier,
      });
      const acl = this.synth
        .resources("aws_wafv2_web_acl_association")
        .filter((a) => this.pointsAt(a, a.body.resource_arn, lb))
        .flatMap((a) => refsOf(this.synth, a.stack, a.body.web_acl_arn))
        .map((r) => this.synth.resource(r.stack, r.type, r.name))
        .find((r): r is Resource => r !== undefined);
      if (acl) {
        const waf = this.node({ id: idOf(acl), lines: wafLines(acl), shape: "box" });
        this.link(INTERNET, waf);
        this.link(waf, alb);
      } else if (lb.body.internal !== true) this.link(INTERNET, alb);
      const logs = lb.body.access_logs as Block | undefined;
      const bucket =
        logs?.enabled === false
          ? undefined
          : refsOf(this.synth, lb.stack, logs?.bucket).find((r) => r.type === "aws_s3_bucket");
      if (bucket) {
        this.link(
          alb,
          this.node({ id: idOf(bucket), lines: ["S3 ALB access logs"], shape: "database" }),
          "access logs",
          "dotted",
        );
      }
    }
  }

  private pointsAt(from: Resource, value: unknown, target: Resource): boolean {
    return refsOf(this.synth, from.stack, value).some((r) => refKey(r) === refKey(target));
  }

  /** The ECS cluster, every service, the listener rules that reach it and its Service Connect edges. */
  ecs(): void {
    const cluster = this.synth.resources("aws_ecs_cluster")[0];
    if (cluster) {
      this.cluster = idOf(cluster);
      this.groups.push({
        id: this.cluster,
        label: `ECS cluster ${str(cluster.body.name) ?? cluster.name}`,
        parent: this.privateTier,
      });
    }
    for (const s of this.services)
      this.node({
        id: idOf(s.resource),
        lines: serviceLines(s),
        shape: "round",
        group: this.cluster ?? this.privateTier,
      });
    this.listenerRules();
    this.serviceConnect();
    if (this.services.length > 0 && this.cluster) {
      const nat = this.synth.resources("aws_nat_gateway")[0];
      const endpoint = this.synth.resources("aws_vpc_endpoint")[0];
      if (nat) this.link(this.cluster, idOf(nat), "egress", "dotted");
      if (endpoint) this.link(this.cluster, idOf(endpoint), "AWS APIs", "dotted");
    }
  }

  private listenerRules(): void {
    const byTargetGroup = new Map<string, EcsServiceFacts>();
    for (const s of this.services) for (const tg of s.targetGroups) byTargetGroup.set(refKey(tg), s);
    const rules = this.synth
      .resources("aws_lb_listener_rule")
      .sort((a, b) => Number(a.body.priority ?? 0) - Number(b.body.priority ?? 0));
    for (const rule of rules) {
      const listener = refsOf(this.synth, rule.stack, rule.body.listener_arn).find((r) => r.type === "aws_lb_listener");
      const l = listener && this.synth.resource(listener.stack, listener.type, listener.name);
      const lb = l && refsOf(this.synth, l.stack, l.body.load_balancer_arn).find((r) => r.type === "aws_lb");
      if (!l || !lb) continue;
      const targets = new Set(
        list(rule.body.action)
          .flatMap((a) => refsOf(this.synth, rule.stack, [a.target_group_arn, a.forward]))
          .map((r) => byTargetGroup.get(refKey(r)))
          .filter((s): s is EcsServiceFacts => s !== undefined),
      );
      for (const s of targets) {
        this.link(
          idOf(lb),
          idOf(s.resource),
          `:${String(l.body.port)} ${conditions(rule.body)} · prio ${String(rule.body.priority ?? "-")}`,
        );
      }
    }
  }

  /** A service reaches another when the other's group admits its group; the label is the other's client alias. */
  private serviceConnect(): void {
    const bySg = new Map<string, EcsServiceFacts[]>();
    for (const s of this.services)
      for (const sg of s.securityGroups) bySg.set(refKey(sg), [...(bySg.get(refKey(sg)) ?? []), s]);
    for (const rule of groupIngress(this.synth)) {
      for (const server of bySg.get(refKey(rule.group)) ?? []) {
        for (const client of bySg.get(refKey(rule.peer)) ?? []) {
          if (client === server) continue;
          const aliases = (server.serviceConnect?.servers ?? [])
            .flatMap((x) => x.aliases)
            .filter((a) => a.port === rule.fromPort || rule.fromPort !== rule.toPort);
          const viaConnect = client.serviceConnect?.enabled === true && aliases.length > 0;
          const label = viaConnect
            ? `Service Connect ${aliases.map((a) => `http://${a.dnsName}:${a.port}`).join(", ")}`
            : `tcp :${portText(rule)}`;
          this.link(idOf(client.resource), idOf(server.resource), label);
        }
      }
    }
  }

  /** Caches and databases a service's groups may reach (a store's group admits a group the service is in). */
  dataStores(): void {
    const stores = [
      ...this.synth.resources("aws_elasticache_replication_group").map((r) => ({
        r,
        groups: r.body.security_group_ids,
        lines: cacheLines(r.body),
        protocol: r.body.transit_encryption_enabled === true ? "TLS" : "tcp",
      })),
      ...this.synth
        .resources("aws_rds_cluster")
        .map((r) => ({ r, groups: r.body.vpc_security_group_ids, lines: dbLines(this.synth, r), protocol: "tcp" })),
    ];
    const ingress = groupIngress(this.synth);
    for (const store of stores) {
      const storeGroups = new Set(refsOf(this.synth, store.r.stack, store.groups).map(refKey));
      const id = this.node({ id: idOf(store.r), lines: store.lines, shape: "database", group: this.privateTier });
      for (const s of this.services) {
        const mine = new Set(s.securityGroups.map(refKey));
        const rule = ingress.find((i) => storeGroups.has(refKey(i.group)) && mine.has(refKey(i.peer)));
        if (rule) this.link(idOf(s.resource), id, `${store.protocol} :${portText(rule)}`);
      }
    }
  }

  /** FireLens → Firehose → S3 for each service that routes its logs so; ADOT → X-Ray for each that traces. */
  pipelines(): void {
    for (const stream of this.synth.resources("aws_kinesis_firehose_delivery_stream")) {
      const writers = this.services.filter((s) => s.firehoseStreams.some((r) => refKey(r) === refKey(stream)));
      const s3 = (stream.body.extended_s3_configuration ?? {}) as Block;
      const lines = [`Firehose ${str(stream.body.name) ?? stream.name}`];
      if (s3.dynamic_partitioning_configuration) lines.push("partitioned by service");
      const fh = this.node({ id: idOf(stream), lines, shape: "stadium" });
      for (const s of writers) this.link(idOf(s.resource), fh, "FireLens (Fluent Bit)", "dotted");
      const bucket = refsOf(this.synth, stream.stack, s3.bucket_arn).find((r) => r.type === "aws_s3_bucket");
      if (bucket) {
        const compression = str(s3.compression_format);
        this.link(
          fh,
          this.node({
            id: idOf(bucket),
            lines: ["S3 log archive", ...(compression ? [compression] : [])],
            shape: "database",
          }),
          undefined,
          "dotted",
        );
      }
    }
    const tracing = this.services.filter((s) => s.tracesToXray);
    if (tracing.length > 0) {
      const xray = this.node({ id: "xray", lines: ["AWS X-Ray"], shape: "stadium" });
      for (const s of tracing) this.link(idOf(s.resource), xray, "ADOT collector (OTLP)", "dotted");
    }
  }

  /** The alarm topics: how many alarms notify each, and who is subscribed. */
  alarms(): void {
    const alarms = [
      ...this.synth.resources("aws_cloudwatch_metric_alarm"),
      ...this.synth.resources("aws_cloudwatch_composite_alarm"),
    ];
    for (const topic of this.synth.resources("aws_sns_topic")) {
      const notifying = alarms.filter((a) => this.pointsAt(a, [a.body.alarm_actions, a.body.ok_actions], topic));
      if (notifying.length === 0) continue;
      const subs = this.synth
        .resources("aws_sns_topic_subscription")
        .filter((s) => this.pointsAt(s, s.body.topic_arn, topic));
      const protocols = [...new Set(subs.map((s) => String(s.body.protocol)))].sort();
      const alarmNode = this.node({
        id: `${idOf(topic)}_alarms`,
        lines: [`CloudWatch alarms × ${notifying.length}`],
        shape: "box",
      });
      const lines = [`SNS ${str(topic.body.name) ?? topic.name}`];
      lines.push(protocols.length > 0 ? `subscribers: ${protocols.join(", ")}` : "no subscribers");
      this.link(alarmNode, this.node({ id: idOf(topic), lines, shape: "stadium" }));
    }
  }
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

function defaultAction(listener: Block): string {
  const action = list(listener.default_action)[0];
  if (!action) return "";
  if (action.type === "redirect") return ` → redirect to :${String((action.redirect as Block)?.port ?? "")}`;
  if (action.type === "fixed-response")
    return ` (default ${String((action.fixed_response as Block)?.status_code ?? "")})`;
  return "";
}

function wafLines(acl: Resource): string[] {
  const rules = list(acl.body.rule);
  const managed = rules.filter((r) => (r.statement as Block)?.managed_rule_group_statement).length;
  const rate = rules.filter((r) => (r.statement as Block)?.rate_based_statement).length;
  const actions = new Set(rules.flatMap((r) => Object.keys((r.action ?? {}) as Block)));
  const lines = [
    `WAF web ACL ${str(acl.body.name) ?? acl.name}`,
    `${plural(rules.length, "rule")}: ${rate} rate-based, ${managed} managed groups`,
  ];
  if (actions.size > 0) lines.push(`rule action: ${[...actions].sort().join(", ")}`);
  return lines;
}

function conditions(rule: Block): string {
  const parts: string[] = [];
  for (const c of list(rule.condition)) {
    const values = (key: string) =>
      list(c[key]).flatMap((v) => (Array.isArray(v.values) ? (v.values as string[]) : []));
    if (c.path_pattern) parts.push(values("path_pattern").join(" "));
    if (c.host_header) parts.push(`host ${values("host_header").join(" ")}`);
    if (c.http_header)
      parts.push(
        `header ${list(c.http_header)
          .map((h) => String(h.http_header_name))
          .join(" ")}`,
      );
  }
  return parts.join(", ") || "any";
}

function serviceLines(s: EcsServiceFacts): string[] {
  const lines = [`ECS service ${s.name}`];
  if (s.task) lines.push(`${s.task.cpuUnits / 1024} vCPU / ${s.task.memoryMiB / 1024} GB`);
  lines.push(s.scaling ? `${s.scaling.min}–${s.scaling.max} tasks` : `${baselineTaskCount(s)} tasks`);
  const providers = s.strategy.map((p) => `${p.provider}${p.base > 0 ? ` base ${p.base}` : ""} w${p.weight}`);
  if (providers.length > 0) lines.push(providers.join(", "));
  return lines;
}

function cacheLines(b: Block): string[] {
  const nodes = b.num_cache_clusters ?? b.num_node_groups ?? 1;
  const lines = [
    `ElastiCache ${String(b.engine ?? "redis")} ${String(b.engine_version ?? "")}`.trim(),
    `${String(b.node_type)} × ${String(nodes)}`,
  ];
  if (b.multi_az_enabled === true) lines.push("Multi-AZ");
  return lines;
}

function dbLines(synth: Synth, cluster: Resource): string[] {
  const b = cluster.body;
  const instances = synth
    .resources("aws_rds_cluster_instance")
    .filter((i) => refsOf(synth, i.stack, i.body.cluster_identifier).some((r: Ref) => refKey(r) === refKey(cluster)));
  const scaling = b.serverlessv2_scaling_configuration as Block | undefined;
  const lines = [
    `${b.engine === "aurora-mysql" ? "Aurora MySQL" : b.engine === "aurora-postgresql" ? "Aurora PostgreSQL" : String(b.engine)} ${str(b.cluster_identifier) ?? ""}`.trim(),
  ];
  if (scaling) lines.push(`Serverless v2 ${String(scaling.min_capacity)}–${String(scaling.max_capacity)} ACU`);
  lines.push(`${plural(instances.length, "instance")}`);
  return lines;
}
