// npm run -s diagram -- --env <name>|all [--out <dir>] [--format mermaid|markdown] [--write | --check]
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
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
import { ARCHITECTURE_DOC, embed, isCurrent, MissingMarkersError } from "./doc";
import { toMermaid } from "./mermaid";
import { architecture } from "./model";

export const USAGE = `usage: npm run -s diagram -- --env <name>|all [--out <dir>] [--format mermaid|markdown] [--write | --check]

Draws an environment as a Mermaid flowchart from its synthesized stacks (docs/architecture.md):
VPC tiers, NAT, the ALB with its WAF and listener rules, every ECS service with its Service
Connect edges and data stores, the log and trace pipelines, and the alarm topic.

  --env <name>|all   environment (config/<name>.ts), or every environment
  --out <dir>        synth to read (default cdktf.out; <dir>/<env>/ also works); an environment
                     it holds no synth of is synthesized in-process into a temporary directory
  --format <f>       mermaid (default; one environment) or markdown (a fenced block per environment)
  --write            replace the environment's diagram in ${ARCHITECTURE_DOC} instead of printing
  --check            print nothing; fail when ${ARCHITECTURE_DOC} holds a different diagram

exit codes:
  0  diagram printed, written, or (--check) up to date
  1  bad arguments, unknown environment, invalid config, unreadable synth, or missing markers
  2  --check: the page's diagram differs from the synth (run the same command with --write)
`;

/** Runs the CLI; returns the exit code. `doc` (the page's path) and `environments` are replaceable for tests. */
export async function main(
  argv: readonly string[],
  io: Io,
  options: { doc?: string; environments?: Readonly<Record<string, unknown>> } = {},
): Promise<number> {
  const environments = options.environments ?? ENVIRONMENTS;
  const docPath = options.doc ?? resolve(__dirname, "../..", ARCHITECTURE_DOC);
  let args: ReturnType<typeof parse>;
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
  try {
    const diagrams: { env: string; mermaid: string }[] = [];
    for (const env of names) {
      const { synth } = await loadEnvironment(env, args.out, io, environments);
      diagrams.push({ env, mermaid: toMermaid(architecture(synth)) });
    }
    if (args.write || args.check) {
      const doc = readFileSync(docPath, "utf8");
      if (args.check) {
        const stale = diagrams.filter((d) => !isCurrent(doc, d.env, d.mermaid)).map((d) => d.env);
        if (stale.length === 0) return 0;
        io.err(
          `${ARCHITECTURE_DOC}: the diagram of ${stale.join(", ")} differs from the synth; run npm run diagram -- --env ${args.env} --write\n`,
        );
        return 2;
      }
      const updated = diagrams.reduce((text, d) => embed(text, d.env, d.mermaid), doc);
      if (updated !== doc) writeFileSync(docPath, updated);
      io.err(`${ARCHITECTURE_DOC}: ${updated === doc ? "already up to date" : "updated"} (${names.join(", ")})\n`);
      return 0;
    }
    io.out(
      args.format === "mermaid"
        ? diagrams[0]!.mermaid
        : diagrams.map((d) => `### ${d.env}\n\n\`\`\`mermaid\n${d.mermaid}\`\`\`\n`).join("\n"),
    );
    return 0;
  } catch (error) {
    if (isInputError(error) || error instanceof MissingMarkersError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[], environments: Readonly<Record<string, unknown>>) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: "string" },
      out: { type: "string", default: "cdktf.out" },
      format: { type: "string", default: "mermaid" },
      write: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const format = values.format!;
  if (format !== "mermaid" && format !== "markdown") {
    throw new Error(`--format: got "${format}"; expected mermaid or markdown`);
  }
  if (!values.help) {
    checkEnvOption(values.env, environments);
    if (values.write && values.check) throw new Error("--write and --check: choose one");
    if (values.env === "all" && format === "mermaid" && !values.write && !values.check) {
      throw new Error("--env all prints several diagrams: add --format markdown (or use --write / --check)");
    }
  }
  return { env: values.env, out: values.out!, format, write: values.write!, check: values.check!, help: values.help! };
}

if (require.main === module) runAsScript(main);
