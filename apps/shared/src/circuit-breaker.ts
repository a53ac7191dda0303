export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly resetTimeoutMs: number;
  readonly now?: () => number;
}

export class CircuitOpenError extends Error {
  override name = "CircuitOpenError";
}

/** Fails fast while a dependency is down; one trial call at a time probes recovery. */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private _state: BreakerState = "closed";
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    if (!Number.isInteger(opts.failureThreshold) || opts.failureThreshold < 1) {
      throw new Error(`CircuitBreaker: failureThreshold must be an integer >= 1, got ${opts.failureThreshold}`);
    }
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this._state === "open" && this.now() - this.openedAt >= this.opts.resetTimeoutMs) this._state = "half_open";
    return this._state;
  }

  /**
   * Runs `call` unless the circuit is open. Only errors `isFailure` accepts count towards opening
   * it; any other outcome (e.g. a 4xx: the dependency answered) counts as a success.
   */
  async run<T>(call: () => Promise<T>, isFailure: (error: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half_open" && this.trialInFlight)) {
      throw new CircuitOpenError("circuit open: failing fast");
    }
    const trial = state === "half_open";
    if (trial) this.trialInFlight = true;
    try {
      const result = await call();
      this.failures = 0;
      this._state = "closed";
      return result;
    } catch (error) {
      if (!isFailure(error)) {
        this.failures = 0;
        this._state = "closed";
        throw error;
      }
      this.failures += 1;
      if (trial || this.failures >= this.opts.failureThreshold) {
        this._state = "open";
        this.openedAt = this.now();
      }
      throw error;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }
}
