import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { AppConfigError, type BaseConfig } from "./config";
import { flushLogger, type Logger } from "./logger";
import { stopTracing } from "./start-tracing";

/** Shared by the app (readiness, Connection: close) and the server (shutdown). */
export class Lifecycle {
  accepting = true;
}

/** What tests (and the dev runner) may inject when starting a service. */
export interface StartOptions {
  readonly logger?: Logger;
  readonly ssm?: SSMClient;
  readonly flushLogs?: boolean;
}

export interface ServerOptions {
  /** HOST, PORT, KEEP_ALIVE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS (in-flight grace). */
  readonly config: BaseConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  /** Closes Redis, MySQL, ... after the last request has finished. */
  readonly closeResources: () => Promise<void>;
  /** Flush and close the logger at the end (off in tests that reuse it). */
  readonly flushLogs?: boolean;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /** Graceful stop; safe to call more than once. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(app: Express, opts: ServerOptions): Promise<RunningServer> {
  const { HOST, PORT, KEEP_ALIVE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS } = opts.config;
  if (HEADERS_TIMEOUT_MS <= KEEP_ALIVE_TIMEOUT_MS) {
    throw new AppConfigError(
      `HEADERS_TIMEOUT_MS (${HEADERS_TIMEOUT_MS}) must be above KEEP_ALIVE_TIMEOUT_MS (${KEEP_ALIVE_TIMEOUT_MS})`,
    );
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(PORT, HOST, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const { port } = server.address() as AddressInfo;
  const host = HOST === "0.0.0.0" || HOST === "::" ? "127.0.0.1" : HOST;

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      const { logger } = opts;
      logger.info("shutting down", { reason, timeoutMs: SHUTDOWN_TIMEOUT_MS });
      opts.lifecycle.accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets whose request began before shutdown go idle later: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      server.closeIdleConnections();
      const force = setTimeout(() => {
        logger.warn("shutdown deadline reached; closing open connections", { errorType: "shutdown_timeout" });
        server.closeAllConnections();
      }, SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(force);
      clearInterval(sweep);
      await opts
        .closeResources()
        .catch((error: Error) => logger.error("closing resources failed", { error: error.message }));
      logger.info("shutdown complete", { reason });
      if (opts.flushLogs ?? true) await flushLogger(logger);
    })();
    return closing;
  };
  return { server, url: `http://${host}:${port}`, shutdown };
}

/**
 * The process entry of a service: start it from the environment, print "<name> listening on <url>",
 * and on SIGTERM/SIGINT shut down gracefully and exit 0 (1 if the deadline is overrun). A bad
 * configuration exits 1 with the message naming the variable.
 */
export function runService(
  start: (env: NodeJS.ProcessEnv) => Promise<RunningServer & { deps: { config: BaseConfig } }>,
): void {
  start(process.env).then(
    (running) => {
      const { SERVICE_NAME, SHUTDOWN_TIMEOUT_MS } = running.deps.config;
      console.log(`${SERVICE_NAME} listening on ${running.url}`);
      const onSignal = (signal: NodeJS.Signals) => {
        setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS + 2_000).unref();
        running
          .shutdown(signal)
          .then(() => stopTracing(1_000))
          .then(
            () => process.exit(0),
            () => process.exit(1),
          );
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    },
    (error: Error) => {
      console.error(error instanceof AppConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
