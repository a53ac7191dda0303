// npm run lab -- status|set <mode>|reset [--service <name>] [--env dev] [--yes-prod]
// The break/fix lab: reads and flips the failure-mode SSM parameters the services stack creates, one
// per service of the environment's config.
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type GetParameterCommandOutput,
} from "@aws-sdk/client-ssm";
import { baseConfigShape, FAILURE_MODES, type FailureMode } from "../apps/shared/src/config";
import { DEFAULT_ENV, ENVIRONMENTS, loadConfig } from "../config";
import { failureModeParameterName } from "../config/failure-mode-parameter";

const COMMANDS = ["status", "set", "reset"] as const;
type Command = (typeof COMMANDS)[number];
const FLAGS = ["--service", "--env", "--yes-prod"] as const;

export const USAGE = "usage: npm run lab -- status|set <mode>|reset [--service <name>] [--env <env>] [--yes-prod]";

/** How long one SSM call may take before the lab gives up. */
export const SSM_DEADLINE_MS = 5_000;

/** How often the apps re-read the parameter by default (FAILURE_MODE_TTL_MS). */
export const APP_TTL_MS: number = baseConfigShape.FAILURE_MODE_TTL_MS.parse(undefined);

/** A usage or environment problem; nothing was written. */
export class LabError extends Error {
  override name = "LabError";
}

export interface LabArgs {
  readonly command: Command;
  readonly mode?: FailureMode;
  /** Services of the environment's config the command acts on (all of them without --service). */
  readonly services: readonly string[];
  readonly envName: string;
  readonly yesProd: boolean;
}

const list = (xs: readonly string[]) => xs.join(", ");

/** Parses argv; every mistake is a LabError naming the argument, the value and what is allowed. */
export function parseLabArgs(
  argv: readonly string[],
  environments: Readonly<Record<string, unknown>> = ENVIRONMENTS,
): LabArgs {
  const positional: string[] = [];
  let service: string | undefined;
  let envName = DEFAULT_ENV;
  let yesProd = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--")
      ? (arg.split("=", 2) as [string, string | undefined])
      : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new LabError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === "--service") service = value();
    else if (flag === "--env") envName = value();
    else if (flag === "--yes-prod") yesProd = true;
    else if (flag.startsWith("-")) throw new LabError(`unknown flag ${flag}; allowed: ${list(FLAGS)}\n${USAGE}`);
    else positional.push(arg);
  }
  const [command, ...rest] = positional;
  if (command === undefined) throw new LabError(`missing command; expected one of: ${list(COMMANDS)}\n${USAGE}`);
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new LabError(`unknown command "${command}"; expected one of: ${list(COMMANDS)}\n${USAGE}`);
  }
  let mode: FailureMode | undefined;
  if (command === "set") {
    const wanted = rest.shift();
    if (wanted === undefined) throw new LabError(`set needs a mode; allowed modes: ${list(FAILURE_MODES)}`);
    if (!(FAILURE_MODES as readonly string[]).includes(wanted)) {
      throw new LabError(`unknown mode "${wanted}"; allowed modes: ${list(FAILURE_MODES)}`);
    }
    mode = wanted as FailureMode;
  } else if (command === "reset") {
    mode = "none";
  }
  if (rest.length > 0) throw new LabError(`unexpected argument(s) ${list(rest)}\n${USAGE}`);
  if (!Object.hasOwn(environments, envName)) {
    throw new LabError(`unknown environment "${envName}"; --env accepts: ${list(Object.keys(environments))}`);
  }
  const services = labServices(envName, environments);
  if (service !== undefined && !services.includes(service)) {
    throw new LabError(`unknown service "${service}"; --service accepts the services of ${envName}: ${list(services)}`);
  }
  return {
    command: command as Command,
    mode,
    services: service === undefined ? services : [service],
    envName,
    yesProd,
  };
}

