import { expect } from "vitest";
import dev from "../../config/dev";
import { ConfigError, parseEnvConfig } from "../../config/schema";

// Tests write deliberately ill-typed values into the config.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Patchable = Record<string, any>;

/** dev's config with one change; `patch` mutates a deep copy. */
export function devWith(patch: (c: Patchable) => void): unknown {
  const copy = structuredClone(dev) as Patchable;
  patch(copy);
  return copy;
}

/** The ConfigError message for a raw dev config (fails when it is accepted). */
export function errorOf(raw: unknown): string {
  try {
    parseEnvConfig("dev", raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}
