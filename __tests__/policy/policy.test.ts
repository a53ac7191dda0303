// The policy gate: every rule over every synthesized stack of every environment (a violation fails
// npm test), and every rule proven able to fail on a deliberately bad resource.
import { beforeAll, describe, expect, it } from "vitest";
import { CASES, environmentOf } from "./cases";
import { hclToJson, parseContainerDefinitions } from "../../scripts/policy/containers";
import { describeViolation, runPolicy, runRule, type PolicyReport } from "../../scripts/policy/engine";
import { EXCEPTIONS } from "../../scripts/policy/exceptions";
import { parsePolicy } from "../../scripts/policy/iam";
import { RULES, ruleById } from "../../scripts/policy/rules";
import { SSM_AGENT_CONTAINER_NAME, SSM_AGENT_IMAGE } from "../../modules/ecs-service/sidecars";
import { Environment } from "../../scripts/policy/tf";
import { ENVIRONMENTS, loadConfig } from "../../config";
import { synthesizedEnvironment, type SharedEnvironment } from "../helpers/synth-once";

let report: PolicyReport;
let envs: Environment[];

beforeAll(async () => {
  // The same stacks `npm run policy` checks (engine.synthAllEnvironments), from this run's shared synth.
  envs = await Promise.all(
    (Object.keys(ENVIRONMENTS) as SharedEnvironment[]).map(async (name) => {
      const { stacks } = await synthesizedEnvironment(name);
      return new Environment(name, loadConfig(name), stacks);
    }),
  );
  report = runPolicy(envs);
});

describe("policy gate on the synthesized stacks", () => {
  it("when every environment is synthesized, then each config/ environment and its stacks are checked", () => {
    expect(envs.map((e) => e.envName)).toEqual(["dev", "prod"]);
    expect(envs.find((e) => e.envName === "prod")!.stackNames).toEqual(
      expect.arrayContaining(["network", "platform", "state"]),
    );
  });

  it("when the rules run, then no rule has a violation that is not a listed exception", () => {
    const violations = report.rules.flatMap((r) => r.violations).map(describeViolation);
    expect(violations).toEqual([]);
  });

  it("when today's stacks are checked, then the rules for resources they hold actually inspect them", () => {
    const checked = (id: string) => report.rules.find((r) => r.rule.id === id)!.resourcesChecked;
    // network: VPCs, subnets, flow-log groups; platform: cluster, keys, topic; state: the bucket.
    for (const id of [
      "NET-01",
      "NET-03",
      "SG-04",
      "SG-05",
      "ECS-01",
      "KMS-01",
      "LOG-01",
      "IAM-03",
      "IAM-04",
      "S3-04",
      "SNS-01",
      "S3-07",
      "RDS-07",
      "EC-08",
      "X-09",
      "X-10",
      "X-11",
      "X-12",
      "CTR-07",
    ]) {
      expect(checked(id), id).toBeGreaterThan(0);
    }
  });

  it("when the account-root kms:* statement is found, then the exception covers it and nothing else", () => {
    const iam02 = report.rules.find((r) => r.rule.id === "IAM-02")!;
    const onKeys = iam02.excepted.filter((e) => e.violation.resource.type === "aws_kms_key");
    expect(onKeys.length).toBeGreaterThan(0);
    expect(new Set(onKeys.map((e) => e.violation.detail))).toEqual(new Set(["AccountAdministers"]));
    // The only other IAM-02 exceptions: the CI deploy role's service-wide statements, nothing else.
    const others = iam02.excepted.filter((e) => e.violation.resource.type !== "aws_kms_key");
    expect(new Set(others.map((e) => `${e.violation.stack}/${e.violation.detail}`))).toEqual(
      new Set([
        "ci-identity/ManageStackServices",
        "ci-identity/ManageGlobalDnsRecords",
        "ci-identity/ManageStackBuckets",
      ]),
    );
  });

  it("when the CI identity is checked, then both roles' trusts pass the OIDC rule and their policies the IAM rules", () => {
    const iam07 = report.rules.find((r) => r.rule.id === "IAM-07")!;
    // Two roles (plan, deploy) in each of dev and prod.
    expect(iam07.resourcesChecked).toBe(4);
    expect(iam07.violations).toEqual([]);
    expect(envs.every((e) => e.stackNames.includes("ci-identity"))).toBe(true);
  });
});

describe("the rule table", () => {
  it("when counted, then it has at least 40 rules with unique ids", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it("when the exceptions are read, then each names an existing rule and gives a reason", () => {
    for (const e of EXCEPTIONS) {
      expect(ruleById(e.rule), e.rule).toBeDefined();
      expect(e.reason.length).toBeGreaterThan(20);
    }
  });

  it("when the cases are listed, then every rule has a negative and a positive case", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });
});

