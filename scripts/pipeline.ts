// npm run -s pipeline -- <command> [options]: the steps of plan.yml, deploy.yml and drift.yml that
// read the services catalog or compose a comment, as tested code instead of inline shell.
//
//   builds             --catalog <file>...                      JSON build matrix ({"include":[...]})
//   push-targets       --catalog <file> --outputs <file>        "<image> <repository URL>" per line
//   release-vars       --catalog <file> --tag <tag>             "--var=<name>=<tag>" per line
//   deployed-tag-vars  --catalog <file> --platform-outputs <file> --state <file|->
//                                                               "-var=<name>=<tag>" per running image
//   check-deployments  --catalog <file> --outputs <file>... --since <ISO time> [--timeout-min N]
//   plan-comment       --env <env> --sha <sha> --run-url <url> --dir <plans dir> [--base-diagram <file>]
//
// Exit codes: 0 done, 1 a deployment failed or timed out, 2 bad input.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import { parseCatalog, type Catalog } from "./pipeline/catalog";
import { watchDeployments } from "./pipeline/ecs-outcome";
import { failureComment, summaryComment, type PlanFailure } from "./pipeline/plan-comment";
import {
  deployedTagVariables,
  deploymentTargets,
  imageBuilds,
  imagesInState,
  pushTargets,
  releaseVariables,
  terraformOutputValues,
  type StackOutputs,
} from "./pipeline/release";
import { asPlan } from "./plan-summary/plan-format";
import { summarize, toMarkdown } from "./plan-summary/summarize";

export class UsageError extends Error {
  override name = "UsageError";
}

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readText: (path: string) => string;
  readonly ecs: () => ECSClient;
}

type Options = Map<string, string[]>;

function parseOptions(args: readonly string[], allowed: readonly string[]): Options {
  const options: Options = new Map();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const value = args[i + 1];
    if (!allowed.includes(flag)) throw new UsageError(`unknown option ${flag}; allowed: ${allowed.join(", ")}`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    options.set(flag, [...(options.get(flag) ?? []), value]);
  }
  return options;
}

function one(options: Options, flag: string): string {
  const values = options.get(flag) ?? [];
  if (values.length !== 1) throw new UsageError(`${flag} is required once`);
  return values[0]!;
}

function readJson(io: Io, path: string): unknown {
  let text: string;
  try {
    text = io.readText(path);
  } catch (error) {
    throw new UsageError(`${path}: cannot read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not JSON: ${(error as Error).message}`);
  }
}

