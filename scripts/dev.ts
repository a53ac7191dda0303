// npm run dev: every service of config/dev.ts that this project builds (caller and responder in the
// example), on loopback against the local Redis and MariaDB, targets before their callers.
// <NAME>_PORT (CALLER_PORT, RESPONDER_PORT, ...) moves a service off its configured port; each
// caller's <TARGET>_URL points at the target's loopback port.
import { join } from "node:path";
import { serviceUrlEnvName } from "../apps/shared/src/env-contract";
import type { RunningServer } from "../apps/shared/src/server";
import { loadConfig } from "../config";
import type { ServiceConfig } from "../config/services-schema";

type Starter = (env: NodeJS.ProcessEnv) => Promise<RunningServer>;

/** The `start<App>` function apps/<app>/src/server.ts exports (startCaller, startResponder). */
function starterOf(app: string): Starter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app folder comes from config
  const mod = require(join(__dirname, "..", "apps", app, "src", "server")) as Record<string, unknown>;
  const name = `start${app.replace(/(^|-)([a-z0-9])/g, (_, __: string, c: string) => c.toUpperCase())}`;
  const start = mod[name];
  if (typeof start !== "function") throw new Error(`apps/${app}/src/server.ts: expected an exported ${name}(env)`);
  return start as Starter;
}

/** Targets before the services that connect to them (config order otherwise). */
function startOrder(services: Readonly<Record<string, ServiceConfig>>): string[] {
  const order: string[] = [];
  const visit = (name: string, seen: Set<string>) => {
    if (order.includes(name) || seen.has(name)) return;
    seen.add(name);
    for (const target of services[name]!.connectsTo) visit(target, seen);
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name, new Set());
  return order;
}

const portVariable = (service: string) => `${service.toUpperCase().replace(/-/g, "_")}_PORT`;

async function main(): Promise<void> {
  const config = loadConfig("dev");
  const services = config.services;
  const local = Object.keys(services).filter((name) => services[name]!.app !== undefined);
  const port = (name: string) => process.env[portVariable(name)] ?? String(services[name]!.port);
  // Locally every trace is kept (when OTEL_EXPORTER_OTLP_ENDPOINT is set), and Ctrl-C does not hold
  // the listener open for a load balancer that is not there.
  const base = {
    HOST: "127.0.0.1",
    DEMO_ROUTES_ENABLED: String(config.demoRoutes.enabled),
    TRACES_SAMPLE_RATIO: "1",
    SHUTDOWN_DELAY_MS: "0",
    ...process.env,
  };

  const running: RunningServer[] = [];
  for (const name of startOrder(services).filter((n) => local.includes(n))) {
    const svc = services[name]!;
    const urls = Object.fromEntries(
      svc.connectsTo.filter((t) => local.includes(t)).map((t) => [serviceUrlEnvName(t), `http://127.0.0.1:${port(t)}`]),
    );
    const server = await starterOf(svc.app!)({ ...base, SERVICE_NAME: name, PORT: port(name), ...urls });
    running.push(server);
    console.log(`${name} listening on ${server.url}`);
  }

  const stop = (signal: string) => {
    Promise.all(running.map((s) => s.shutdown(signal))).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
