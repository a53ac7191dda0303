import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../config/schema";
import { main } from "../../scripts/cost/cli";
import { NetworkStack } from "../../stacks/network";
import { devWith, type Patchable } from "../helpers/config";

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

/** A synth directory holding dev's network stack only, with a config change. */
function networkSynth(patch: (c: Patchable) => void): string {
  const outdir = tempDir("fc-cost-cli-");
  const app = new App({ outdir });
  new NetworkStack(app, "network", { config: parseEnvConfig("dev", devWith(patch)) });
  app.synth();
  return outdir;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const natMode = (mode: string) => (c: Patchable) => {
  c.network = { vpcCidr: "10.30.0.0/16", azCount: 3, natMode: mode, vpcEndpoints: false, flowLogRetentionDays: 14 };
};

describe("npm run cost", () => {
  let single: string;
  let perAz: string;
  beforeAll(() => {
    single = networkSynth(natMode("single"));
    perAz = networkSynth(natMode("per-az"));
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("when a baseline is given, then markdown shows before, after and delta per stack and for the environment", async () => {
    const { code, out, err } = await run("--env", "dev", "--out", perAz, "--baseline", single, "--format", "markdown");
    expect(err).toBe("");
    expect(code).toBe(0);
    // two more NAT gateways (2 × 730 h × $0.048) with their Elastic IPs (2 × 730 h × $0.005)
    expect(out).toMatch(/\| network \| \$[\d.,]+ \| \$[\d.,]+ \| \+\$77\.38 \|/);
    expect(out).toMatch(/\| \*\*total\*\* \| \$[\d.,]+ \| \$[\d.,]+ \| \*\*\+\$77\.38\*\* \|/);
    expect(out).toContain("| network | NAT gateways | 3 NAT gateways × 730 h; 20 GB processed | $106.08 |");
    expect(out).toContain("| `natGbPerMonth` | 20 |");
  });

  it("when the output is JSON, then it carries the estimate and the comparison as numbers", async () => {
    const { code, out } = await run("--env", "dev", "--out", perAz, "--baseline", single, "--format", "json");
    expect(code).toBe(0);
    const [report] = JSON.parse(out) as [
      { environment: string; comparison: { delta: { low: number } }; estimate: { region: string } },
    ];
    expect(report.environment).toBe("dev");
    expect(report.estimate.region).toBe("eu-west-1");
    expect(report.comparison.delta.low).toBeCloseTo(77.38, 6);
  });

  it("when the baseline holds another environment, then the report says there is no baseline", async () => {
    const { code, out } = await run("--env", "dev", "--out", perAz, "--baseline", tempDir("fc-cost-empty-"));
    expect(code).toBe(0);
    expect(out).toMatch(/no baseline: .* holds no synth of "dev"/);
  });

  it("when the environment's region has no price table, then it exits 2 saying no prices for that region", async () => {
    const elsewhere = networkSynth((c) => {
      c.region = "us-east-1";
    });
    const { code, out } = await run("--env", "dev", "--out", elsewhere);
    expect(code).toBe(2);
    expect(out).toMatch(/^dev: no prices for us-east-1: /);
  });

  it("when the arguments are wrong, then it exits 1 naming the option and prints no estimate", async () => {
    const cases: [string[], RegExp][] = [
      [["--env", "staging"], /--env: unknown environment "staging"; expected one of dev, prod, or all/],
      [["--env", "dev", "--format", "xml"], /--format: got "xml"; expected one of text, markdown, json/],
      [["--env", "dev", "--baseline", "/nonexistent/base"], /--baseline: \/nonexistent\/base does not exist/],
      [["--format", "text"], /--env is required/],
      [["--env", "dev", "--colour"], /Unknown option '--colour'/],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = await run(...argv);
      expect({ argv, code, out }).toEqual({ argv, code: 1, out: "" });
      expect(err).toMatch(message);
      expect(err).toContain("exit codes:");
    }
  });

  it("when --out holds no synth of the environment, then it synthesizes it in-process and removes the temporary copy", async () => {
    const empty = tempDir("fc-cost-noout-");
    const privateTmp = tempDir("fc-cost-tmp-");
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run("--env", "dev", "--out", empty);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(result.code).toBe(0);
    expect(result.err).toContain(`${empty} holds no synth of "dev": synthesizing it in-process`);
    for (const stack of ["network", "platform", "data", "services", "ops"]) {
      expect(result.out).toMatch(new RegExp(`^${stack}: \\$`, "m"));
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(privateTmp)).toEqual([]);
  });
});
