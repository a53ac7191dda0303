import { beforeAll, describe, expect, it } from "vitest";
import { Fn } from "cdktn";
import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { AlarmTopic, CLOUDWATCH_ALARMS_KEY_STATEMENT } from "../../modules/alarm-topic";
import { EcsCluster } from "../../modules/ecs-cluster";
import { cloudWatchLogsPrincipal, KmsKey } from "../../modules/kms-key";
import { ServicePrincipal } from "../../modules/lib/iam";
import { StateLockTable } from "../../modules/lock-table";
import { SecureBucket } from "../../modules/secure-bucket";
import { ServiceRole } from "../../modules/service-role";
import { SecurityGroup } from "../../modules/security-group";
import { Vpc, type VpcProps } from "../../modules/vpc";
import { VpcEndpoints } from "../../modules/vpc-endpoints";
import { dataOf, onlyResource, resourcesOf, synthModule, type TfJson, constructError } from "../helpers/terraform";

type Statement = {
  sid?: string;
  effect?: string;
  actions: string[];
  principals?: { type: string; identifiers: string[] }[];
};
const statements = (json: TfJson, name: string) =>
  (dataOf(json, "aws_iam_policy_document")[name]!.statement as Statement[]) ?? [];

describe("KmsKey", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule((s) => {
      const key = new KmsKey(s, "logs", { alias: "fc-test-logs", description: "test" });
      const role = new ServiceRole(s, "task", { name: "fc-test-task", assumedBy: "ecs-tasks.amazonaws.com" });
      key.grantEncryptDecrypt(cloudWatchLogsPrincipal(s));
      // Grants added after construction still reach the synthesized policies.
      key.grantDecrypt(role);
      key.grant(new ServicePrincipal("delivery.logs.amazonaws.com", [], "LogDelivery"), "kms:GenerateDataKey*");
    });
  });

  it("when created with defaults, then rotation is on, deletion waits 30 days and the alias points at it", () => {
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(json, "aws_kms_alias")).toMatchObject({
      name: "alias/fc-test-logs",
      target_key_id: "${aws_kms_key.logs_key.key_id}",
    });
  });

  it("when CloudWatch Logs is granted, then its principal gets data-key actions only, scoped by encryption context", () => {
    const logs = statements(json, "logs_policy").find((s) => s.sid?.startsWith("AllowCloudWatchLogs"))!;
    expect(logs.actions).not.toContain("kms:*");
    expect(logs.actions).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]));
    expect(logs.principals![0]!.identifiers[0]).toMatch(/^logs\..*\.amazonaws\.com$/);
    expect(JSON.stringify(logs)).toContain("kms:EncryptionContext:aws:logs:arn");
  });

  it("when a role is granted, then the role's own policy gets the key ARN and the key policy does not name the role", () => {
    const grants = statements(json, "task_policy_document");
    expect(grants).toEqual([
      expect.objectContaining({
        actions: ["kms:Decrypt", "kms:DescribeKey"],
        resources: ["${aws_kms_key.logs_key.arn}"],
      }),
    ]);
    expect(JSON.stringify(statements(json, "logs_policy"))).not.toContain("aws_iam_role");
  });

  it("when a service principal is granted after construction, then the key policy renders it at synth", () => {
    const sids = statements(json, "logs_policy").map((s) => s.sid);
    expect(sids).toEqual(["AccountAdministers", "AllowCloudWatchLogs1", "AllowLogDelivery2"]);
  });

  it("when any statement is read, then no principal is a wildcard", () => {
    for (const st of statements(json, "logs_policy")) {
      for (const p of st.principals ?? []) expect(p.identifiers).not.toContain("*");
    }
  });

  it("when a wildcard principal or a duplicate sid is added, then it is refused with the construct path", () => {
    expect(
      constructError((s) =>
        new KmsKey(s, "k", { alias: "a", description: "d" }).addToResourcePolicy({
          actions: ["kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: ["*"] }],
        }),
      ),
    ).toBe('KmsKey test/k: statement.principals must be a named principal (no wildcard Allow), got "*"');
    expect(
      constructError((s) =>
        new KmsKey(s, "k", { alias: "a", description: "d" }).addToResourcePolicy({
          sid: "AccountAdministers",
          actions: ["kms:Decrypt"],
          resources: ["*"],
        }),
      ),
    ).toBe('KmsKey test/k: statement.sid must be unique in the key policy, got "AccountAdministers"');
  });

  it("when the deletion window is out of range, then it names the construct path, prop, value and range", () => {
    expect(constructError((s) => new KmsKey(s, "k", { alias: "a", description: "d", deletionWindowDays: 3 }))).toBe(
      "KmsKey test/k: deletionWindowDays must be an integer from 7 to 30, got 3",
    );
  });

  it("when the alias uses the reserved aws/ prefix, then it is rejected", () => {
    expect(constructError((s) => new KmsKey(s, "k", { alias: "aws/s3", description: "d" }))).toMatch(
      /KmsKey test\/k: alias must be .* not starting with "aws\/", got "aws\/s3"/,
    );
  });
});

