// `npm run synth:hcl` writes HCL that Terraform accepts: terraform fmt -check on every stack of every
// environment, and terraform validate with the provider (TF_PLUGIN_MIRROR, or the registry).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENTS, loadConfig } from "../../config";
import { cliConfig, mirrorProviders } from "../../scripts/tf-check/check";
import { explainedByTable, TRANSLATIONS, type Diagnostic } from "../../scripts/tf-check/translations";
import { synthHcl } from "../helpers/hcl";
import { synthesizedEnvironment, type SharedEnvironment } from "../helpers/synth-once";

const envs = Object.keys(ENVIRONMENTS) as SharedEnvironment[];
let root: string;
const stacksOf: Record<string, string[]> = {};

function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync("terraform", args, {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", ...env },
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fc-hcl-"));
  for (const env of envs) stacksOf[env] = await synthHcl(loadConfig(env), join(root, env));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("npm run synth:hcl", () => {
  it("when every stack's cdk.tf goes through terraform fmt -check, then each parses and is already canonical", async () => {
    const r = terraform(["fmt", "-check", "-recursive", "-no-color", "."], root, { TF_CLI_CONFIG_FILE: "/dev/null" });
    expect(r.stdout + r.stderr, "terraform fmt -check").toBe("");
    expect(r.status).toBe(0);
    // Every stack the JSON synth writes has its cdk.tf.
    for (const env of envs)
      expect(stacksOf[env]).toEqual(Object.keys((await synthesizedEnvironment(env)).stacks).sort());
  });

  it("when validated with the provider, one root module calling every stack, then only the translation table's attributes are missing from an older provider", async () => {
    const mirror = process.env.TF_PLUGIN_MIRROR || undefined;
    const installable = mirror ? mirrorProviders(mirror) : undefined;
    const aws = installable?.aws ?? "6.66.0";
    const modules: Record<string, { source: string }> = {};
    const left: string[] = [];
    for (const env of envs) {
      const { stacks } = await synthesizedEnvironment(env);
      for (const stack of stacksOf[env]!) {
        // A stack needing a provider the mirror lacks (hashicorp/random) cannot be validated here.
        const needs = Object.keys(stacks[stack]!.terraform.required_providers ?? {});
        if (installable && needs.some((p) => !installable[p])) {
          left.push(`${env}/${stack}`);
          continue;
        }
        const dir = join(root, "validate", env, stack);
        cpSync(join(root, env, "stacks", stack, "cdk.tf"), join(dir, "cdk.tf"));
        // The table's reference translations, as tf:check applies them to its JSON copies.
        let hcl = readFileSync(join(dir, "cdk.tf"), "utf8");
        if (aws !== "6.66.0") {
          for (const t of TRANSLATIONS) if (t.kind === "reference") hcl = hcl.replace(t.from, t.to);
        }
        writeFileSync(join(dir, "cdk.tf"), hcl);
        writeFileSync(
          join(dir, "versions_override.tf.json"),
          JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: aws } } } }),
        );
        modules[`${env}_${stack}`] = { source: `./${env}/${stack}` };
      }
    }
    const expectedLeft = envs.flatMap((env) =>
      stacksOf[env]!.filter(
        (s) =>
          installable && readFileSync(join(root, env, "stacks", s, "cdk.tf"), "utf8").includes('resource "random_'),
      ).map((s) => `${env}/${s}`),
    );
    expect(left).toEqual(expectedLeft);
    expect(Object.keys(modules).length).toBeGreaterThanOrEqual(10);

    const validateRoot = join(root, "validate");
    writeFileSync(join(validateRoot, "main.tf.json"), JSON.stringify({ module: modules }));
    writeFileSync(join(validateRoot, "terraform.rc"), cliConfig(mirror));
    mkdirSync(join(validateRoot, "plugin-cache"));
    // With a mirror, a CLI configuration of our own; without, the user's (the registry, or their mirrors).
    const cliConfigFile = mirror ? join(validateRoot, "terraform.rc") : process.env.TF_CLI_CONFIG_FILE;
    const env = {
      ...(cliConfigFile ? { TF_CLI_CONFIG_FILE: cliConfigFile } : {}),
      TF_PLUGIN_CACHE_DIR: join(validateRoot, "plugin-cache"),
    };
    const init = terraform(["init", "-backend=false", "-input=false", "-no-color"], validateRoot, env);
    const hint =
      "no provider: set TF_PLUGIN_MIRROR to a filesystem mirror (.ci/run does) or give terraform registry access";
    expect(init.status, `${hint}\n${init.stderr}`).toBe(0);
    const validate = terraform(["validate", "-json", "-no-color"], validateRoot, env);
    const errors = (JSON.parse(validate.stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter(
      (d) => d.severity === "error",
    );
    const unexplained = errors
      .filter((d) => !explainedByTable(d, aws))
      .map((d) => `${d.summary}: ${d.detail} (${d.snippet?.context})`);
    expect(unexplained).toEqual([]);
  }, 120_000);
});
