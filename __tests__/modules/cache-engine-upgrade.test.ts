// What the AWS provider plans for the cache after ElastiCache upgraded its engine by itself, run with
// real Terraform and the offline hashicorp/aws provider (no AWS call: -refresh=false on a state that
// already holds the upgraded version, as the next refresh would write it).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_ENGINES, RedisCache, type RedisCacheProps } from "../../modules/redis-cache";
import { cliConfig } from "../../scripts/tf-check/check";
import { synthModule } from "../helpers/terraform";

const run = promisify(execFile);

const props: RedisCacheProps = {
  name: "fc-test-cache",
  engine: "valkey",
  nodeType: "cache.t4g.micro",
  nodeCount: 2,
  multiAz: true,
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/data",
  snapshotRetentionDays: 7,
  maintenanceWindow: "sun:05:00-sun:06:00",
  preventDestroy: true,
};

/** The version ElastiCache's next minor-upgrade campaign would move the pinned one to. */
const pinned = CACHE_ENGINES.valkey.version;
const upgraded = `${pinned.split(".")[0]}.${Number(pinned.split(".")[1]) + 1}`;

/** A root module with the module's engine and lifecycle (version from var.engine_version), and a state at `upgraded`. */
function workspace(): string {
  const group = Object.values(
    synthModule((s) => new RedisCache(s, "cache", props)).resource.aws_elasticache_replication_group!,
  )[0]!;
  const dir = mkdtempSync(join(tmpdir(), "fc-cache-upgrade-"));
  const attrs = {
    replication_group_id: "fc-test-cache",
    description: "d",
    engine: group.engine,
    node_type: "cache.t4g.micro",
    num_cache_clusters: 2,
    automatic_failover_enabled: true,
    auto_minor_version_upgrade: group.auto_minor_version_upgrade,
  };
  writeFileSync(
    join(dir, "cli.tfrc"),
    // The mirror TF_PLUGIN_MIRROR names (tf:check's configuration), else the registry.
    cliConfig(process.env.TF_PLUGIN_MIRROR || undefined),
  );
  writeFileSync(
    join(dir, "main.tf.json"),
    JSON.stringify({
      provider: {
        aws: [
          {
            region: "eu-west-1",
            access_key: "offline",
            secret_key: "offline",
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
          },
        ],
      },
      variable: { engine_version: { type: "string" } },
      resource: {
        aws_elasticache_replication_group: {
          cache: { ...attrs, engine_version: "${var.engine_version}", lifecycle: group.lifecycle },
        },
      },
    }),
  );
  writeFileSync(
    join(dir, "terraform.tfstate"),
    JSON.stringify({
      version: 4,
      terraform_version: "1.11.4",
      serial: 1,
      lineage: "00000000-0000-4000-8000-000000000000",
      outputs: {},
      resources: [
        {
          mode: "managed",
          type: "aws_elasticache_replication_group",
          name: "cache",
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [
            {
              schema_version: 2,
              attributes: {
                ...attrs,
                id: "fc-test-cache",
                arn: "arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:fc-test-cache",
                engine_version: upgraded,
                engine_version_actual: `${upgraded}.0`,
                at_rest_encryption_enabled: "false",
                data_tiering_enabled: false,
                global_replication_group_id: "",
                multi_az_enabled: false,
                network_type: "ipv4",
                port: 6379,
                security_group_names: [],
                subnet_group_name: "default",
                transit_encryption_enabled: false,
                tags: {},
                tags_all: {},
              },
              sensitive_attributes: [],
            },
          ],
        },
      ],
    }),
  );
  return dir;
}

function terraformEnv(dir: string) {
  return { cwd: dir, env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, "cli.tfrc"), TF_IN_AUTOMATION: "1" } };
}

async function plan(dir: string, engineVersion: string): Promise<{ ok: boolean; text: string }> {
  const args = [
    "plan",
    "-refresh=false",
    "-lock=false",
    "-input=false",
    "-no-color",
    `-var=engine_version=${engineVersion}`,
  ];
  try {
    const { stdout } = await run("terraform", args, { ...terraformEnv(dir), timeout: 90_000 });
    return { ok: true, text: stdout };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, text: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("cache engine upgrade (real terraform plan)", () => {
  let dir: string;
  let stillPinned: { ok: boolean; text: string };
  let bumped: { ok: boolean; text: string };

  beforeAll(async () => {
    dir = workspace();
    await run("terraform", ["init", "-input=false", "-no-color", "-backend=false"], {
      ...terraformEnv(dir),
      timeout: 90_000,
    });
    // Both plans only read the state (-lock=false, -refresh=false), so they can run side by side.
    [stillPinned, bumped] = await Promise.all([plan(dir, pinned), plan(dir, upgraded)]);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("when AWS upgraded the engine and the config still pins the older minor, then the provider plans a replacement and prevent_destroy refuses it", () => {
    expect(stillPinned.text).toMatch(
      new RegExp(`engine_version\\s+= "${upgraded}" -> "${pinned}" # forces replacement`),
    );
    expect(stillPinned.ok).toBe(false);
    expect(stillPinned.text).toContain("Instance cannot be destroyed");
  });

  it("when the config is bumped to the running version, then nothing is replaced", () => {
    expect(bumped.ok).toBe(true);
    expect(bumped.text).not.toContain("must be replaced");
    expect(bumped.text).not.toMatch(/engine_version\s+=/);
  });
});
