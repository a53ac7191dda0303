import dev from "./dev";
import prod from "./prod";
import { ConfigError, parseEnvConfig, type EnvConfig } from "./schema";

export { ConfigError, type EnvConfig } from "./schema";

/** Every environment this repository can deploy; add a file and a line here for a new one. */
export const ENVIRONMENTS: Readonly<Record<string, unknown>> = { dev, prod };

export const DEFAULT_ENV = "dev";

/** Reads FC_ENV (default dev); an unknown name is a ConfigError listing the known ones. */
export function envNameFrom(env: NodeJS.ProcessEnv): string {
  return env.FC_ENV === undefined || env.FC_ENV === "" ? DEFAULT_ENV : env.FC_ENV;
}

/** Validates the named environment's config; `environments` is replaceable for tests. */
export function loadConfig(envName: string, environments: Readonly<Record<string, unknown>> = ENVIRONMENTS): EnvConfig {
  if (!Object.hasOwn(environments, envName)) {
    throw new ConfigError(
      `FC_ENV: unknown environment ${JSON.stringify(envName)}; expected one of: ${Object.keys(environments).join(", ")}`,
    );
  }
  return parseEnvConfig(envName, environments[envName]);
}