describe.each(RULES.map((r) => [r.id, r] as const))("rule %s", (id, rule) => {
  it("when given its deliberately bad resource, then it reports a violation (exceptions off)", () => {
    const result = runRule(rule, [environmentOf(CASES[id]!.bad)], []);
    expect(result.violations.length).toBeGreaterThan(0);
  });

  it("when given the good resource, then it checks it and passes", () => {
    const result = runRule(rule, [environmentOf(CASES[id]!.good)], []);
    expect(result.violations.map(describeViolation)).toEqual([]);
    expect(result.resourcesChecked).toBeGreaterThan(0);
  });
});

describe("cross-resource details", () => {
  const rule = (id: string) => ruleById(id)!;
  const lbWith = (containers: object[]) =>
    environmentOf({
      stacks: {
        platform: { resource: { aws_lb: { alb: { internal: false, idle_timeout: 60 } } } },
        services: {
          resource: {
            aws_ecs_task_definition: { caller: { container_definitions: JSON.stringify(containers) } },
          },
        },
      },
    });

  it("when an app container lowers KEEP_ALIVE_TIMEOUT_MS below the ALB idle timeout, then X-01 fails across stacks", () => {
    const env = lbWith([{ name: "caller", environment: [{ name: "KEEP_ALIVE_TIMEOUT_MS", value: "30000" }] }]);
    expect(runRule(rule("X-01"), [env], []).violations[0]!.problem).toMatch(/idle_timeout 60 s is not below .* 30 s/);
  });

  it("when an app raises BODY_LIMIT_BYTES above the WAF's Content-Length rule, then X-09 fails naming the new limit", () => {
    const good = CASES["X-09"]!.good;
    const app = [{ name: "caller", environment: [{ name: "BODY_LIMIT_BYTES", value: "65536" }] }];
    const env = environmentOf({
      stacks: {
        ...good.stacks,
        apps: { resource: { aws_ecs_task_definition: { caller: { container_definitions: JSON.stringify(app) } } } },
      },
    });
    expect(runRule(rule("X-09"), [env], []).violations.map((v) => v.problem)).toEqual([
      "rule body-over-app-limit blocks a Content-Length of 65536, which the apps accept; no rule matches a Content-Length above the apps' limit (65536 bytes)",
    ]);
  });

  it("when the ALB admits the world on 8080, then SG-01 fails even on the ALB's group", () => {
    const env = environmentOf({
      stacks: {
        platform: {
          resource: {
            aws_lb: { alb: { security_groups: ["${aws_security_group.alb.id}"] } },
            aws_security_group: { alb: { description: "ALB" } },
            aws_vpc_security_group_ingress_rule: {
              r: {
                security_group_id: "${aws_security_group.alb.id}",
                cidr_ipv4: "0.0.0.0/0",
                ip_protocol: "tcp",
                from_port: 8080,
                to_port: 8080,
              },
            },
          },
        },
      },
    });
    expect(runRule(rule("SG-01"), [env], []).violations[0]!.problem).toMatch(/ALB may admit only 80\/443/);
  });

  it("when any ingress rule's range includes 24224, then X-05 fails", () => {
    const env = environmentOf({
      stacks: {
        s: {
          resource: {
            aws_security_group_rule: {
              r: {
                type: "ingress",
                protocol: "tcp",
                from_port: 24000,
                to_port: 25000,
                source_security_group_id: "sg-1",
              },
            },
          },
        },
      },
    });
    expect(runRule(rule("X-05"), [env], []).violations).toHaveLength(1);
  });

  it("when a service uses only on-demand FARGATE, then X-03 does not judge its target groups", () => {
    const env = environmentOf({
      stacks: {
        s: {
          resource: {
            aws_ecs_service: {
              svc: {
                capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1 }],
                load_balancer: [{ target_group_arn: "${aws_lb_target_group.tg.arn}" }],
              },
            },
            aws_lb_target_group: { tg: {} },
          },
        },
      },
    });
    expect(runRule(rule("X-03"), [env], []).resourcesChecked).toBe(0);
  });

  it("when a service without its own strategy runs on a cluster whose default uses Spot (other stack), then X-03 applies", () => {
    const env = environmentOf({
      stacks: {
        platform: {
          resource: {
            aws_ecs_cluster: { c: {} },
            aws_ecs_cluster_capacity_providers: {
              cp: {
                cluster_name: "${aws_ecs_cluster.c.name}",
                default_capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1 }],
              },
            },
          },
          output: { cross_stack_output_cluster: { value: "${aws_ecs_cluster.c.arn}" } },
        },
        services: {
          data: {
            terraform_remote_state: {
              platform: { backend: "local", config: { path: "../../../terraform-state/dev/platform.tfstate" } },
            },
          },
          resource: {
            aws_ecs_service: {
              svc: {
                cluster: "${data.terraform_remote_state.platform.outputs.cross_stack_output_cluster}",
                load_balancer: [{ target_group_arn: "${aws_lb_target_group.tg.arn}" }],
              },
            },
            aws_lb_target_group: { tg: { deregistration_delay: "300" } },
          },
        },
      },
    });
    expect(runRule(rule("X-03"), [env], []).violations).toHaveLength(1);
  });

  it("when services use subnets through a remote-state output, then SVC-03 resolves them in the network stack", () => {
    const env = environmentOf({
      stacks: {
        network: {
          resource: {
            aws_subnet: { private_0: { cidr_block: "10.0.0.0/24" }, private_1: { cidr_block: "10.0.1.0/24" } },
          },
          output: { privateSubnetIds: { value: ["${aws_subnet.private_0.id}", "${aws_subnet.private_1.id}"] } },
        },
        services: {
          data: { terraform_remote_state: { network: { backend: "s3", config: { key: "dev/network.tfstate" } } } },
          resource: {
            aws_ecs_service: {
              svc: {
                network_configuration: { subnets: "${data.terraform_remote_state.network.outputs.privateSubnetIds}" },
              },
            },
          },
        },
      },
    });
    const result = runRule(rule("SVC-03"), [env], []);
    expect(result.violations.map(describeViolation)).toEqual([]);
    expect(result.resourcesChecked).toBe(1);
  });

  it("when FIS is enabled in config, then the SSM agent sidecar's writable root is an exception; without FIS it is not", () => {
    const stacks = {
      services: {
        resource: {
          aws_ecs_task_definition: {
            t: {
              enable_fault_injection: true,
              container_definitions: JSON.stringify([{ name: SSM_AGENT_CONTAINER_NAME, image: SSM_AGENT_IMAGE }]),
            },
          },
        },
      },
    };
    const withFis = runRule(rule("CTR-01"), [environmentOf({ stacks, config: { fis: { enabled: true } } })]);
    expect(withFis.violations).toHaveLength(0);
    expect(withFis.excepted).toHaveLength(1);
    const withoutFis = runRule(rule("CTR-01"), [environmentOf({ stacks, config: { fis: { enabled: false } } })]);
    expect(withoutFis.violations).toHaveLength(1);
  });

  it("when a bucket receives ALB access logs, then its SSE-S3 encryption is an exception; other buckets are not", () => {
    const sse = (b: string) => ({
      bucket: `\${aws_s3_bucket.${b}.id}`,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    const env = environmentOf({
      stacks: {
        platform: {
          resource: {
            aws_lb: { alb: { access_logs: { enabled: true, bucket: "${aws_s3_bucket.logs.id}" } } },
            aws_s3_bucket: { logs: {}, other: {} },
            aws_s3_bucket_server_side_encryption_configuration: { logs: sse("logs"), other: sse("other") },
          },
        },
      },
    });
    const result = runRule(rule("S3-03"), [env]);
    expect(result.excepted.map((e) => e.violation.resource.address)).toEqual(["aws_s3_bucket.logs"]);
    expect(result.violations.map((v) => v.resource.address)).toEqual(["aws_s3_bucket.other"]);
  });
});

