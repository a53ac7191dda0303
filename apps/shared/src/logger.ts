import winston from "winston";
import TransportStream from "winston-transport";
import { currentSpanIds } from "./trace-ids";

export type Logger = winston.Logger;

/**
 * Header ECS routes to the green revision during a native blue/green deployment through Service
 * Connect. The caller passes it on, so test traffic that reaches a green caller (the ALB's test
 * listener) also reaches a green responder.
 */
export const BLUE_GREEN_TEST_HEADER = "x-amzn-ecs-blue-green-test";

/**
 * What a request hands to the calls it makes downstream: its id and the headers passed on. Passed
 * explicitly (see requestContext in http-app): an AsyncLocalStorage would cost every promise of the
 * process, requests or not.
 */
export interface RequestContext {
  readonly requestId: string;
  /** Incoming headers passed on to downstream services unchanged. */
  readonly propagate: Readonly<Record<string, string>>;
}

/** Where winston keeps a line's finished text (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for("message");

/**
 * JSON in the order the fields were set. The native stringifier, not logform's json format (which
 * builds a new sorting stringifier for every line); a line it cannot take (a cycle, a BigInt) goes
 * through logform's.
 */
const jsonLine = (() => {
  const careful = winston.format.json();
  return winston.format((info) => {
    try {
      (info as unknown as Record<symbol, string>)[MESSAGE] = JSON.stringify(info);
      return info;
    } catch {
      return careful.transform(info, careful.options);
    }
  });
})();

/** What stdout may hold unwritten before lines are dropped: about 25,000 request lines. */
const STDOUT_MAX_BUFFERED_BYTES = 8 * 1_048_576;

/**
 * Lines to stdout, written together once per event-loop turn: stdout is a pipe in a container
 * (FireLens, awslogs), where each write is a system call, and under load many requests end in the
 * same turn. Ending the logger writes what is pending.
 *
 * A log router that stops reading (Fluent Bit stalled on its output) must not cost the service its
 * memory: what the pipe has not taken is held up to `maxBufferedBytes`, and lines beyond that are
 * dropped and counted. Once the pipe drains, a warning says how many were lost.
 */
export class BatchedStdout extends TransportStream {
  private lines: string[] = [];
  private scheduled = false;
  private dropped = 0;
  private readonly out: NodeJS.WritableStream & { readonly writableLength: number };
  private readonly maxBufferedBytes: number;
  private readonly service: string;

  constructor(opts: {
    service: string;
    /** @default process.stdout */
    out?: NodeJS.WritableStream & { readonly writableLength: number };
    /** @default STDOUT_MAX_BUFFERED_BYTES */
    maxBufferedBytes?: number;
  }) {
    super();
    this.service = opts.service;
    this.out = opts.out ?? process.stdout;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? STDOUT_MAX_BUFFERED_BYTES;
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(info[MESSAGE] as string);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    next();
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    if (this.out.writableLength >= this.maxBufferedBytes) {
      this.dropped += this.lines.length;
      this.lines = [];
      return;
    }
    if (this.dropped > 0) {
      const warning = {
        service: this.service,
        level: "warn",
        message: "log lines dropped: stdout was not draining",
        dropped: this.dropped,
        timestamp: new Date().toISOString(),
      };
      this.lines.unshift(JSON.stringify(warning));
      this.dropped = 0;
    }
    const text = `${this.lines.join("\n")}\n`;
    this.lines = [];
    this.out.write(text);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush();
    callback();
  }
}

/** One JSON line per event with timestamp, level, service, and requestId on the lines of a request. */
export function createLogger(opts: { service: string; level?: string; stream?: NodeJS.WritableStream }): Logger {
  const addTraceIds = winston.format((info) => {
    // With tracing on, every line inside a traced request joins its trace (X-Ray/CloudWatch search by
    // traceId). A line that names its trace fields (even as undefined: no trace) keeps them.
    const span = "traceId" in info ? undefined : currentSpanIds();
    if (span) Object.assign(info, span);
    return info;
  });
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new BatchedStdout({ service: opts.service });
  return winston.createLogger({
    level: opts.level ?? "info",
    defaultMeta: { service: opts.service },
    format: winston.format.combine(addTraceIds(), winston.format.timestamp(), jsonLine()),
    transports: [transport],
  });
}

/**
 * Resolves when every buffered log line has been written. A line logged after this (a late
 * callback while the process exits) is dropped, not an error that would crash the exit.
 */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ERR_STREAM_WRITE_AFTER_END") throw error;
    });
    logger.on("finish", () => resolve());
    logger.end();
  });
}
