import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { FAILURE_MODES, type FailureMode } from "./config";
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
  readonly now?: () => number;
}

function isFailureMode(value: unknown): value is FailureMode {
  return typeof value === "string" && (FAILURE_MODES as readonly string[]).includes(value);
}

/**
 * The break/fix lab's switch. Reads the SSM parameter at most once per TTL (stale-while-revalidate:
 * requests never wait for SSM after the first read), and keeps the last known value — or "none" —
 * when SSM fails, logging the failure.
 */
export class FailureModeSource {
  private value: FailureMode = "none";
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly opts: FailureModeSourceOptions) {
    this.now = opts.now ?? Date.now;
    if (opts.parameterName && !opts.ssm) throw new Error("FailureModeSource: parameterName needs an SSM client");
  }

  async current(): Promise<FailureMode> {
    if (this.opts.override) return this.opts.override;
    if (!this.opts.parameterName) return "none";
    const stale = this.now() - this.fetchedAt >= this.opts.ttlMs;
    if (stale) {
      this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
      // Only the very first read waits; afterwards the last value is served while SSM is asked.
      if (this.fetchedAt === Number.NEGATIVE_INFINITY) await this.inFlight;
    }
    return this.value;
  }

  private async refresh(): Promise<void> {
    const name = this.opts.parameterName!;
    try {
      const out = await this.opts.ssm!.send(new GetParameterCommand({ Name: name }));
      const raw = out.Parameter?.Value?.trim();
      if (isFailureMode(raw)) {
        if (raw !== this.value)
          this.opts.logger.warn("failure mode changed", {
            from: this.value,
            to: raw,
            errorType: raw === "none" ? undefined : raw,
          });
        this.value = raw;
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
