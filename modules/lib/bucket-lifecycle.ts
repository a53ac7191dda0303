/**
 * What happens to an object's current version as it ages: Infrequent Access, then Glacier, then expiry.
 * Every step is optional; the ones given must come in that order.
 */
export interface CurrentVersionLifecycle {
  /**
   * Days after creation before the object moves to STANDARD_IA (S3 refuses fewer than 30).
   * @default - stays in STANDARD until the next step
   */
  readonly transitionToIaDays?: number;
  /**
   * Days after creation before the object moves to GLACIER (Flexible Retrieval); at least 30 days
   * after the STANDARD_IA step when both are set.
   * @default - no Glacier step
   */
  readonly transitionToGlacierDays?: number;
  /**
   * Days after creation before the current version expires (becomes noncurrent behind a delete
   * marker; the noncurrent-version rule removes it later). Must come after every transition.
   * @default - never expires
   */
  readonly expirationDays?: number;
}

/** The minimum storage duration of STANDARD_IA, and the gap S3 requires before the next transition. */
export const IA_MINIMUM_DAYS = 30;
/** Upper bound we accept for any step (100 years): beyond it a typo is likelier than intent. */
export const LIFECYCLE_MAX_DAYS = 36500;

export interface LifecycleProblem {
  readonly field: keyof CurrentVersionLifecycle;
  readonly value: number;
  /** What is allowed, completing "<field> must be …" (construct) or "expected …" (config). */
  readonly allowed: string;
}

/**
 * Problems S3 would reject at apply time, found at synth instead:
 * - STANDARD_IA transitions need at least 30 days (S3 API `Transition.Days`:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html);
 * - a GLACIER transition after STANDARD_IA must be at least 30 days later (S3 rejects the
 *   configuration otherwise: objects stay 30 days in STANDARD_IA, its minimum storage duration,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html);
 * - expiration must come after every transition ("'Days' in the Expiration action must be greater
 *   than 'Days' in the Transition action").
 */
export function lifecycleProblems(l: CurrentVersionLifecycle): LifecycleProblem[] {
  const problems: LifecycleProblem[] = [];
  const steps = (["transitionToIaDays", "transitionToGlacierDays", "expirationDays"] as const).filter(
    (f) => l[f] !== undefined,
  );
  for (const field of steps) {
    const value = l[field]!;
    if (!Number.isInteger(value) || value < 1 || value > LIFECYCLE_MAX_DAYS) {
      problems.push({ field, value, allowed: `an integer from 1 to ${LIFECYCLE_MAX_DAYS}` });
    }
  }
  if (problems.length > 0) return problems;

  const { transitionToIaDays: ia, transitionToGlacierDays: glacier, expirationDays: expiry } = l;
  if (ia !== undefined && ia < IA_MINIMUM_DAYS) {
    problems.push({
      field: "transitionToIaDays",
      value: ia,
      allowed: `at least ${IA_MINIMUM_DAYS}: S3 moves objects to STANDARD_IA no sooner than ${IA_MINIMUM_DAYS} days after creation`,
    });
  }
  if (ia !== undefined && glacier !== undefined && glacier < ia + IA_MINIMUM_DAYS) {
    problems.push({
      field: "transitionToGlacierDays",
      value: glacier,
      allowed: `at least ${ia + IA_MINIMUM_DAYS} (transitionToIaDays + ${IA_MINIMUM_DAYS}): S3 keeps objects ${IA_MINIMUM_DAYS} days in STANDARD_IA`,
    });
  }
  const lastTransition = Math.max(ia ?? 0, glacier ?? 0);
  if (expiry !== undefined && expiry <= lastTransition) {
    const which = glacier !== undefined && glacier >= (ia ?? 0) ? "transitionToGlacierDays" : "transitionToIaDays";
    problems.push({
      field: "expirationDays",
      value: expiry,
      allowed: `greater than ${which} (${lastTransition}): expiry comes after the transitions`,
    });
  }
  return problems;
}
