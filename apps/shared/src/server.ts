import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { flushLogger, type Logger } from "./logger";

/** Shared by the app (readiness, Connection: close) and the server (shutdown). */
export class Lifecycle {
  accepting = true;
}

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** In-flight requests get this long to finish before their sockets are cut. */
  readonly shutdownTimeoutMs: number;
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
  if (opts.headersTimeoutMs <= opts.keepAliveTimeoutMs) {
    throw new Error(
      `headersTimeoutMs (${opts.headersTimeoutMs}) must be above keepAliveTimeoutMs (${opts.keepAliveTimeoutMs})`,
    );
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.headersTimeout = opts.headersTimeoutMs;
  const { port } = server.address() as AddressInfo;
  const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      const { logger } = opts;
      logger.info("shutting down", { reason, timeoutMs: opts.shutdownTimeoutMs });
      opts.lifecycle.accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets whose request began before shutdown go idle later: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      server.closeIdleConnections();
      const force = setTimeout(() => {
        logger.warn("shutdown deadline reached; closing open connections", { errorType: "shutdown_timeout" });
        server.closeAllConnections();
      }, opts.shutdownTimeoutMs);
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

/** SIGTERM/SIGINT → graceful shutdown → exit 0; exit 1 if it overruns the deadline. */
export function exitOnSignals(running: RunningServer, shutdownTimeoutMs: number): void {
  const handler = (signal: NodeJS.Signals) => {
    setTimeout(() => process.exit(1), shutdownTimeoutMs + 2_000).unref();
    running.shutdown(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", handler);
  process.once("SIGINT", handler);
}
