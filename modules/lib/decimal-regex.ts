/**
 * A regular expression that matches a decimal integer strictly greater than `n` (leading zeros and
 * surrounding spaces or tabs allowed, nothing else), for header values such as Content-Length.
 *
 * It uses only anchors, non-capturing groups, alternation, character classes and counted
 * quantifiers: AWS WAF's regex dialect refuses capturing groups and back-references
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-regex-pattern-support.html), and
 * JavaScript reads this subset the same way, so the tests can run it.
 */
export function decimalGreaterThanRegex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`decimalGreaterThanRegex: n must be a non-negative safe integer, got ${n}`);
  }
  const digits = String(n);
  const length = digits.length;
  const anyDigits = (count: number): string => (count === 0 ? "" : count === 1 ? "[0-9]" : `[0-9]{${count}}`);
  const branches = [
    // More digits than n (no leading zero: those are eaten by the 0* prefix).
    `[1-9][0-9]{${length},}`,
    // Same length: equal up to position i, greater at i, anything after.
    ...[...digits].flatMap((d, i) => {
      const digit = Number(d);
      if (digit === 9) return [];
      const above = digit + 1 === 9 ? "9" : `[${digit + 1}-9]`;
      return [`${digits.slice(0, i)}${above}${anyDigits(length - i - 1)}`];
    }),
  ];
  return `^[ \\t]*0*(?:${branches.join("|")})[ \\t]*$`;
}
