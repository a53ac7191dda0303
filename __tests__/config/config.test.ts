import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { assertStateSurvivesCi, envNameFrom, ENVIRONMENTS, loadConfig } from "../../config";
import { parseEnvConfig } from "../../config/schema";
import { main, synthEnvironment } from "../../main";
import { subnetProblems } from "../../modules/lib/subnet-plan";
import { devWith, errorOf } from "../helpers/config";

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
      delete c.state;
      delete c.ci;
    });
    const config = parseEnvConfig("dev", raw);
    expect(config.network.vpcEndpoints).toBe(false);
    expect(config.network.flowLogRetentionDays).toBe(90);
    expect(config.platform.containerInsights).toBe("enabled");
    expect(config.logRetentionDays).toBe(30);
    expect(config.tags).toEqual({});
    expect(config.state).toBeUndefined();
  });

  it("when a subnet list is wrong, then config and the Vpc construct report it from the one planner", () => {
    const raw = devWith((c) => (c.network.privateSubnetCidrs = ["10.20.0.0/20", "10.20.8.0/21"]));
    expect(() => parseEnvConfig("dev", raw)).toThrow(
      /network\.privateSubnetCidrs\.1: got "10\.20\.8\.0\/21"; overlaps privateSubnetCidrs\.0 \(10\.20\.0\.0\/20\)/,
    );
    expect(
      subnetProblems({ vpcCidr: "10.20.0.0/16", azCount: 2, privateSubnetCidrs: ["10.20.0.0/20", "10.20.8.0/21"] }),
    ).toEqual([
      {
        path: ["privateSubnetCidrs", 1],
        value: "10.20.8.0/21",
        message: "overlaps privateSubnetCidrs.0 (10.20.0.0/20); subnet CIDRs must be disjoint",
      },
    ]);
  });

  describe("state in CI", () => {
    const local = devWith((c) => {
      delete c.state;
      delete c.ci;
    });
    let outdir: string;
    beforeEach(() => {
      outdir = join(mkdtempSync(join(tmpdir(), "fc-ci-")), "out");
    });

    it("when CI=true meets an environment with local state, then synth fails at once and writes nothing", () => {
      expect(() => synthEnvironment("sandbox", outdir, { sandbox: local }, { CI: "true" })).toThrow(
        /FC_ENV=sandbox: environment "sandbox" keeps local Terraform state .* CI runners are throwaway/,
      );
      expect(existsSync(outdir)).toBe(false);
    });

    it("when cdktf deploy runs under CI=true (CDKTF_OUTDIR set) with local state, then the CLI exits 1 and writes nothing", () => {
      const errors: string[] = [];
      const spy = vi.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
      try {
        expect(main({ CI: "true", FC_ENV: "sandbox", CDKTF_OUTDIR: outdir }, { sandbox: local })).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(errors.join("\n")).toMatch(/keeps local Terraform state/);
      expect(existsSync(outdir)).toBe(false);
    });

    it("when not in CI, then local state is the offline default and synth works with no credentials", () => {
      synthEnvironment("sandbox", outdir, { sandbox: local }, {});
      const network = JSON.parse(readFileSync(join(outdir, "stacks/network/cdk.tf.json"), "utf8"));
      expect(Object.keys(network.terraform.backend)).toEqual(["local"]);
    });

    it("when CI=true and the environment has a state bucket, then the guard lets it through", () => {
      for (const name of Object.keys(ENVIRONMENTS)) {
        expect(() => assertStateSurvivesCi(loadConfig(name), { CI: "true", GITHUB_ACTIONS: "true" })).not.toThrow();
      }
    });
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
          /overlaps publicSubnetCidrs\.0 \(10\.20\.8\.0\/24\)/,
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
        devWith((c) => (c.services.caller.memoryMiB = 8192)),
        [/services\.caller\.memoryMiB: got 8192/, /cpu 512 allows memoryMiB 1024, 2048, 3072, 4096/],
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
      mkdirSync(join(outdir, "stacks", "network"), { recursive: true });
      writeFileSync(join(outdir, "stacks", "network", "cdk.tf.json"), "previous");
      const bad = { dev: devWith((c) => (c.network.azCount = 1)) };
      expect(() => synthEnvironment("dev", outdir, bad)).toThrow(/network\.azCount: got 1/);
      expect(readFileSync(join(outdir, "stacks", "network", "cdk.tf.json"), "utf8")).toBe("previous");
      expect(readdirSync(dirname(outdir)).filter((f) => f.includes("staging"))).toEqual([]);
    });
  });
});

describe("the CLI entry (main.ts), in-process", () => {
  // cli.test.ts covers the process boundary (exit code, stderr); this runs the same entry here.
  it("when FC_ENV=prod and no CLI owns the output, then main writes every prod stack into ./cdktf.out", () => {
    const cwd = mkdtempSync(join(tmpdir(), "fc-cli-"));
    const previous = process.cwd();
    const printed: unknown[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((m: unknown) => void printed.push(m));
    try {
      process.chdir(cwd);
      expect(main({ FC_ENV: "prod" })).toBe(0);
    } finally {
      process.chdir(previous);
      log.mockRestore();
    }
    const stacks = readdirSync(join(cwd, "cdktf.out", "stacks")).sort();
    expect(stacks).toEqual(["ci-identity", "data", "network", "ops", "platform", "services", "state"]);
    for (const stack of stacks) expect(existsSync(join(cwd, "cdktf.out", "stacks", stack, "cdk.tf.json"))).toBe(true);
    expect(printed).toEqual(['synthesized environment "prod" into cdktf.out']);
  });
});
