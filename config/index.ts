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

export function loadConfig(envName: string): EnvConfig {
  if (!Object.hasOwn(ENVIRONMENTS, envName)) {
    throw new ConfigError(
      `FC_ENV: unknown environment ${JSON.stringify(envName)}; expected one of: ${Object.keys(ENVIRONMENTS).join(", ")}`,
    );
  }
  return parseEnvConfig(envName, ENVIRONMENTS[envName]);
}
