/**
 * npm run tf:check [-- --env dev --stack network --jobs 3 --keep]
 * Terraform itself checks every stack of every environment offline: init (no backend), validate,
 * plan -refresh=false -lock=false with fake credentials. See docs/tf-check.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS, loadConfig } from "../../config";
import { synthEnvironment } from "../../main";
import { checkStacks, EXIT, formatTable, mirrorProviders, type StackInput } from "./check";
import type { Providers } from "./prepare";
import { terraformVersion } from "./terraform";

type Json = Record<string, unknown>;

export const HELP = `Usage: npm run tf:check [-- options]

Synthesizes every environment and runs, per stack, in a copy with no backend:
terraform init -backend=false, terraform validate, terraform plan -refresh=false -lock=false,
with fake AWS credentials. Prints: env | stack | validate | add | change | destroy | notes.

Options:
  --env NAME     only this environment (repeatable; default: every one in config/)
  --stack NAME   only this stack (repeatable; default: every one)
  --jobs N       stacks checked at once (default 3)
  --keep         keep the working directory and print its path

Environment:
  TF_PLUGIN_MIRROR   a filesystem mirror to install providers from (nothing from the network);
                     unset: the registry. An older hashicorp/aws than the pin gets the translation
                     table (scripts/tf-check/translations.ts); a provider missing from the mirror
                     other than aws (hashicorp/random) has its resources skipped, said in notes.
  TERRAFORM_BINARY   terraform to run (default: terraform on PATH)

Exit codes:
  0  every stack validated and planned
  1  a stack failed init, validate or plan (one line per stack names it and the cause)
  2  bad arguments
  3  this machine cannot run the check: no terraform on PATH, or the mirror lacks hashicorp/aws
`;

export interface Args {
  readonly envs: string[];
  readonly stacks: string[];
  readonly jobs: number;
  readonly keep: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args {
  const envs: string[] = [];
  const stacks: string[] = [];
  let jobs = 3;
  let keep = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--env") envs.push(value());
    else if (a === "--stack") stacks.push(value());
    else if (a === "--jobs") {
      const v = value();
      jobs = Number(v);
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 12)
        throw new UsageError(`--jobs: got "${v}"; expected an integer from 1 to 12`);
    } else if (a === "--keep") keep = true;
    else if (a === "--help" || a === "-h") help = true;
    else throw new UsageError(`unknown argument "${a}"; see --help`);
  }
  for (const e of envs) {
    if (!(e in ENVIRONMENTS))
      throw new UsageError(
        `--env: unknown environment "${e}"; expected one of: ${Object.keys(ENVIRONMENTS).join(", ")}`,
      );
  }
  return { envs, stacks, jobs, keep, help };
}

/** Which provider versions this run installs, or the reason it cannot run (one line per stack). */
export function resolveProviders(
  mirror: string | undefined,
  required: readonly { env: string; stack: string; providers: Record<string, string> }[],
): { providers: Providers; problems: string[] } {
  if (!mirror) {
    const versions: Record<string, string> = {};
    for (const r of required) Object.assign(versions, r.providers);
    return { providers: { versions, mirror: false }, problems: [] };
  }
  const versions = mirrorProviders(mirror);
  const problems = versions.aws
    ? []
    : required
        .filter((r) => "aws" in r.providers)
        .map((r) => `tf:check: ${r.env}/${r.stack}: hashicorp/aws is not in the mirror ${mirror} (TF_PLUGIN_MIRROR)`);
  return { providers: { versions, mirror: true }, problems };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`tf:check: ${error.message}`);
    return EXIT.usage;
  }
  if (args.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const version = terraformVersion(env.TERRAFORM_BINARY ?? "terraform");
  if (!version) {
    console.error(
      `tf:check: every stack: terraform is not on PATH (${env.TERRAFORM_BINARY ?? "terraform"}); install Terraform >= 1.10`,
    );
    return EXIT.environment;
  }
  const work = mkdtempSync(join(tmpdir(), "fc-tf-check-"));
  try {
    const inputs: StackInput[] = [];
    for (const envName of args.envs.length ? args.envs : Object.keys(ENVIRONMENTS)) {
      const config = loadConfig(envName);
      const out = join(work, `synth-${envName}`);
      synthEnvironment(envName, out, undefined, {});
      const siblings: Record<string, Json> = {};
      for (const s of readdirSync(join(out, "stacks"))) {
        siblings[s] = JSON.parse(readFileSync(join(out, "stacks", s, "cdk.tf.json"), "utf8")) as Json;
      }
      for (const [stack, json] of Object.entries(siblings).sort(([a], [b]) => a.localeCompare(b))) {
        if (args.stacks.length && !args.stacks.includes(stack)) continue;
        inputs.push({
          env: envName,
          stack,
          json,
          siblings,
          accountId: config.accountId ?? "123456789012",
          region: config.region,
        });
      }
    }
    if (inputs.length === 0) {
      console.error(`tf:check: no stack matches --stack ${args.stacks.join(", ")}`);
      return EXIT.usage;
    }
    const mirror = env.TF_PLUGIN_MIRROR || undefined;
    const required = inputs.map((i) => ({
      env: i.env,
      stack: i.stack,
      providers: Object.fromEntries(
        Object.entries(
          ((i.json.terraform as Json).required_providers ?? {}) as Record<string, { version?: string }>,
        ).map(([n, p]) => [n, String(p.version ?? "")]),
      ),
    }));
    const { providers, problems } = resolveProviders(mirror, required);
    if (problems.length) {
      for (const p of problems) console.error(p);
      return EXIT.environment;
    }
    console.log(
      `tf:check: terraform ${version}; providers from ${mirror ? `mirror ${mirror}` : "the registry"} (${Object.entries(
        providers.versions,
      )
        .map(([n, v]) => `${n} ${v}`)
        .join(", ")}); ${inputs.length} stacks, ${args.jobs} at a time`,
    );
    const rows = await checkStacks(inputs, {
      workDir: join(work, "check"),
      providers,
      mirror,
      jobs: args.jobs,
      binary: env.TERRAFORM_BINARY,
    });
    console.log(formatTable(rows));
    const failed = rows.filter((r) => r.error);
    for (const r of failed) console.error(`tf:check: ${r.env}/${r.stack}: ${r.error}`);
    console.log(`\ntf:check: ${rows.length - failed.length} of ${rows.length} stacks passed`);
    return failed.length ? EXIT.stackFailed : EXIT.ok;
  } finally {
    if (args.keep) console.log(`tf:check: working directory kept at ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      console.error(`tf:check: ${error.stack ?? error.message}`);
      process.exitCode = EXIT.stackFailed;
    },
  );
}
