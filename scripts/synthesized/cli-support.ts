import { ConfigError, type EnvConfig, loadConfig } from "../../config";
import { PropError } from "../../modules/lib/validate";
import { SynthReadError, type Synth } from "./synth";
import { synthOf } from "./synth-env";

/** Where a CLI writes: stdout and stderr in use, strings in tests. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

type Environments = Readonly<Record<string, unknown>>;

/** Checks an `--env` value: a known environment or "all"; the error names the allowed values. */
export function checkEnvOption(env: string | undefined, environments: Environments): void {
  const allowed = `${Object.keys(environments).join(", ")}, or all`;
  if (env === undefined) throw new Error(`--env is required: one of ${allowed}`);
  if (env !== "all" && !Object.hasOwn(environments, env)) {
    throw new Error(`--env: unknown environment "${env}"; expected one of ${allowed}`);
  }
}

/** The environments an `--env` value names. */
export const environmentsNamed = (env: string, environments: Environments): string[] =>
  env === "all" ? Object.keys(environments) : [env];

/** An environment's validated config and its synth: from `dir`, else synthesized in-process (said on stderr). */
export async function loadEnvironment(
  env: string,
  dir: string,
  io: Io,
  environments: Environments,
): Promise<{ config: EnvConfig; synth: Synth }> {
  const config = loadConfig(env, environments);
  const synth = await synthOf(config, dir, () =>
    io.err(`${dir} holds no synth of "${env}": synthesizing it in-process into a temporary directory\n`),
  );
  return { config, synth };
}

/** Errors that come from the user's input (config, construct props, synth files) rather than a bug. */
export const isInputError = (error: unknown): error is Error =>
  error instanceof ConfigError || error instanceof PropError || error instanceof SynthReadError;

/** Runs a CLI's main with the process's argv and streams, and sets the exit code. */
export function runAsScript(main: (argv: readonly string[], io: Io) => Promise<number>): void {
  main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
