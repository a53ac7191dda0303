import { createRequire } from "node:module";
import { register } from "tsx/cjs/api";

/**
 * Loads a module through Node's own `require` (tsx compiling TypeScript), as `npm run dev` and the
 * bundle do. Vitest imports packages as ESM, which OpenTelemetry's require hooks never see; the
 * tracing tests load the apps this way so the instrumentations patch express, redis and mysql2.
 */
export function nativeRequire(): <T>(id: string) => T {
  register();
  const req = createRequire(__filename);
  return <T>(id: string) => req(id) as T;
}