/** The services the lab offers in an environment: every service of its config (each has a failure-mode parameter). */
export function labServices(envName: string, environments: Readonly<Record<string, unknown>> = ENVIRONMENTS): string[] {
  return Object.keys(loadConfig(envName, environments).services);
}

export interface LabDeps {
  readonly ssm: Pick<SSMClient, "send">;
  readonly write: (line: string) => void;
  /** @default SSM_DEADLINE_MS */
  readonly deadlineMs?: number;
  /** @default ENVIRONMENTS (config/<env>.ts) */
  readonly environments?: Readonly<Record<string, unknown>>;
}

/** Runs an SSM call with a deadline; the abort signal also cancels the HTTP request. */
async function withDeadline<T>(what: string, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new LabError(`${what}: SSM did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), timeout]);
  } catch (error) {
    if (error instanceof LabError) throw error;
    const e = error as Error;
    throw new LabError(`${what}: ${e.name}: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function readMode(deps: LabDeps, name: string): Promise<string | undefined> {
  const ms = deps.deadlineMs ?? SSM_DEADLINE_MS;
  return withDeadline(`reading ${name}`, ms, async (abortSignal) => {
    try {
      const out: GetParameterCommandOutput = await deps.ssm.send(new GetParameterCommand({ Name: name }), {
        abortSignal,
      });
      return out.Parameter?.Value;
    } catch (error) {
      if (error instanceof ParameterNotFound || (error as Error).name === "ParameterNotFound") return undefined;
      throw error;
    }
  });
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** Runs the lab command; returns the exit code. Writes happen only after every check passed. */
export async function runLab(args: LabArgs, deps: LabDeps): Promise<number> {
  const config = loadConfig(args.envName, deps.environments);
  const names = args.services.map((s) => ({ service: s, name: failureModeParameterName(config.namePrefix, s) }));
  const width = Math.max(9, ...args.services.map((s) => s.length + 1));

  if (args.command === "status") {
    for (const { service, name } of names) {
      const value = await readMode(deps, name);
      deps.write(`${service.padEnd(width)} ${name}  ${value ?? "(not found: deploy the services stack first)"}`);
    }
    return 0;
  }

  if (args.envName === "prod" && !args.yesProd) {
    throw new LabError("refusing to change failure modes in prod without --yes-prod; nothing was written");
  }
  const mode = args.mode!;
  const current = await Promise.all(names.map(async (n) => ({ ...n, old: await readMode(deps, n.name) })));
  const missing = current.filter((c) => c.old === undefined);
  if (missing.length > 0) {
    throw new LabError(
      `parameter not found: ${list(missing.map((m) => m.name))} (the services stack creates it; deploy it first); nothing was written`,
    );
  }
  const ms = deps.deadlineMs ?? SSM_DEADLINE_MS;
  for (const { service, name, old } of current) {
    if (old === mode) {
      deps.write(`${service.padEnd(width)} ${name}  ${mode} (unchanged)`);
      continue;
    }
    // The parameter exists (checked above): Overwrite keeps its type and tags.
    await withDeadline(`writing ${name}`, ms, async (abortSignal) => {
      await deps.ssm.send(new PutParameterCommand({ Name: name, Value: mode, Overwrite: true }), { abortSignal });
    });
    deps.write(`${service.padEnd(width)} ${name}  ${old} → ${mode}`);
  }
  deps.write(
    `Running tasks pick this up within ${seconds(APP_TTL_MS)} (FAILURE_MODE_TTL_MS default): each task re-reads the ` +
      "parameter once its cached value is older than that, and serves the new mode from the next request on.",
  );
  return 0;
}

if (require.main === module) {
  (async () => {
    try {
      const args = parseLabArgs(process.argv.slice(2));
      const config = loadConfig(args.envName);
      const ssm = new SSMClient({ region: config.region, maxAttempts: 2 });
      process.exitCode = await runLab(args, { ssm, write: (line) => process.stdout.write(`${line}\n`) });
    } catch (error) {
      process.stderr.write(`${error instanceof LabError ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  })();
}