describe("ServiceRole", () => {
  it("when created, then only the named service may assume it, on behalf of this account", () => {
    const json = synthModule((s) => new ServiceRole(s, "r", { name: "fc-t", assumedBy: "ecs-tasks.amazonaws.com" }));
    expect(statements(json, "r_trust")).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
        condition: [
          {
            test: "StringEquals",
            variable: "aws:SourceAccount",
            values: ["${data.aws_caller_identity.aws_context_identity.account_id}"],
          },
        ],
      }),
    ]);
    // No grants: no empty inline policy (IAM rejects one).
    expect(resourcesOf(json, "aws_iam_role_policy")).toEqual({});
  });

  it("when a wildcard action is granted, then it is refused", () => {
    expect(
      constructError((s) =>
        new ServiceRole(s, "r", { name: "n", assumedBy: "ecs-tasks.amazonaws.com" }).addToPrincipalPolicy({
          actions: ["s3:*"],
          resources: ["arn:aws:s3:::b"],
        }),
      ),
    ).toBe('ServiceRole test/r: statement.actions must be named actions (no service-wide or * wildcard), got ["s3:*"]');
  });
});

describe("Validator", () => {
  it("when a Vpc CIDR comes from another resource (a token), then validation skips it and subnets use cidrsubnet()", () => {
    const json = synthModule((s) => {
      const cidr = new SsmParameter(s, "cidr", { name: "/t/cidr", type: "String", value: "10.9.0.0/16" });
      new Vpc(s, "net", { ...vpcProps, cidr: cidr.value, publicSubnetCidrs: undefined, privateSubnetCidrs: undefined });
    });
    expect(onlyResource(json, "aws_vpc").cidr_block).toBe("${aws_ssm_parameter.cidr.value}");
    expect(resourcesOf(json, "aws_subnet").net_public_1!.cidr_block).toBe(
      "${cidrsubnet(aws_ssm_parameter.cidr.value, 4, 9)}",
    );
  });

  it("when the same prop is a bad literal, then the error names construct path, prop, value and what is allowed", () => {
    expect(constructError((s) => new Vpc(s, "v", { ...vpcProps, cidr: "10.0.0.1/16" }))).toBe(
      'Vpc test/v: cidr must be an IPv4 CIDR block with no host bits set, got "10.0.0.1/16"',
    );
    expect(
      constructError((s) => new KmsKey(s, "k", { alias: Fn.lower("X"), description: "d", deletionWindowDays: 1 })),
    ).toBe("KmsKey test/k: deletionWindowDays must be an integer from 7 to 30, got 1");
  });
});

