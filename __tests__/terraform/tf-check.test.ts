// tf:check with the real terraform: one real stack checked and its table row, a broken stack's row,
// and the bad-input answers (exit code and one line naming the stack and the cause).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../config";
import { checkStacks, EXIT, formatTable, mirrorProviders, type StackInput } from "../../scripts/tf-check/check";
import { HELP, main } from "../../scripts/tf-check/run";
import { synthesizedEnvironment } from "../helpers/synth-once";

const mirror = process.env.TF_PLUGIN_MIRROR || undefined;
let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, "log").mockImplementation((m: string) => void out.push(m));
  vi.spyOn(console, "error").mockImplementation((m: string) => void err.push(m));
});
afterEach(() => vi.restoreAllMocks());

const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith("fc-tf-check-"));

describe("tf:check on real stacks", () => {
  it("when dev's state stack is checked, then it validates and plans every resource as an add; a stack with an unknown argument fails naming it", async () => {
    const { stacks } = await synthesizedEnvironment("dev");
    const config = loadConfig("dev");
    const siblings = stacks as unknown as Record<string, Record<string, unknown>>;
    const base = { env: "dev", siblings, accountId: config.accountId!, region: config.region };
    const broken = structuredClone(stacks.state!) as unknown as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    broken.resource.aws_s3_bucket!.state_bucket_bucket!.bogus_argument = true;
    const inputs: StackInput[] = [
      { ...base, stack: "state", json: stacks.state! as unknown as Record<string, unknown> },
      { ...base, stack: "state-broken", json: broken },
    ];
    const versions = mirror ? mirrorProviders(mirror) : { aws: "6.66.0" };
    const workDir = mkdtempSync(join(tmpdir(), "fc-tf-check-test-"));
    const rows = await checkStacks(inputs, {
      workDir,
      providers: { versions, mirror: Boolean(mirror) },
      mirror,
      jobs: 2,
    }).finally(() => rmSync(workDir, { recursive: true, force: true }));
    const resources = Object.values(stacks.state!.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
    const table = formatTable(rows).split("\n");
    expect(table[0]).toBe("env | stack        | validate | add | change | destroy | notes");
    expect(table[2]).toBe(
      `dev | state        | ok       | ${String(resources).padEnd(3)} | 0      | 0       | stubbed data: aws_caller_identity`,
    );
    expect(rows[1]).toMatchObject({ stack: "state-broken", validate: "failed" });
    expect(rows[1]!.error).toMatch(
      /^validate: Extraneous JSON object property: No argument or block type is named "bogus_argument"\./,
    );
  }, 120_000);
});

describe("tf:check bad input", () => {
  it("when an argument is unknown, then it exits 2 with one line and leaves no working directory", async () => {
    const before = leftovers();
    expect(await main(["--stacks", "x"])).toBe(EXIT.usage);
    expect(err).toEqual(['tf:check: unknown argument "--stacks"; see --help']);
    expect(await main(["--env", "qa"])).toBe(EXIT.usage);
    expect(err[1]).toBe('tf:check: --env: unknown environment "qa"; expected one of: dev, prod');
    expect(leftovers()).toEqual(before);
  });

  it("when --help is asked, then it prints the exit codes it documents", async () => {
    expect(await main(["--help"])).toBe(EXIT.ok);
    expect(out.join("\n")).toBe(HELP);
    for (const code of Object.values(EXIT)) expect(HELP).toMatch(new RegExp(`^  ${code}  `, "m"));
  });

  it("when terraform is not on PATH, then it exits 3 with one line saying so and writes nothing", async () => {
    const before = leftovers();
    expect(await main([], { ...process.env, TERRAFORM_BINARY: "/nonexistent/terraform" })).toBe(EXIT.environment);
    expect(err).toEqual([
      "tf:check: every stack: terraform is not on PATH (/nonexistent/terraform); install Terraform >= 1.10",
    ]);
    expect(leftovers()).toEqual(before);
  });

  it("when the mirror lacks hashicorp/aws, then it exits 3 with one line per stack naming it and the mirror", async () => {
    const empty = mkdtempSync(join(tmpdir(), "fc-empty-mirror-"));
    const before = leftovers();
    const code = await main(["--env", "dev"], { ...process.env, TF_PLUGIN_MIRROR: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(code).toBe(EXIT.environment);
    const { stacks } = await synthesizedEnvironment("dev");
    expect(err).toEqual(
      Object.keys(stacks)
        .sort()
        .map((s) => `tf:check: dev/${s}: hashicorp/aws is not in the mirror ${empty} (TF_PLUGIN_MIRROR)`),
    );
    expect(leftovers()).toEqual(before);
  }, 60_000);
});