describe("parsing helpers", () => {
  it("when container definitions come from Fn.jsonencode, then the HCL is read like JSON", () => {
    const hcl =
      '${jsonencode([{"name" = "app", "image" = "repo:${var.tag}", "memory" = 5, "user" = var.user, "readonlyRootFilesystem" = true, "portMappings" = [{"containerPort" = 24224}]}])}';
    const parsed = parseContainerDefinitions(hcl);
    expect(parsed.ok && parsed.containers[0]!.raw).toMatchObject({
      name: "app",
      image: "repo:${var.tag}",
      user: "${var.user}",
      readonlyRootFilesystem: true,
    });
    expect(hclToJson('{"a" = lookup(var.m, "k", 1), "b" = null}')).toBe(
      '{"a" : "${lookup(var.m, \\"k\\", 1)}", "b" : null}',
    );
  });

  it("when container definitions cannot be read, then rules fail the task instead of passing it", () => {
    const env = environmentOf({
      stacks: {
        s: { resource: { aws_ecs_task_definition: { t: { container_definitions: '${file("defs.json")}' } } } },
      },
    });
    expect(runRule(ruleById("CTR-01")!, [env], []).violations[0]!.problem).toMatch(
      /cannot parse container_definitions/,
    );
  });

  it("when a policy is an opaque expression, then parsing says so (and IAM rules fail on it)", () => {
    const env = environmentOf({
      stacks: { s: { resource: { aws_iam_role_policy: { p: { policy: "${jsonencode(local.p)}" } } } } },
    });
    expect(parsePolicy(env, "s", "${jsonencode(local.p)}").ok).toBe(false);
    expect(runRule(ruleById("IAM-02")!, [env], []).violations).toHaveLength(1);
  });
});