describe("SecureBucket", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule(
      (s) =>
        new SecureBucket(s, "logs", {
          bucketName: "fc-test-logs",
          encryption: { type: "kms", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x" },
        }),
    );
  });

  it("when created, then versioning, SSE-KMS with a bucket key, ACLs off and public access blocked", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({
      bucket: "fc-test-logs",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({
      versioning_configuration: { status: "Enabled" },
    });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: "aws:kms",
            kms_master_key_id: "arn:aws:kms:eu-west-1:123456789012:key/x",
          },
          bucket_key_enabled: true,
        },
      ],
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("when created with defaults, then noncurrent versions expire after 90 days", () => {
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration")).toMatchObject({
      rule: [
        {
          status: "Enabled",
          filter: [{}],
          noncurrent_version_expiration: [{ noncurrent_days: 90 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
  });

  it("when the policy is read, then it denies every request without TLS", () => {
    const deny = statements(json, "logs_policy_document").find(
      (s) => s.sid === "DenyInsecureTransport",
    ) as Statement & { condition: unknown };
    expect(deny).toMatchObject({
      effect: "Deny",
      actions: ["s3:*"],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    expect(onlyResource(json, "aws_s3_bucket_policy").depends_on).toEqual([
      "aws_s3_bucket_public_access_block.logs_public_access",
    ]);
  });

  it("when encryption is KMS, then any upload naming another algorithm, no key, another key or SSE-C is denied, and one naming nothing is not", () => {
    const sse = "s3:x-amz-server-side-encryption";
    const sseKey = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    const denies = statements(json, "logs_policy_document").filter((s) => s.sid !== "DenyInsecureTransport");
    for (const d of denies) {
      expect(d).toMatchObject({
        effect: "Deny",
        actions: ["s3:PutObject"],
        resources: ["${aws_s3_bucket.logs_bucket.arn}/*"],
        principals: [{ type: "*", identifiers: ["*"] }],
      });
    }
    expect(denies.map((d) => [d.sid, (d as Statement & { condition: unknown }).condition])).toEqual([
      [
        "DenyOtherEncryption",
        [
          { test: "Null", variable: sse, values: ["false"] },
          { test: "StringNotEquals", variable: sse, values: ["aws:kms"] },
        ],
      ],
      [
        "DenyKmsWithoutThisKey",
        [
          { test: "Null", variable: sse, values: ["false"] },
          { test: "Null", variable: sseKey, values: ["true"] },
        ],
      ],
      [
        "DenyOtherKmsKeys",
        [
          { test: "Null", variable: sseKey, values: ["false"] },
          // The key by ARN or by id: both name this key; an alias would resolve in the requester's account.
          { test: "StringNotEquals", variable: sseKey, values: ["arn:aws:kms:eu-west-1:123456789012:key/x", "x"] },
        ],
      ],
      [
        "DenyCustomerProvidedKeys",
        [{ test: "Null", variable: "s3:x-amz-server-side-encryption-customer-algorithm", values: ["false"] }],
      ],
    ]);
  });

  it("when the key is known only at apply time, then its id comes from the ARN in Terraform", () => {
    const deferred = synthModule((s) => {
      const key = new KmsKey(s, "k", { alias: "fc-test-b", description: "b" });
      new SecureBucket(s, "b", { bucketName: "fc-test-b", encryption: { type: "kms", kmsKeyArn: key.arn } });
    });
    const other = statements(deferred, "b_policy_document").find((s) => s.sid === "DenyOtherKmsKeys") as Statement & {
      condition: { values: string[] }[];
    };
    expect(other.condition[1]!.values).toEqual([
      "${aws_kms_key.k_key.arn}",
      '${element(split("/", aws_kms_key.k_key.arn), 1)}',
    ]);
  });

  it("when the key is not a key ARN (an alias, an id), then it is refused with the prop and why", () => {
    expect(
      constructError(
        (s) =>
          new SecureBucket(s, "b", {
            bucketName: "fc-test-b",
            encryption: { type: "kms", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/logs" },
          }),
      ),
    ).toBe(
      'SecureBucket test/b: encryption.kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): the bucket policy names the key by ARN and id, and an alias would resolve in the requester\'s account, got "arn:aws:kms:eu-west-1:123456789012:alias/logs"',
    );
  });

  it("when encryption is s3-managed (ALB access logs), then SSE-S3 is the default and no key is named", () => {
    const alb = synthModule(
      (s) => new SecureBucket(s, "alb", { bucketName: "fc-alb-logs", encryption: { type: "s3-managed" } }),
    );
    expect(onlyResource(alb, "aws_s3_bucket_server_side_encryption_configuration")).toEqual(
      expect.objectContaining({ rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] }),
    );
    expect(statements(alb, "alb_policy_document").map((s) => s.sid)).toEqual(["DenyInsecureTransport"]);
  });

  it("when the bucket name or a number is invalid, then it is rejected with path, prop and value", () => {
    const encryption = { type: "s3-managed" } as const;
    expect(constructError((s) => new SecureBucket(s, "b", { bucketName: "Bad_Name", encryption }))).toBe(
      'SecureBucket test/b: bucketName must be 3–63 of a-z 0-9 . -, got "Bad_Name"',
    );
    expect(
      constructError(
        (s) => new SecureBucket(s, "b", { bucketName: "ok-name", encryption, noncurrentVersionExpirationDays: 0 }),
      ),
    ).toBe("SecureBucket test/b: noncurrentVersionExpirationDays must be an integer from 1 to 36500, got 0");
  });
});

describe("SecurityGroup", () => {
  const props = {
    name: "app",
    description: "app tasks",
    vpcId: "vpc-1",
    ingress: [
      { id: "http-from-alb", description: "HTTP from the ALB", peer: { securityGroupId: "sg-alb" }, port: 8080 },
    ],
    egress: [{ id: "all-to-vpc", description: "All to the VPC", peer: { cidrIpv4: "10.0.0.0/16" } }],
  };
  let json: TfJson;
  let reworded: TfJson;
  beforeAll(() => {
    json = synthModule((s) => new SecurityGroup(s, "app", props));
    reworded = synthModule(
      (s) =>
        new SecurityGroup(s, "app", {
          ...props,
          description: "application tasks",
          ingress: [{ ...props.ingress[0]!, description: "App port from the load balancer" }],
        }),
    );
  });

  it("when rules are given, then each is its own resource with its description, keyed by its id", () => {
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({
      app_ingress_http_from_alb: {
        description: "HTTP from the ALB",
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
        referenced_security_group_id: "sg-alb",
      },
    });
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule")).toMatchObject({
      app_egress_all_to_vpc: { ip_protocol: "-1", cidr_ipv4: "10.0.0.0/16" },
    });
  });

  it("when a description is reworded, then every address stays the same", () => {
    const addrs = (j: TfJson) =>
      ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"].flatMap((t) =>
        Object.keys(resourcesOf(j, t)),
      );
    expect(addrs(reworded)).toEqual(addrs(json));
  });

  it("when created, then the group has a name prefix (never a fixed name) and is created before it is destroyed", () => {
    const sg = onlyResource(json, "aws_security_group");
    expect(sg).toMatchObject({
      name_prefix: "app-",
      description: "app tasks",
      lifecycle: { create_before_destroy: true },
    });
    expect(sg).not.toHaveProperty("name");
  });

  it("when a description, id or port is bad, then the error names it", () => {
    expect(constructError((s) => new SecurityGroup(s, "g", { name: "g", description: " ", vpcId: "v" }))).toBe(
      'SecurityGroup test/g: description must be a non-empty string, got " "',
    );
    const rule = { id: "x", description: "x", peer: { cidrIpv4: "10.0.0.0/8" } };
    const withIngress = (ingress: object[]) => () =>
      constructError(
        (s) => new SecurityGroup(s, "g", { name: "g", description: "d", vpcId: "v", ingress: ingress as never }),
      );
    expect(withIngress([{ ...rule, port: 70000 }])()).toBe(
      "SecurityGroup test/g: ingress[x].port must be an integer from 1 to 65535, got 70000",
    );
    expect(withIngress([{ ...rule, id: "HTTP from ALB" }])()).toBe(
      'SecurityGroup test/g: ingress.id must be 1–63 of a-z 0-9 - (a stable key, not prose), got "HTTP from ALB"',
    );
    expect(withIngress([rule, rule])()).toBe(
      'SecurityGroup test/g: ingress.id must be unique within the group\'s ingress rules, got "x"',
    );
  });
});

const vpcProps: VpcProps = {
  name: "t",
  cidr: "10.0.0.0/16",
  azCount: 3,
  publicSubnetCidrs: ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"],
  privateSubnetCidrs: ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
  flowLogKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x",
};

describe("Vpc", () => {
  let single: TfJson;
  let perAz: TfJson;
  let none: TfJson;
  beforeAll(() => {
    single = synthModule((s) => new Vpc(s, "net", vpcProps));
    perAz = synthModule((s) => new Vpc(s, "net", { ...vpcProps, natMode: "per-az" }));
    none = synthModule((s) => new Vpc(s, "net", { ...vpcProps, natMode: "none" }));
  });

  it("when created, then DNS support and hostnames are on", () => {
    expect(onlyResource(single, "aws_vpc")).toMatchObject({
      cidr_block: "10.0.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  it("when created, then one public and one private subnet per AZ, none auto-assigning public IPs", () => {
    const subnets = Object.values(resourcesOf(single, "aws_subnet"));
    expect(subnets).toHaveLength(6);
    for (const s of subnets) expect(s.map_public_ip_on_launch).toBe(false);
    expect(resourcesOf(single, "aws_subnet").net_private_2).toMatchObject({
      cidr_block: "10.0.32.0/20",
      availability_zone: "${element(data.aws_availability_zones.net_azs.names, 2)}",
    });
  });

  it("when natMode defaults to single, then one NAT gateway serves every private route table", () => {
    expect(Object.keys(resourcesOf(single, "aws_nat_gateway"))).toEqual(["net_nat_0"]);
    const routes = resourcesOf(single, "aws_route");
    for (const i of [0, 1, 2])
      expect(routes[`net_private_${i}_default_route`]).toMatchObject({
        nat_gateway_id: "${aws_nat_gateway.net_nat_0.id}",
      });
    expect(routes["net_public_default_route"]).toMatchObject({
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: "${aws_internet_gateway.net_igw.id}",
    });
  });

  it("when natMode is per-az, then each AZ routes through its own NAT gateway", () => {
    expect(Object.keys(resourcesOf(perAz, "aws_nat_gateway"))).toHaveLength(3);
    expect(resourcesOf(perAz, "aws_route")["net_private_2_default_route"]).toMatchObject({
      nat_gateway_id: "${aws_nat_gateway.net_nat_2.id}",
    });
  });

  it("when natMode is none, then there is no NAT and no private default route, but the route tables stay", () => {
    expect(resourcesOf(none, "aws_nat_gateway")).toEqual({});
    expect(Object.keys(resourcesOf(none, "aws_route"))).toEqual(["net_public_default_route"]);
    expect(Object.keys(resourcesOf(none, "aws_route_table"))).toHaveLength(4);
  });

  it("when created, then the default security group has no rules", () => {
    expect(onlyResource(single, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  it("when created, then flow logs capture all traffic into a KMS-encrypted log group with retention", () => {
    expect(onlyResource(single, "aws_flow_log")).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      max_aggregation_interval: 60,
    });
    expect(onlyResource(single, "aws_cloudwatch_log_group")).toMatchObject({
      retention_in_days: 90,
      kms_key_id: vpcProps.flowLogKmsKeyArn,
    });
    const write = statements(single, "net_flow_logs_write");
    expect(write.flatMap((s) => s.actions)).not.toContain("logs:*");
  });

  it("when subnets are not listed, then they are /4-bit blocks of the CIDR (private 0.., public 8..)", () => {
    const planned = synthModule(
      (s) =>
        new Vpc(s, "net", { ...vpcProps, azCount: 2, publicSubnetCidrs: undefined, privateSubnetCidrs: undefined }),
    );
    const cidrs = Object.fromEntries(
      Object.entries(resourcesOf(planned, "aws_subnet")).map(([k, v]) => [k, v.cidr_block]),
    );
    expect(cidrs).toEqual({
      net_private_0: "10.0.0.0/20",
      net_private_1: "10.0.16.0/20",
      net_public_0: "10.0.128.0/20",
      net_public_1: "10.0.144.0/20",
    });
  });

  it("when subnet lists are inconsistent, then the error names the prop and value", () => {
    expect(constructError((s) => new Vpc(s, "v", { ...vpcProps, publicSubnetCidrs: ["10.0.128.0/20"] }))).toBe(
      'Vpc test/v: publicSubnetCidrs must be exactly azCount (3) subnet CIDRs, got ["10.0.128.0/20"]',
    );
    expect(constructError((s) => new Vpc(s, "v", { ...vpcProps, azCount: 4 }))).toBe(
      "Vpc test/v: azCount must be an integer from 2 to 3, got 4",
    );
    expect(
      constructError(
        (s) => new Vpc(s, "v", { ...vpcProps, privateSubnetCidrs: ["10.0.0.0/20", "10.0.16.0/20", "192.168.0.0/24"] }),
      ),
    ).toBe('Vpc test/v: privateSubnetCidrs[2] must be a block inside vpcCidr 10.0.0.0/16, got "192.168.0.0/24"');
  });
});

describe("VpcEndpoints", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule(
      (s) =>
        new VpcEndpoints(s, "ep", {
          name: "t",
          region: "eu-west-1",
          vpcId: "vpc-1",
          vpcCidr: "10.0.0.0/16",
          subnetIds: ["a", "b"],
          routeTableIds: ["rt-a", "rt-b"],
        }),
    );
  });

  it("when created with defaults, then S3 is a gateway endpoint and ECR, logs, SSM and Secrets Manager are private-DNS interfaces", () => {
    const eps = resourcesOf(json, "aws_vpc_endpoint");
    expect(eps.ep_s3).toMatchObject({
      vpc_endpoint_type: "Gateway",
      service_name: "com.amazonaws.eu-west-1.s3",
      route_table_ids: ["rt-a", "rt-b"],
    });
    for (const svc of ["ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"]) {
      expect(eps[`ep_${svc.replace(".", "_")}`]).toMatchObject({
        vpc_endpoint_type: "Interface",
        private_dns_enabled: true,
        service_name: `com.amazonaws.eu-west-1.${svc}`,
      });
    }
  });

  it("when created, then the endpoint security group admits only HTTPS from the VPC", () => {
    const rules = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule"));
    expect(rules).toEqual([expect.objectContaining({ cidr_ipv4: "10.0.0.0/16", from_port: 443, to_port: 443 })]);
  });

  it("when a service name is malformed, then it is rejected", () => {
    expect(
      constructError(
        (s) =>
          new VpcEndpoints(s, "e", {
            name: "t",
            region: "r",
            vpcId: "v",
            vpcCidr: "10.0.0.0/16",
            subnetIds: ["a"],
            routeTableIds: [],
            interfaceServices: ["ECR API"],
          }),
      ),
    ).toBe('VpcEndpoints test/e: interfaceServices[0] must be a short service name like "ecr.api", got "ECR API"');
  });
});

describe("EcsCluster", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule(
      (s) =>
        new EcsCluster(s, "ecs", {
          name: "fc-t",
          capacityProviderStrategy: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 },
        }),
    );
  });

  it("when created with defaults, then Container Insights is enabled and the namespace is the Service Connect default", () => {
    expect(onlyResource(json, "aws_ecs_cluster")).toMatchObject({
      name: "fc-t",
      setting: [{ name: "containerInsights", value: "enabled" }],
      service_connect_defaults: { namespace: "${aws_service_discovery_http_namespace.ecs_namespace.arn}" },
    });
    expect(onlyResource(json, "aws_service_discovery_http_namespace")).toMatchObject({ name: "fc-t.internal" });
  });

  it("when created, then FARGATE takes the base and FARGATE_SPOT shares by weight", () => {
    expect(onlyResource(json, "aws_ecs_cluster_capacity_providers")).toMatchObject({
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
      default_capacity_provider_strategy: [
        { capacity_provider: "FARGATE", base: 1, weight: 1 },
        { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
      ],
    });
  });

  it("when the strategy is invalid, then the error names the field", () => {
    expect(
      constructError(
        (s) =>
          new EcsCluster(s, "c", {
            name: "n",
            capacityProviderStrategy: { fargateBase: -1, fargateWeight: 1, fargateSpotWeight: 1 },
          }),
      ),
    ).toBe("EcsCluster test/c: capacityProviderStrategy.fargateBase must be an integer from 0 to 100000, got -1");
    expect(
      constructError(
        (s) =>
          new EcsCluster(s, "c", {
            name: "n",
            capacityProviderStrategy: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 0 },
          }),
      ),
    ).toBe(
      'EcsCluster test/c: capacityProviderStrategy must be a strategy with fargateWeight or fargateSpotWeight above 0, got {"fargateBase":0,"fargateWeight":0,"fargateSpotWeight":0}',
    );
  });
});

