import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, envNameFrom, ENVIRONMENTS, loadConfig } from "../../config";
import dev from "../../config/dev";
import { parseEnvConfig } from "../../config/schema";
import { synthEnvironment } from "../../main";

const ROOT = resolve(__dirname, "../..");

// Tests write deliberately ill-typed values into the config.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Patchable = Record<string, any>;

/** dev's config with one change; `patch` mutates a deep copy. */
function devWith(patch: (c: Patchable) => void): unknown {
  const copy = structuredClone(dev) as Patchable;
  patch(copy);
  return copy;
}

function errorOf(raw: unknown): string {
  try {
    parseEnvConfig("dev", raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("environment config", () => {
  it("when FC_ENV is unset or empty, then dev is selected", () => {
    expect(envNameFrom({})).toBe("dev");
    expect(envNameFrom({ FC_ENV: "" })).toBe("dev");
    expect(envNameFrom({ FC_ENV: "prod" })).toBe("prod");
  });

  it("when every shipped environment is loaded, then each validates", () => {
    for (const name of Object.keys(ENVIRONMENTS)) {
      expect(loadConfig(name).envName).toBe(name);
    }
  });

  it("when optional fields are omitted, then the documented defaults apply", () => {
    const raw = devWith((c) => {
      delete c.network.vpcEndpoints;
      delete c.network.flowLogRetentionDays;
      delete c.platform.containerInsights;
      delete c.logRetentionDays;
      delete c.tags;
    });
    const config = parseEnvConfig("dev", raw);
    expect(config.network.vpcEndpoints).toBe(false);
    expect(config.network.flowLogRetentionDays).toBe(90);
    expect(config.platform.containerInsights).toBe("enabled");
    expect(config.logRetentionDays).toBe(30);
    expect(config.tags).toEqual({});
    expect(config.state).toBeUndefined();
  });

  it("when subnets are not listed, then they are planned as /4-bit blocks of the VPC CIDR", () => {
    const config = loadConfig("dev");
    expect(config.subnets.privateSubnetCidrs).toEqual(["10.20.0.0/20", "10.20.16.0/20"]);
    expect(config.subnets.publicSubnetCidrs).toEqual(["10.20.128.0/20", "10.20.144.0/20"]);
  });

  it("when prod lists subnets, then they are used as given", () => {
    expect(loadConfig("prod").subnets.publicSubnetCidrs).toEqual([
      "10.30.128.0/22",
      "10.30.132.0/22",
      "10.30.136.0/22",
    ]);
  });

  describe("bad input names the path, the value and what is allowed", () => {
    const cases: [string, unknown, RegExp[]][] = [
      ["wrong type", devWith((c) => (c.network.azCount = "two")), [/network\.azCount: got "two"/, /expected number/]],
      ["out of range", devWith((c) => (c.network.azCount = 5)), [/network\.azCount: got 5/, /<=3/]],
      [
        "unknown key",
        devWith((c) => (c.network.natmode = "single")),
        [/network\.natmode: unknown key/, /allowed keys here: vpcCidr, azCount, natMode/],
      ],
      [
        "overlapping CIDRs",
        devWith((c) => {
          c.network.privateSubnetCidrs = ["10.20.0.0/20", "10.20.16.0/20"];
          c.network.publicSubnetCidrs = ["10.20.8.0/24", "10.20.128.0/24"];
        }),
        [
          /network\.privateSubnetCidrs\.0: got "10\.20\.0\.0\/20"/,
          /overlaps network\.publicSubnetCidrs\.0 \(10\.20\.8\.0\/24\)/,
        ],
      ],
      [
        "subnet outside the VPC",
        devWith((c) => (c.network.privateSubnetCidrs = ["10.20.0.0/20", "10.99.0.0/20"])),
        [/network\.privateSubnetCidrs\.1: got "10\.99\.0\.0\/20"/, /inside vpcCidr 10\.20\.0\.0\/16/],
      ],
      [
        "wrong subnet count",
        devWith((c) => (c.network.privateSubnetCidrs = ["10.20.0.0/20"])),
        [/network\.privateSubnetCidrs: got \["10\.20\.0\.0\/20"\]/, /exactly azCount \(2\)/],
      ],
      [
        "invalid enum",
        devWith((c) => (c.network.natMode = "double")),
        [/network\.natMode: got "double"/, /"single"\|"per-az"\|"none"/],
      ],
      [
        "host bits in a CIDR",
        devWith((c) => (c.network.vpcCidr = "10.20.0.1/16")),
        [/network\.vpcCidr: got "10\.20\.0\.1\/16"/, /no host bits/],
      ],
      [
        "VPC too small",
        devWith((c) => (c.network.vpcCidr = "10.20.0.0/26")),
        [/network\.vpcCidr: got "10\.20\.0\.0\/26"/, /\/16 to \/24/],
      ],
      [
        "natMode none without endpoints",
        devWith((c) => (c.network.natMode = "none")),
        [/network\.natMode: got "none"/, /set vpcEndpoints: true/],
      ],
      [
        "Fargate memory that does not fit the CPU",
        devWith((c) => (c.services.caller.memoryMiB = 4096)),
        [/services\.caller\.memoryMiB: got 4096/, /cpu 256 allows memoryMiB 512, 1024, 2048/],
      ],
      [
        "retention CloudWatch does not accept",
        devWith((c) => (c.logRetentionDays = 10)),
        [/logRetentionDays: got 10/, /1, 3, 5, 7, 14, 30/],
      ],
      ["bad region", devWith((c) => (c.region = "Europe")), [/region: got "Europe"/, /AWS region such as "eu-west-1"/]],
      [
        "missing required field",
        devWith((c) => delete c.deletionProtection),
        [/deletionProtection: got nothing/, /expected boolean/],
      ],
      [
        "reserved tag key",
        devWith((c) => (c.tags = { "aws:owner": "me" })),
        [/tags\.aws:owner/, /must not start with "aws:"/],
      ],
    ];

    it.each(cases)("%s", (_name, raw, patterns) => {
      const message = errorOf(raw);
      expect(message).toMatch(/^Invalid config for environment "dev":/);
      for (const pattern of patterns) expect(message).toMatch(pattern);
    });

    it("when several fields are wrong, then every problem is listed", () => {
      const message = errorOf(
        devWith((c) => {
          c.network.azCount = 9;
          c.region = 1;
        }),
      );
      expect(message).toMatch(/network\.azCount: got 9/);
      expect(message).toMatch(/region: got 1/);
    });
  });

  describe("a failed synth writes nothing", () => {
    it("when the environment name is unknown, then synth throws and creates no output", () => {
      const outdir = join(mkdtempSync(join(tmpdir(), "fc-bad-")), "cdktf.out");
      expect(() => synthEnvironment("qa", outdir)).toThrow(
        'FC_ENV: unknown environment "qa"; expected one of: dev, prod',
      );
      expect(existsSync(outdir)).toBe(false);
    });

    it("when the config is invalid, then a previous output is left untouched and nothing new is written", () => {
      const outdir = join(mkdtempSync(join(tmpdir(), "fc-bad-")), "cdktf.out");
      synthEnvironment("dev", outdir);
      const bad = { dev: devWith((c) => (c.network.azCount = 1)) };
      expect(() => synthEnvironment("dev", outdir, bad)).toThrow(/network\.azCount: got 1/);
      expect(existsSync(join(outdir, "stacks", "network", "cdk.tf.json"))).toBe(true);
    });

    it("when `npm run synth` runs with an unknown FC_ENV, then it exits 1 with the message and no cdktf.out", () => {
      const cwd = mkdtempSync(join(tmpdir(), "fc-cli-"));
      const result = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "main.ts")], {
        cwd,
        env: { ...process.env, FC_ENV: "staging", CDKTF_OUTDIR: "" },
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('FC_ENV: unknown environment "staging"; expected one of: dev, prod');
      expect(existsSync(join(cwd, "cdktf.out"))).toBe(false);
    });

    it("when FC_ENV=prod, then the CLI writes every prod stack", () => {
      const cwd = mkdtempSync(join(tmpdir(), "fc-cli-"));
      execFileSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "main.ts")], {
        cwd,
        env: { ...process.env, FC_ENV: "prod", CDKTF_OUTDIR: "" },
      });
      for (const stack of ["state", "network", "platform"]) {
        expect(existsSync(join(cwd, "cdktf.out", "stacks", stack, "cdk.tf.json"))).toBe(true);
      }
    });
  });
});
