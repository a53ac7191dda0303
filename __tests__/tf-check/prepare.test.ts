import { describe, expect, it } from "vitest";
import { fakeOutput, hclLiteral, prepareStack } from "../../scripts/tf-check/prepare";

const upstream = {
  network: {
    output: {
      vpcId: { value: "${aws_vpc.vpc_vpc.id}" },
      privateSubnetIds: { value: ["${aws_subnet.a.id}", "${aws_subnet.b.id}"] },
    },
  },
};

const stack = {
  terraform: {
    backend: { s3: { bucket: "b", key: "dev/data.tfstate" } },
    required_providers: {
      aws: { source: "hashicorp/aws", version: "6.66.0" },
      random: { source: "hashicorp/random", version: "3.7.2" },
    },
  },
  provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["210987654321"] }], random: [{}] },
  data: {
    aws_caller_identity: { me: {} },
    aws_region: { here: {} },
    terraform_remote_state: {
      cross_stack_reference_input_network: { backend: "s3", config: { key: "dev/network.tfstate" } },
    },
  },
  resource: {
    random_password: { token: { length: 32 } },
    aws_security_group: {
      sg: {
        vpc_id: "${data.terraform_remote_state.cross_stack_reference_input_network.outputs.vpcId}",
        description: "account ${data.aws_caller_identity.me.account_id} in ${data.aws_region.here.region}",
        depends_on: ["data.aws_caller_identity.me", "random_password.token"],
      },
    },
    aws_elasticache_replication_group: { cache: { auth_token: "${random_password.token.result}" } },
  },
};

const prepare = (versions: Record<string, string>, mirror: boolean) =>
  prepareStack(stack, upstream, { versions, mirror }, { accountId: "210987654321", region: "eu-west-1" });

describe("tf:check: a stack's offline copy", () => {
  it("when prepared from a mirror without hashicorp/random, then the backend, account lock and AWS lookups are gone and the aws pin is the mirror's", () => {
    const { json } = prepare({ aws: "5.100.0" }, true);
    const tf = json.terraform as Record<string, unknown>;
    expect(tf.backend).toBeUndefined();
    expect(tf.required_providers).toEqual({ aws: { source: "hashicorp/aws", version: "5.100.0" } });
    expect((json.provider as Record<string, unknown[]>).aws).toEqual([
      {
        region: "eu-west-1",
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      },
    ]);
    expect((json.provider as Record<string, unknown>).random).toBeUndefined();
    expect(json.data).toEqual({ aws_region: { here: {} } });
  });

  it("when references point at stubbed data, remote state or skipped resources, then they become literals and depends_on forgets them", () => {
    const { json, notes } = prepare({ aws: "5.100.0" }, true);
    const res = json.resource as Record<string, Record<string, Record<string, unknown>>>;
    expect(res.random_password).toBeUndefined();
    expect(res.aws_security_group!.sg).toEqual({
      vpc_id: '${"vpc-0123456789abcdef0"}',
      description: 'account ${"210987654321"} in ${data.aws_region.here.name}',
      depends_on: [],
    });
    expect(res.aws_elasticache_replication_group!.cache!.auth_token).toBe('${"tf-check-stub-value-0123456789"}');
    expect(notes).toEqual([
      "stubbed data: aws_caller_identity",
      "remote state network: 2 outputs stubbed",
      "random_password.token skipped (hashicorp/random not installable here; references get a literal)",
      "data.aws_region.*.region → data.aws_region.*.name (1×, added in 6.0.0)",
    ]);
  });

  it("when the providers are the registry's pins, then nothing is translated or skipped", () => {
    const { json, notes } = prepare({ aws: "6.66.0", random: "3.7.2" }, false);
    expect((json.resource as Record<string, unknown>).random_password).toEqual({ token: { length: 32 } });
    expect(JSON.stringify(json)).toContain("data.aws_region.here.region");
    expect(notes.some((n) => /skipped|→/.test(n))).toBe(false);
  });

  it("when remote state reads a stack the environment does not have, then preparing fails naming it", () => {
    expect(() =>
      prepareStack(stack, {}, { versions: { aws: "5.100.0" }, mirror: true }, { accountId: "1", region: "eu-west-1" }),
    ).toThrow(
      'remote state cross_stack_reference_input_network reads stack "network", which this environment does not have',
    );
  });

  it("when a data source looks up a KMS alias or an OIDC provider, then its attributes come from its own arguments", () => {
    const lookups = {
      terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "6.66.0" } } },
      data: {
        aws_kms_alias: { state: { name: "alias/fc-dev-tfstate" } },
        aws_iam_openid_connect_provider: { github: { url: "https://token.actions.githubusercontent.com" } },
      },
      resource: {
        aws_iam_policy: {
          p: {
            policy: "${data.aws_kms_alias.state.target_key_arn} ${data.aws_iam_openid_connect_provider.github.arn}",
          },
        },
      },
    };
    const { json, notes } = prepareStack(
      lookups,
      {},
      { versions: { aws: "5.100.0" }, mirror: true },
      { accountId: "1", region: "eu-west-1" },
    );
    expect(json.data).toBeUndefined();
    expect((json.resource as Record<string, Record<string, { policy: string }>>).aws_iam_policy!.p!.policy).toBe(
      '${"arn:aws:kms:eu-west-1:1:key/0123abcd-4567-89ef-0123-456789abcdef"} ${"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}',
    );
    expect(notes).toEqual(["stubbed data: aws_kms_alias, aws_iam_openid_connect_provider"]);
  });

  it("when an upstream output is faked, then its shape follows the declared value", () => {
    expect(fakeOutput("x", "${aws_lb.alb_alb.arn}", "1", "eu-west-1")).toBe("arn:aws:lb:eu-west-1:1:lb/alb-alb");
    expect(fakeOutput("x", "${aws_lb.alb_alb.arn_suffix}", "1", "eu-west-1")).toBe("app/alb-alb/0123456789abcdef");
    expect(fakeOutput("x", ["${aws_subnet.a.id}"], "1", "r")).toEqual(["subnet-0123456789abcdef0"]);
    expect(
      fakeOutput("x", "${tolist(aws_ecs_cluster_capacity_providers.c.capacity_providers)}", "1", "r"),
    ).toHaveLength(2);
    expect(hclLiteral(["a", "${b}"])).toBe('["a", "$${b}"]');
  });
});
