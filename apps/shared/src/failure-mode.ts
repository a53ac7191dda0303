import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { FAILURE_MODES, type FailureMode } from "./config";
import { withDeadline } from "./deadline";
import type { Logger } from "./logger";

export interface FailureModeSourceOptions {
  readonly logger: Logger;
  /** SSM parameter path; without it (and without an override) the mode is always "none". */
  readonly parameterName?: string;
  readonly ssm?: SSMClient;
  /** Local override (FAILURE_MODE); wins over SSM. */
  readonly override?: FailureMode;
  /** How long a value read from SSM is served before it is read again. */
  readonly ttlMs: number;
  /** Deadline for one SSM read; a read that overruns is abandoned and retried after the TTL. @default 1000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

function isFailureMode(value: unknown): value is FailureMode {
  return typeof value === "string" && (FAILURE_MODES as readonly string[]).includes(value);
}

/**
 * The break/fix lab's switch. Reads the SSM parameter at most once per TTL, in the background:
 * requests never wait for SSM, not even the first one (the mode starts as "none" until SSM
 * answers). A read that fails or overruns its deadline keeps the last known value, is logged, and
 * is retried after the TTL.
 */
export class FailureModeSource {
  private value: FailureMode = "none";
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight?: Promise<void>;
  private readonly now: () => number;
  private readonly listeners: ((mode: FailureMode, previous: FailureMode) => void)[] = [];

  constructor(private readonly opts: FailureModeSourceOptions) {
    this.now = opts.now ?? Date.now;
    if (opts.parameterName && !opts.ssm) throw new Error("FailureModeSource: parameterName needs an SSM client");
    if (opts.parameterName && !opts.override) {
      opts.logger.info("failure mode starts as none until SSM answers", { parameter: opts.parameterName });
    }
  }

  /** Called with every change of mode (e.g. to release what connection_leak held). */
  onChange(listener: (mode: FailureMode, previous: FailureMode) => void): void {
    this.listeners.push(listener);
  }

  /** Starts the first SSM read without waiting for it. */
  start(): void {
    this.current();
  }

  /** The mode now; a refresh, when due, runs in the background (this never waits, and is not async). */
  current(): FailureMode {
    if (this.opts.override) return this.opts.override;
    if (!this.opts.parameterName) return "none";
    if (this.now() - this.fetchedAt >= this.opts.ttlMs) {
      this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    }
    return this.value;
  }

  /** Resolves when no SSM read is under way (tests). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  private async refresh(): Promise<void> {
    const name = this.opts.parameterName!;
    try {
      const abort = new AbortController();
      const out = await withDeadline(
        this.opts.ssm!.send(new GetParameterCommand({ Name: name }), { abortSignal: abort.signal }),
        this.opts.timeoutMs ?? 1_000,
        `SSM GetParameter ${name}`,
      ).finally(() => abort.abort());
      const raw = out.Parameter?.Value?.trim();
      if (isFailureMode(raw)) {
        if (raw !== this.value)
          this.opts.logger.warn("failure mode changed", {
            from: this.value,
            to: raw,
            errorType: raw === "none" ? undefined : raw,
          });
        const previous = this.value;
        this.value = raw;
        if (raw !== previous) for (const listener of this.listeners) listener(raw, previous);
      } else {
        this.opts.logger.warn("failure mode parameter has an unknown value; keeping the last one", {
          errorType: "failure_mode_invalid",
          parameter: name,
          value: raw,
          allowed: FAILURE_MODES,
          keeping: this.value,
        });
      }
    } catch (error) {
      this.opts.logger.warn("cannot read failure mode from SSM; keeping the last one", {
        errorType: "ssm_unavailable",
        parameter: name,
        error: (error as Error).name,
        message: (error as Error).message,
        keeping: this.value,
      });
    } finally {
      // A failed read also waits a TTL, so a throttled SSM is not hammered by every request.
      this.fetchedAt = this.now();
    }
  }
}
