import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../scripts/diagram/cli";
import { ARCHITECTURE_DOC, diagramBlock, isCurrent } from "../../scripts/diagram/doc";
import { toMermaid } from "../../scripts/diagram/mermaid";
import { architecture, type Architecture } from "../../scripts/diagram/model";
import { readSynth, Synth, type StackJson } from "../../scripts/synthesized/synth";
import { synthesizedEnvironment } from "../helpers/synth-once";

const DOC = resolve(__dirname, "../..", ARCHITECTURE_DOC);
const dirs: string[] = [];

async function run(argv: string[], doc: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) }, { doc });
  return { code, out, err };
}

const edgesFrom = (a: Architecture, from: string) => a.edges.filter((e) => e.from === from);

/** Subgraphs close, ids are plain, and every edge joins declared nodes or subgraphs. */
function expectWellFormed(mermaid: string): void {
  const lines = mermaid.trimEnd().split("\n");
  expect(lines[0]).toBe("flowchart LR");
  expect(lines.filter((l) => /^\s*subgraph /.test(l)).length).toBe(lines.filter((l) => /^\s*end$/.test(l)).length);
  const declared = new Set(
    lines.flatMap((l) => {
      const m = /^\s*(?:subgraph )?([A-Za-z0-9_]+)[[("]/.exec(l);
      return m ? [m[1]!] : [];
    }),
  );
  const edges = lines.filter((l) => /-->|-\.->/.test(l));
  expect(edges.length).toBeGreaterThan(0);
  for (const e of edges) {
    const m = /^\s*([A-Za-z0-9_]+) (?:-->|-\.->)(?:\|"[^"]*"\|)? ([A-Za-z0-9_]+)$/.exec(e);
    expect(m, e).not.toBeNull();
    expect(declared.has(m![1]!), e).toBe(true);
    expect(declared.has(m![2]!), e).toBe(true);
  }
}

describe("architecture diagram", () => {
  const synths: Record<string, { outdir: string; synth: Synth }> = {};
  beforeAll(async () => {
    for (const env of ["dev", "prod"] as const) {
      const { outdir } = await synthesizedEnvironment(env);
      synths[env] = { outdir, synth: readSynth(outdir) };
    }
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("when dev and prod are synthesized, then docs/architecture.md holds exactly their diagrams", () => {
    const doc = readFileSync(DOC, "utf8");
    const stale = ["dev", "prod"].filter((env) => !isCurrent(doc, env, toMermaid(architecture(synths[env]!.synth))));
    expect(stale, "run: npm run diagram -- --env all --write").toEqual([]);
  });

  it("when prod is drawn, then it shows the tiers, the WAF in front of the ALB and each listener rule to its service", () => {
    const a = architecture(synths.prod!.synth);
    expect(a.groups.map((g) => g.label)).toEqual(
      expect.arrayContaining([
        "VPC 10.30.0.0/16 · 3 AZs",
        "public subnets × 3",
        "private subnets × 3",
        "ECS cluster fc-prod",
      ]),
    );
    const waf = a.nodes.find((n) => n.lines[0] === "WAF web ACL fc-prod")!;
    const alb = a.nodes.find((n) => n.lines[0] === "ALB fc-prod")!;
    expect(edgesFrom(a, "internet").map((e) => e.to)).toEqual([waf.id]);
    expect(edgesFrom(a, waf.id).map((e) => e.to)).toEqual([alb.id]);
    expect(alb.lines).toEqual([
      "ALB fc-prod",
      "HTTP :80 → redirect to :443",
      "HTTPS :443 (default 404)",
      "HTTPS :8443 (default 404)",
    ]);
    const caller = a.nodes.find((n) => n.lines[0] === "ECS service caller")!;
    expect(
      edgesFrom(a, alb.id)
        .filter((e) => e.to === caller.id)
        .map((e) => e.label),
    ).toEqual([":443 /* · prio 100", ":8443 /* · prio 100"]);
    expect(a.nodes.find((n) => n.lines[0] === "NAT gateway × 3")).toBeDefined();
  });

  it("when prod is drawn, then services connect by their Service Connect alias and reach only the stores their groups admit", () => {
    const a = architecture(synths.prod!.synth);
    const id = (first: string) => a.nodes.find((n) => n.lines[0]!.startsWith(first))!.id;
    const [caller, responder, cache, db] = [
      id("ECS service caller"),
      id("ECS service responder"),
      id("ElastiCache"),
      id("Aurora"),
    ];
    expect(edgesFrom(a, caller).filter((e) => e.to === responder)).toEqual([
      { from: caller, to: responder, label: "Service Connect http://responder:8081", style: "solid" },
    ]);
    expect(edgesFrom(a, responder).filter((e) => e.to === caller)).toEqual([]);
    expect(a.edges.filter((e) => e.to === cache).map((e) => e.from)).toEqual([caller, responder]);
    expect(a.edges.filter((e) => e.to === db).map((e) => e.from)).toEqual([responder]);
  });

  it("when prod is drawn, then the log, trace and alarm pipelines appear", () => {
    const a = architecture(synths.prod!.synth);
    const labelled = (label: string) => a.edges.filter((e) => e.label === label);
    expect(labelled("FireLens (Fluent Bit)")).toHaveLength(2);
    expect(labelled("ADOT collector (OTLP)").map((e) => e.to)).toEqual(["xray", "xray"]);
    const firehose = labelled("FireLens (Fluent Bit)")[0]!.to;
    const archive = edgesFrom(a, firehose)[0]!.to;
    expect(a.nodes.find((n) => n.id === archive)!.lines).toEqual(["S3 log archive", "GZIP"]);
    const topic = a.nodes.find((n) => n.lines[0] === "SNS fc-prod-alarms")!;
    expect(topic.lines[1]).toBe("subscribers: email");
    expect(a.edges.some((e) => e.to === topic.id)).toBe(true);
  });

  it("when dev and prod are rendered, then the Mermaid text is well formed and the same on every run", () => {
    for (const env of ["dev", "prod"]) {
      const text = toMermaid(architecture(synths[env]!.synth));
      expectWellFormed(text);
      expect(toMermaid(architecture(readSynth(synths[env]!.outdir)))).toBe(text);
    }
  });

  it("when --check finds a stale diagram, then it exits 2 and leaves the page alone; --write then fixes it", async () => {
    const doc = join(mkdtempSync(join(tmpdir(), "fc-diagram-doc-")), "architecture.md");
    dirs.push(doc);
    const stale = `# page\n\n${diagramBlock("dev", "flowchart LR\n  old --> gone\n")}\n`;
    writeFileSync(doc, stale);
    const check = await run(["--env", "dev", "--out", synths.dev!.outdir, "--check"], doc);
    expect(check.code).toBe(2);
    expect(check.err).toContain("the diagram of dev differs from the synth");
    expect(readFileSync(doc, "utf8")).toBe(stale);
    expect((await run(["--env", "dev", "--out", synths.dev!.outdir, "--write"], doc)).code).toBe(0);
    expect(readFileSync(doc, "utf8")).toContain(toMermaid(architecture(synths.dev!.synth)).trimEnd());
    expect(readFileSync(doc, "utf8").startsWith("# page\n\n<!-- diagram:dev:start")).toBe(true);
    expect((await run(["--env", "dev", "--out", synths.dev!.outdir, "--check"], doc)).code).toBe(0);
  });

  it("when --env all reads one synth directory per environment, then markdown has a block for each", async () => {
    const parent = mkdtempSync(join(tmpdir(), "fc-diagram-all-"));
    dirs.push(parent);
    for (const env of ["dev", "prod"]) symlinkSync(synths[env]!.outdir, join(parent, env));
    const { code, out, err } = await run(["--env", "all", "--out", parent, "--format", "markdown"], DOC);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out.match(/^```mermaid$/gm)).toHaveLength(2);
    expect(out).toContain("### prod\n\n```mermaid\nflowchart LR\n");
  });

  it("when the page lacks the markers or the arguments are wrong, then it exits 1 naming the problem", async () => {
    const doc = join(mkdtempSync(join(tmpdir(), "fc-diagram-doc-")), "architecture.md");
    dirs.push(doc);
    writeFileSync(doc, "# no markers\n");
    const missing = await run(["--env", "dev", "--out", synths.dev!.outdir, "--write"], doc);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('has no "<!-- diagram:dev:start … -->" … "<!-- diagram:dev:end -->" markers');
    expect(readFileSync(doc, "utf8")).toBe("# no markers\n");
    expect(await run(["--env", "all"], doc)).toMatchObject({ code: 1, out: "" });
    expect((await run(["--env", "qa"], doc)).err).toContain('--env: unknown environment "qa"');
    expect((await run(["--env", "dev", "--write", "--check"], doc)).err).toContain("--write and --check: choose one");
  });
});

describe("architecture diagram from a hand-written synth", () => {
  // Three services named nowhere in the code: edges must come from the groups and aliases alone.
  const sg = (name: string) => `\${aws_security_group.${name}.id}`;
  const svc = (name: string, client: boolean, alias?: number) => ({
    name,
    task_definition: "${aws_ecs_task_definition.task.arn}",
    desired_count: 1,
    network_configuration: {
      security_groups: [
        sg(`${name}_sg`),
        ...(name === "beta" ? ["${data.terraform_remote_state.data.outputs.cache_client}"] : []),
      ],
    },
    service_connect_configuration: {
      enabled: client,
      service: alias
        ? [{ discovery_name: name, port_name: "http", client_alias: { dns_name: name, port: alias } }]
        : [],
    },
  });
  const provider = { aws: [{ region: "eu-west-1", default_tags: [{ tags: { "fc:environment": "hand" } }] }] };
  const apps: StackJson = {
    provider,
    data: { terraform_remote_state: { data: { backend: "s3", config: { key: "hand/data.tfstate" } } } },
    resource: {
      aws_ecs_task_definition: { task: { cpu: "256", memory: "512", container_definitions: "[]" } },
      aws_security_group: { alpha_sg: {}, beta_sg: {}, gamma_sg: {} },
      aws_ecs_service: { alpha: svc("alpha", true), beta: svc("beta", true, 9000), gamma: svc("gamma", false, 7000) },
      aws_vpc_security_group_ingress_rule: {
        beta_from_alpha: {
          security_group_id: sg("beta_sg"),
          referenced_security_group_id: sg("alpha_sg"),
          from_port: 9000,
          to_port: 9000,
        },
      },
    },
  };
  const data: StackJson = {
    provider,
    output: { cache_client: { value: sg("client") } },
    resource: {
      aws_security_group: { client: {}, cache: {} },
      aws_vpc_security_group_ingress_rule: {
        cache_from_client: {
          security_group_id: sg("cache"),
          referenced_security_group_id: sg("client"),
          from_port: 6379,
          to_port: 6379,
        },
      },
      aws_elasticache_replication_group: {
        store: {
          engine: "valkey",
          node_type: "cache.t4g.micro",
          num_cache_clusters: 1,
          transit_encryption_enabled: true,
          security_group_ids: [sg("cache")],
        },
      },
    },
  };
  const a = architecture(
    new Synth([
      { name: "data", json: data },
      { name: "apps", json: apps },
    ]),
  );

  it("when one service's group admits another's, then the edge carries the callee's client alias, and nothing else connects", () => {
    const services = a.edges.filter(
      (e) => e.from.startsWith("apps_ecs_service") && e.to.startsWith("apps_ecs_service"),
    );
    expect(services).toEqual([
      {
        from: "apps_ecs_service_alpha",
        to: "apps_ecs_service_beta",
        label: "Service Connect http://beta:9000",
        style: "solid",
      },
    ]);
  });

  it("when a service joins a store's client group through another stack's output, then it reaches the store over TLS", () => {
    expect(a.edges.filter((e) => e.to === "data_elasticache_replication_group_store")).toEqual([
      {
        from: "apps_ecs_service_beta",
        to: "data_elasticache_replication_group_store",
        label: "TLS :6379",
        style: "solid",
      },
    ]);
    expectWellFormed(toMermaid(a));
  });
});
