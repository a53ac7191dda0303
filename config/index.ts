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
