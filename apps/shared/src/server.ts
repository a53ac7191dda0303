import type { SSMClient } from "@aws-sdk/client-ssm";
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import net, { type AddressInfo, type Socket } from "node:net";
import type { Express, Response } from "express";
import { setTimeout as sleep } from "node:timers/promises";
import { AppConfigError, shutdownDelayMs, type BaseConfig } from "./config";
import { DeadlineError, withDeadline } from "./deadline";
import { expressServer } from "./express-server";
import { LiveSet } from "./live-set";
import { createLogger, flushLogger, type Logger } from "./logger";
import { stopTracing } from "./start-tracing";

/** Shared by the app (readiness, Connection: close, request tracking) and the server (shutdown). */
export class Lifecycle {
  /** False from SIGTERM on: /readyz answers 503. */
  accepting = true;
  /** True once the listener closes: every answer closes its connection so no new request lands on it. */
  draining = false;
  /** Responses not yet finished or closed; shutdown waits for them, then cuts what is left. */
  readonly inFlight = new LiveSet<Response>();
}

/** What tests (and the dev runner) may inject when starting a service. */
export interface StartOptions {
  readonly logger?: Logger;
  readonly ssm?: SSMClient;
  readonly flushLogs?: boolean;
}

export interface ServerOptions {
  /** HOST, PORT, KEEP_ALIVE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS (whole shutdown budget). */
  readonly config: BaseConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  /** Closes Redis, MySQL, ... after the last request has finished; cut at the shutdown deadline. */
  readonly closeResources: () => Promise<void>;
  /** Flush and close the logger at the end (off in tests that reuse it). */
  readonly flushLogs?: boolean;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /** Graceful stop within SHUTDOWN_TIMEOUT_MS; safe to call more than once. */
  shutdown(reason: string): Promise<void>;
}

/**
 * How long a keep-alive socket that was idle when shutdown began may stay open: a client that
 * sends on it now gets an answer with `Connection: close` instead of a reset.
 */
const IDLE_GRACE_MS = 500;

interface SocketState {
  active: number;
  lastActive: number;
}
const SOCKET_STATE = Symbol("socket state");
type TrackedSocket = Socket & { [SOCKET_STATE]?: SocketState };

/** Keeps count of each socket's open requests and when it was last busy. */
class SocketTracker {
  private readonly sockets = new LiveSet<TrackedSocket>();

  constructor(server: Server) {
    server.on("connection", (socket: TrackedSocket) => {
      socket[SOCKET_STATE] = { active: 0, lastActive: performance.now() };
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const state = (req.socket as TrackedSocket)[SOCKET_STATE];
      if (!state) return;
      state.active++;
      res.once("close", () => {
        state.active--;
        state.lastActive = performance.now();
      });
    });
  }