describe("AlarmTopic", () => {
  let json: TfJson;
  beforeAll(() => {
    json = synthModule((s) => {
      const key = new KmsKey(s, "key", { alias: "t", description: "t" });
      new AlarmTopic(s, "alarms", { name: "t-alarms", kmsKey: key, email: "oncall@example.com" });
    });
  });

  it("when an email is given, then the KMS-encrypted topic gets an email subscription", () => {
    expect(onlyResource(json, "aws_sns_topic")).toMatchObject({
      name: "t-alarms",
      kms_master_key_id: "${aws_kms_key.key_key.arn}",
    });
    expect(onlyResource(json, "aws_sns_topic_subscription")).toMatchObject({
      protocol: "email",
      endpoint: "oncall@example.com",
    });
  });

  it("when the topic is encrypted, then the key policy has AWS's documented CloudWatch statement and no condition", () => {
    const st = statements(json, "key_policy").find(
      (s) => s.sid === CLOUDWATCH_ALARMS_KEY_STATEMENT.sid,
    ) as Statement & {
      condition?: unknown;
      resources: string[];
    };
    expect(st).toMatchObject({
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
    });
    expect(st.condition).toBeUndefined();
  });

  it("when the email is malformed, then it is rejected", () => {
    expect(
      constructError(
        (s) =>
          new AlarmTopic(s, "a", {
            name: "t",
            kmsKey: new KmsKey(s, "k", { alias: "k", description: "k" }),
            email: "oncall",
          }),
      ),
    ).toBe('AlarmTopic test/a: email must be an email address, got "oncall"');
  });
});

describe("StateLockTable", () => {
  it("when created, then LockID is the string hash key, encrypted with the key, protected from deletion", () => {
    const json = synthModule((s) => new StateLockTable(s, "lock", { name: "fc-locks", kmsKeyArn: "arn:k" }));
    expect(onlyResource(json, "aws_dynamodb_table")).toMatchObject({
      name: "fc-locks",
      hash_key: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      server_side_encryption: { enabled: true, kms_key_arn: "arn:k" },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });
});
