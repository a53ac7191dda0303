/** A dependency call that did not settle in time. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/**
 * Settles with `call`'s result, or rejects with a DeadlineError after `ms`. `onLate` runs if the
 * deadline won, e.g. to release a connection that arrives after the caller gave up.
 */
export function withDeadline<T>(call: Promise<T>, ms: number, what: string, onLate?: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const timeout = new Promise<never>((_, reject) => {
    // setImmediate: an answer already waiting in the poll phase (the event loop was busy, the
    // dependency was not) still wins over the timer, which Node runs first.
    timer = setTimeout(
      () =>
        setImmediate(() => {
          late = true;
          reject(new DeadlineError(`${what}: no answer within ${ms} ms`));
        }),
      ms,
    );
  });
  call.then(
    (value) => {
      if (late) onLate?.(value);
    },
    () => undefined,
  );
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
