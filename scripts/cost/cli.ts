// npm run -s cost -- --env <name>|all [--out <dir>] [--baseline <dir>] [--format text|markdown|json]
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ENVIRONMENTS } from "../../config";
import {
  checkEnvOption,
  environmentsNamed,
  type Io,
  isInputError,
  loadEnvironment,
  runAsScript,
} from "../synthesized/cli-support";
import { findSynth } from "../synthesized/synth";
import { estimate } from "./estimate";
import { NoPricesError } from "./price-table";
import { type EnvReport, type Format, render } from "./render";

export const USAGE = `usage: npm run -s cost -- --env <name>|all [--out <dir>] [--baseline <dir>] [--format text|markdown|json]

Estimates the monthly USD cost of each environment and stack from the synthesized Terraform
(docs/cost.md). Offline and deterministic: prices come from scripts/cost/prices/, usage
assumptions from the environment's config ("cost").

  --env <name>|all   environment to estimate (config/<name>.ts), or every environment
  --out <dir>        synth to read (default cdktf.out; <dir>/<env>/ also works); an environment
                     it holds no synth of is synthesized in-process into a temporary directory
  --baseline <dir>   synth of the base branch: adds before, after and delta per stack
  --format <f>       text (default), markdown (for a PR comment) or json

exit codes:
  0  estimate printed ("not priced" resources are listed, never counted as zero)
  1  bad arguments, unknown environment, invalid config, unreadable synth or baseline
  2  an environment's region has no price table ("no prices for <region>"); the others are printed
`;

const FORMATS: readonly Format[] = ["text", "markdown", "json"];

/** Runs the CLI; returns the exit code. `environments` is replaceable for tests. */
export async function main(
  argv: readonly string[],
  io: Io,
  environments: Readonly<Record<string, unknown>> = ENVIRONMENTS,
): Promise<number> {
  let args: { env?: string; out: string; baseline?: string; format: Format; help: boolean };
  try {
    args = parse(argv, environments);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const names = environmentsNamed(args.env!, environments);
  const reports: EnvReport[] = [];
  let code = 0;
  try {
    for (const env of names) {
      const report = await reportFor(env, args, io, environments);
      if (report.error) code = 2;
      reports.push(report);
    }
  } catch (error) {
    if (isInputError(error)) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  io.out(render(reports, args.format));
  return code;
}

function parse(argv: readonly string[], environments: Readonly<Record<string, unknown>>) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: "string" },
      out: { type: "string", default: "cdktf.out" },
      baseline: { type: "string" },
      format: { type: "string", default: "text" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const format = values.format as Format;
  if (!FORMATS.includes(format))
    throw new Error(`--format: got "${values.format}"; expected one of ${FORMATS.join(", ")}`);
  if (!values.help) {
    checkEnvOption(values.env, environments);
    if (values.baseline !== undefined && !existsSync(values.baseline)) {
      throw new Error(
        `--baseline: ${values.baseline} does not exist; expected the synth output (cdktf.out) of the base branch`,
      );
    }
  }
  return { env: values.env, out: values.out!, baseline: values.baseline, format, help: values.help! };
}

async function reportFor(
  env: string,
  args: { out: string; baseline?: string },
  io: Io,
  environments: Readonly<Record<string, unknown>>,
): Promise<EnvReport> {
  const { config, synth: after } = await loadEnvironment(env, args.out, io, environments);
  const base = args.baseline === undefined ? undefined : findSynth(args.baseline, env);
  try {
    const report: EnvReport = { environment: env, estimate: estimate(after, config.cost) };
    if (args.baseline === undefined) return report;
    if (!base) return { ...report, baseline: { note: `${args.baseline} holds no synth of "${env}"` } };
    try {
      return { ...report, baseline: { estimate: estimate(base, config.cost) } };
    } catch (error) {
      if (error instanceof NoPricesError) return { ...report, baseline: { note: error.message } };
      throw error;
    }
  } catch (error) {
    if (error instanceof NoPricesError) return { environment: env, error: error.message };
    throw error;
  }
}

if (require.main === module) runAsScript(main);