  /** Closes sockets with no request that have been idle for `graceMs`. */
  closeIdle(graceMs: number): void {
    const now = performance.now();
    for (const socket of this.sockets) {
      const state = socket[SOCKET_STATE]!;
      if (state.active === 0 && now - state.lastActive >= graceMs) socket.destroy();
    }
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Answers what Node's HTTP parser rejects (431, bad headers, bad Content-Length) with a JSON line and body. */
function handleClientErrors(server: Server, logger: Logger): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // A client dropping an idle keep-alive socket is not a request.
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    logger.warn("request", {
      status,
      errorType: "client_error",
      code: error.code,
      error: error.message,
      remoteAddress: socket.remoteAddress,
    });
    const body = JSON.stringify({ error: STATUS_CODES[status] });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

export async function startServer(app: Express, opts: ServerOptions): Promise<RunningServer> {
  const { HOST, PORT, KEEP_ALIVE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS } = opts.config;
  const { logger, lifecycle } = opts;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = expressServer(app);
    s.once("error", reject);
    s.listen(PORT, HOST, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const sockets = new SocketTracker(server);
  handleClientErrors(server, logger);
  const { port } = server.address() as AddressInfo;
  const host = HOST === "0.0.0.0" || HOST === "::" ? "127.0.0.1" : HOST;

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      const started = performance.now();
      const delayMs = shutdownDelayMs(opts.config);
      // Most of the budget drains requests; the rest closes Redis/MySQL, which may hang too.
      const closeBudgetMs = Math.min(1_000, Math.round(SHUTDOWN_TIMEOUT_MS * 0.2));
      const drainMs = SHUTDOWN_TIMEOUT_MS - closeBudgetMs - delayMs;
      logger.info("shutting down", {
        reason,
        timeoutMs: SHUTDOWN_TIMEOUT_MS,
        listenerOpenMs: delayMs,
        inFlight: lifecycle.inFlight.size,
      });
      // From here /readyz answers 503.
      lifecycle.accepting = false;
      // A load balancer or proxy may still route here for a moment (deregistration is not instant):
      // keep serving on the open keep-alive connections meanwhile. Closing each answer's connection
      // now would only make clients reconnect, and the connections queued when the listener then
      // closes would be reset.
      if (delayMs > 0) await sleep(delayMs);
      lifecycle.draining = true;
      // Answers already under way close their socket, so the client does not reuse it.
      for (const res of lifecycle.inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      // Stop listening but keep idle keep-alive sockets for a short grace (see IDLE_GRACE_MS):
      // http.Server#close would drop them at once, resetting requests already on the wire.
      const drained = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      const sweep = setInterval(() => sockets.closeIdle(IDLE_GRACE_MS), 25);
      const cut: string[] = [];
      try {
        await withDeadline(drained, drainMs, "drain");
      } catch {
        for (const res of lifecycle.inFlight) {
          res.locals.cutByShutdown = true;
          cut.push(`${res.req.method} ${res.req.path ?? res.req.url}`);
        }
        sockets.destroyAll();
      } finally {
        clearInterval(sweep);
        // Now http.Server's own close: stops its connection-timeout timer (the listener is already shut).
        server.close(() => undefined);
      }
      const remainingMs = Math.max(100, SHUTDOWN_TIMEOUT_MS - (performance.now() - started) - 50);
      let resourcesCut = false;
      await withDeadline(opts.closeResources(), remainingMs, "closing resources").catch((error: Error) => {
        resourcesCut = error instanceof DeadlineError;
        logger.error("closing resources failed", { errorType: "shutdown_resources", error: error.message });
      });
      const durationMs = Math.round(performance.now() - started);
      const what = [
        ...(cut.length ? [`${cut.length} in-flight request(s): ${cut.join(", ")}`] : []),
        ...(resourcesCut ? ["closing Redis/MySQL"] : []),
      ];
      logger.log(what.length ? "warn" : "info", `shutdown complete; cut short: ${what.join("; ") || "nothing"}`, {
        reason,
        durationMs,
        cutShort: { requests: cut.length, resources: resourcesCut },
        ...(what.length ? { errorType: "shutdown_timeout" } : {}),
      });
      if (opts.flushLogs ?? true) await flushLogger(logger);
    })();
    return closing;
  };
  return { server, url: `http://${host}:${port}`, shutdown };
}

/** Logs an uncaught exception or unhandled rejection as one JSON line, then exits non-zero. */
export function installCrashHandlers(logger: Logger, exit: (code: number) => void = process.exit): () => void {
  let crashed = false;
  const crash = (kind: string) => (error: unknown) => {
    if (crashed) return;
    crashed = true;
    const err = error instanceof Error ? error : new Error(String(error));
    logger.error(`${kind}; exiting`, { errorType: kind.replace(/ /g, "_"), error: err.message, stack: err.stack });
    // Give the log line a moment to reach stdout, but never hang on it.
    void withDeadline(flushLogger(logger), 1_000, "flush logs")
      .catch(() => undefined)
      .then(() => exit(1));
  };
  const onException = crash("uncaught exception");
  const onRejection = crash("unhandled rejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}

/**
 * The process entry of a service: start it from the environment, log "<name> listening on <url>"
 * (as JSON; tools parse the text), and on SIGTERM/SIGINT shut down gracefully and exit 0 within
 * SHUTDOWN_TIMEOUT_MS. A bad configuration logs one JSON line naming the variable and exits 1.
 */
export function runService(
  defaultName: string,
  start: (env: NodeJS.ProcessEnv) => Promise<RunningServer & { deps: { config: BaseConfig; logger: Logger } }>,
): void {
  const bootLogger = createLogger({ service: process.env.SERVICE_NAME || defaultName });
  const uninstall = installCrashHandlers(bootLogger);
  start(process.env).then(
    (running) => {
      const { config, logger } = running.deps;
      uninstall();
      installCrashHandlers(logger);
      // Printed whatever LOG_LEVEL says (tools wait for it). A space after the URL ends it for
      // tools matching /listening on (\S+)/.
      createLogger({ service: config.SERVICE_NAME, level: "info" }).info(
        `${config.SERVICE_NAME} listening on ${running.url} (pid ${process.pid})`,
        { url: running.url, pid: process.pid },
      );
      const onSignal = (signal: NodeJS.Signals) => {
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
        setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 2_000).unref();
        running
          .shutdown(signal)
          // Spans get what is left of the budget (at least 100 ms), so the exit stays inside it.
          .then(() => stopTracing(Math.max(100, Math.min(1_000, deadline - Date.now()))))
          .then(
            () => process.exit(0),
            () => process.exit(1),
          );
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    },
    (error: Error) => {
      bootLogger.error(error instanceof AppConfigError ? "invalid configuration" : "start-up failed", {
        errorType: error instanceof AppConfigError ? "config_invalid" : "startup_failed",
        error: error.message,
        stack: error instanceof AppConfigError ? undefined : error.stack,
      });
      void flushLogger(bootLogger).then(() => process.exit(1));
    },
  );
}
