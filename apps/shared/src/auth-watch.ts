import type { Logger } from "./logger";

export interface AuthWatchOptions {
  /** The data store, as the liveness reason names it: "Redis", "MySQL". */
  readonly store: string;
  /** How long every attempt must have been refused, with no success between, before liveness fails. */
  readonly graceMs: number;
  /**
   * Tries the credentials on a fresh connection while they are being refused, so the verdict
   * follows the store even without traffic: true accepted, false refused, undefined unknown (down).
   * @default - no probe: the client's own reconnect attempts are the observations
   */
  readonly probe?: () => Promise<boolean | undefined>;
  /** @default 2000 */
  readonly probeIntervalMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Follows whether a data store accepts this task's credentials, for liveness. ECS hands a task its
 * secrets only when it starts, so a task whose password was rotated away can recover only by being
 * replaced: once every attempt for `graceMs` has been refused, `liveness()` names the reason and
 * /healthz fails. The first accepted attempt clears it, whichever way the store changes.
 */
export class AuthWatch {
  private failingSince?: number;
  private lastRefusal = 0;
  private lastError = "";
  private reported = false;
  private timer?: NodeJS.Timeout;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly opts: AuthWatchOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** An authentication attempt was refused (wrong or rotated password). */
  refused(error: string): void {
    const now = this.now();
    this.lastRefusal = now;
    this.lastError = error;
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.opts.logger.error(`${this.opts.store} refused the credentials; liveness fails if that lasts`, {
        errorType: "auth_refused",
        store: this.opts.store,
        error,
        livenessAfterMs: this.opts.graceMs,
      });
      this.startProbing();
    }
  }

  /** An authentication attempt succeeded (a new connection was accepted). */
  accepted(): void {
    if (this.failingSince === undefined) return;
    this.opts.logger.warn(`${this.opts.store} accepts the credentials again`, {
      store: this.opts.store,
      refusedForMs: this.now() - this.failingSince,
    });
    this.failingSince = undefined;
    this.reported = false;
    this.stopProbing();
  }

  /** The reason to fail liveness, or undefined while the credentials work (or nothing says otherwise). */
  liveness(): string | undefined {
    if (this.failingSince === undefined) return undefined;
    const now = this.now();
    // Refusals must be current: an old one with no attempt since says nothing about now.
    const freshMs = Math.max(5_000, 3 * (this.opts.probeIntervalMs ?? 2_000));
    if (now - this.failingSince < this.opts.graceMs || now - this.lastRefusal > freshMs) return undefined;
    const reason =
      `${this.opts.store} has refused the credentials since ${new Date(this.failingSince).toISOString()} ` +
      `(${this.lastError}); a rotated secret needs a new task`;
    if (!this.reported) {
      this.reported = true;
      this.opts.logger.error("liveness failing: credentials refused", {
        errorType: "auth_refused",
        store: this.opts.store,
        reason,
      });
    }
    return reason;
  }

  /** Stops the probe timer (at shutdown). */
  close(): void {
    this.stopProbing();
  }

  private startProbing(): void {
    const probe = this.opts.probe;
    if (!probe || this.timer) return;
    this.timer = setInterval(() => {
      if (this.probing) return;
      this.probing = true;
      probe()
        .then(
          (ok) => {
            if (ok === true) this.accepted();
            else if (ok === false) this.refused(this.lastError);
          },
          () => undefined,
        )
        .finally(() => (this.probing = false));
    }, this.opts.probeIntervalMs ?? 2_000);
    this.timer.unref();
  }

  private stopProbing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Redis refusing the password (WRONGPASS) or wanting one (NOAUTH). */
export function isRedisAuthError(error: unknown): boolean {
  return error instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(error.message);
}

/** MySQL's "Access denied for user" (1045) and its no-password variant (1698). */
export function isMysqlAuthError(error: unknown): boolean {
  const errno = (error as { errno?: number } | undefined)?.errno;
  return errno === 1045 || errno === 1698;
}

/** Either liveness verdict that fails first; undefined when all pass. */
export function combineLiveness(...checks: (() => string | undefined)[]): () => string | undefined {
  return () => {
    for (const check of checks) {
      const reason = check();
      if (reason) return reason;
    }
    return undefined;
  };
}