function catalogOf(io: Io, path: string): Catalog {
  try {
    return parseCatalog(readJson(io, path), path);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

/** Merges `cdktn deploy --outputs-file` files (stack → output → value). */
function outputsOf(io: Io, paths: readonly string[]): StackOutputs {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const path of paths) {
    const json = readJson(io, path);
    if (typeof json !== "object" || json === null)
      throw new UsageError(`${path}: expected { <stack>: { <output>: value } }`);
    for (const [stack, values] of Object.entries(json as Record<string, Record<string, unknown>>)) {
      merged[stack] = { ...merged[stack], ...values };
    }
  }
  return merged;
}

/** The comment for the plans in `dir`: failure.json when a step failed, else json/*.json plans. */
function planComment(io: Io, options: Options): string {
  const ctx = { env: one(options, "--env"), sha: one(options, "--sha"), runUrl: one(options, "--run-url") };
  const dir = one(options, "--dir");
  const failurePath = join(dir, "failure.json");
  if (existsSync(failurePath)) {
    const f = readJson(io, failurePath) as { stack?: unknown; step?: unknown; log?: unknown; planned?: unknown };
    if (typeof f.stack !== "string" || typeof f.step !== "string" || typeof f.log !== "string") {
      throw new UsageError(`${failurePath}: expected { stack, step, log, planned }`);
    }
    // The plan job writes log paths relative to its working directory; next to failure.json also works.
    const logPath = [f.log, join(dir, basename(f.log))].find((p) => existsSync(p));
    const log = logPath === undefined ? "(the step's log is missing)" : io.readText(logPath);
    const failure: PlanFailure = {
      stack: f.stack,
      step: f.step,
      log,
      planned: Array.isArray(f.planned) ? f.planned.map(String) : [],
    };
    return failureComment(ctx, failure);
  }
  const planDir = join(dir, "json");
  const files = existsSync(planDir)
    ? readdirSync(planDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];
  if (files.length === 0) throw new UsageError(`${planDir}: no plans and no failure.json`);
  const summaries = files.map((f) => summarize(f.replace(/\.json$/, ""), asPlan(readJson(io, join(planDir, f)), f)));
  const optional = (name: string) => (existsSync(join(dir, name)) ? io.readText(join(dir, name)) : undefined);
  const diagram = optional("diagram.md");
  const baseDiagramPath = options.get("--base-diagram")?.[0];
  const baseDiagram = baseDiagramPath && existsSync(baseDiagramPath) ? io.readText(baseDiagramPath) : undefined;
  return summaryComment(ctx, {
    summary: toMarkdown(summaries),
    redFlags: summaries.reduce((n, s) => n + s.redFlags.length, 0),
    cost: optional("cost.md"),
    // Shown only when the services or their edges changed (or there is no base to compare with).
    diagram: diagram !== undefined && diagram.trim() !== baseDiagram?.trim() ? diagram : undefined,
  });
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "builds": {
      const o = parseOptions(args, ["--catalog"]);
      const catalogs = (o.get("--catalog") ?? []).map((p) => catalogOf(io, p));
      if (catalogs.length === 0) throw new UsageError("--catalog is required");
      io.out(`${JSON.stringify({ include: imageBuilds(catalogs) })}\n`);
      return 0;
    }
    case "push-targets": {
      const o = parseOptions(args, ["--catalog", "--outputs"]);
      const targets = pushTargets(catalogOf(io, one(o, "--catalog")), outputsOf(io, o.get("--outputs") ?? []));
      io.out(targets.map((t) => `${t.image} ${t.repositoryUrl}\n`).join(""));
      return 0;
    }
    case "release-vars": {
      const o = parseOptions(args, ["--catalog", "--tag"]);
      io.out(
        releaseVariables(catalogOf(io, one(o, "--catalog")), one(o, "--tag"))
          .map((v) => `--var=${v}\n`)
          .join(""),
      );
      return 0;
    }
    case "deployed-tag-vars": {
      const o = parseOptions(args, ["--catalog", "--platform-outputs", "--state"]);
      const statePath = one(o, "--state");
      const state = readJson(io, statePath === "-" ? "/dev/stdin" : statePath);
      const vars = deployedTagVariables(
        catalogOf(io, one(o, "--catalog")),
        terraformOutputValues(readJson(io, one(o, "--platform-outputs"))),
        imagesInState(state),
        (m) => io.err(`${m}\n`),
      );
      io.out(vars.map((v) => `-var=${v}\n`).join(""));
      return 0;
    }
    case "check-deployments": {
      const o = parseOptions(args, ["--catalog", "--outputs", "--since", "--timeout-min"]);
      const since = new Date(one(o, "--since"));
      if (Number.isNaN(since.getTime())) throw new UsageError(`--since: not a time: ${one(o, "--since")}`);
      const timeoutMin = Number(o.get("--timeout-min")?.[0] ?? "60");
      if (!Number.isInteger(timeoutMin) || timeoutMin < 1 || timeoutMin > 360) {
        throw new UsageError("--timeout-min must be an integer from 1 to 360");
      }
      let targets: ReturnType<typeof deploymentTargets>;
      try {
        targets = deploymentTargets(catalogOf(io, one(o, "--catalog")), outputsOf(io, o.get("--outputs") ?? []));
      } catch (error) {
        throw error instanceof UsageError ? error : new UsageError((error as Error).message);
      }
      const outcomes = await watchDeployments({
        ecs: io.ecs(),
        cluster: targets.cluster,
        services: targets.services,
        since,
        timeoutMs: timeoutMin * 60_000,
        log: (line) => io.out(`${line}\n`),
      });
      const failed = outcomes.filter((r) => !r.ok);
      // One annotation per failed service, so the run's summary names it.
      for (const f of failed) io.out(`::error title=ECS deployment of ${f.name} failed::${f.name}: ${f.detail}\n`);
      return failed.length > 0 ? 1 : 0;
    }
    case "plan-comment": {
      io.out(planComment(io, parseOptions(args, ["--env", "--sha", "--run-url", "--dir", "--base-diagram"])));
      return 0;
    }
    default:
      throw new UsageError(
        `unknown command ${JSON.stringify(command ?? "")}; expected one of: builds, push-targets, release-vars, deployed-tag-vars, check-deployments, plan-comment`,
      );
  }
}

if (require.main === module) {
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readText: (p) => readFileSync(p, "utf8"),
    ecs: () => new ECSClient({}),
  };
  run(process.argv.slice(2), io).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`pipeline: ${error.message}\n`);
      process.exitCode = 2;
    },
  );
}
