import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parseEnvConfig, type EnvConfig } from "./schema";

export { ConfigError, type EnvConfig } from "./schema";

export const DEFAULT_ENV = "dev";

/** config/ itself: every `<env>.ts` here is an environment. */
const CONFIG_DIR = __dirname;
/** An environment file's name: lowercase words joined by "-" (it is also the `<env>/` state key prefix). */
const ENVIRONMENT_FILE = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.ts$/;
/** Files of config/ that are not environments: this loader and the schemas and helpers beside it. */
const NOT_ENVIRONMENTS = /^(index|schema|.*-schema|failure-mode-parameter)\.ts$/;

/**
 * The environments this repository can deploy, in name order: every `config/<env>.ts` (a copy of
 * dev.ts as staging.ts is the environment "staging"). The one list CI, the lab and the tests use.
 */
export function environmentNames(dir: string = CONFIG_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => !NOT_ENVIRONMENTS.test(f) && !f.endsWith(".d.ts"))
    .flatMap((f) => ENVIRONMENT_FILE.exec(f)?.[1] ?? [])
    .sort();
}

/**
 * Loads `config/<name>.ts`'s default export. Under tsx (npm scripts, cdktn) `require` compiles
 * TypeScript itself; elsewhere (vitest) tsx's API does it.
 */
function loadEnvironmentFile(dir: string, name: string): unknown {
  const file = join(dir, `${name}.ts`);
  let mod: { default?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- environments are found at run time
    mod = require(file) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_UNKNOWN_FILE_EXTENSION" && code !== "MODULE_NOT_FOUND" && !(error instanceof SyntaxError)) {
      throw error;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx compiles the file on demand
    const tsx = require("tsx/cjs/api") as { require: (id: string, from: string) => { default?: unknown } };
    mod = tsx.require(file, __filename);
  }
  if (mod.default === undefined) {
    throw new ConfigError(`${file}: expected a default export with the environment's settings`);
  }
  return mod.default;
}

/**
 * The raw settings of every `<env>.ts` in `dir` by name, each loaded on first read (so one
 * environment's synth never loads the others).
 */
export function environmentsIn(dir: string): Readonly<Record<string, unknown>> {
  const entries = environmentNames(dir).map((name) => {
    let value: unknown;
    let loaded = false;
    const get = () => {
      if (!loaded) {
        value = loadEnvironmentFile(dir, name);
        loaded = true;
      }
      return value;
    };
    return [name, { get, enumerable: true }] as const;
  });
  return Object.freeze(Object.defineProperties({}, Object.fromEntries(entries)) as Record<string, unknown>);
}

/** This repository's environments: config/<env>.ts. */
export const ENVIRONMENTS: Readonly<Record<string, unknown>> = environmentsIn(CONFIG_DIR);

/** Reads FC_ENV (default dev); an unknown name is a ConfigError listing the known ones. */
export function envNameFrom(env: NodeJS.ProcessEnv): string {
  return env.FC_ENV === undefined || env.FC_ENV === "" ? DEFAULT_ENV : env.FC_ENV;
}

/** Validates the named environment's config; `environments` is replaceable for tests. */
export function loadConfig(envName: string, environments: Readonly<Record<string, unknown>> = ENVIRONMENTS): EnvConfig {
  if (!Object.hasOwn(environments, envName)) {
    throw new ConfigError(
      `FC_ENV: unknown environment ${JSON.stringify(envName)}; expected one of: ${Object.keys(environments).join(", ")} ` +
        `(each is a file config/<env>.ts)`,
    );
  }
  return parseEnvConfig(envName, environments[envName]);
}

/** True inside a CI runner (GitHub Actions and most others set CI=true). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI === "true" || env.CI === "1" || env.GITHUB_ACTIONS === "true";
}

/**
 * CI runners are throwaway: local state there is lost after every run, so a plan reads nothing and
 * a second deploy collides with the first one's resources. Refuse before anything is synthesized.
 */
export function assertStateSurvivesCi(config: EnvConfig, env: NodeJS.ProcessEnv): void {
  if (!isCi(env) || config.state) return;
  throw new ConfigError(
    `FC_ENV=${config.envName}: environment "${config.envName}" keeps local Terraform state (its config has no "state" block), ` +
      "and CI runners are throwaway: state written here is lost when the job ends. " +
      `Add state: { bucket: "<bucket>" } to config/${config.envName}.ts and apply the state stack first (README, "State").`,
  );
}
