import { HttpError, ValidationError } from "./errors";

export const USER_MAX_LENGTH = 64;
export const MESSAGE_MAX_LENGTH = 1000;

/** The demo's record: who said what. */
export interface Message {
  readonly user: string;
  readonly message: string;
}

/** C0 controls (tab, LF and CR allowed where `multiline`), DEL and C1 controls: matching them is the point. */
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_SINGLE_LINE_OK = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/* eslint-enable no-control-regex */
/** With the u flag a surrogate pair is one code point, so this matches only a lone half. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** Length in Unicode code points, as MySQL's utf8mb4 VARCHAR counts it (not UTF-16 units). */
export function codePoints(value: string): number {
  // Only strings with surrogate pairs differ from .length; skip the walk for the rest.
  return /[\ud800-\udbff]/.test(value) ? Array.from(value).length : value.length;
}

/**
 * Why `value` is not acceptable text, or undefined: lone surrogates (they cannot be stored, MySQL
 * would keep U+FFFD) and control characters (NUL and friends) are refused.
 */
export function textProblem(value: string, opts: { multiline?: boolean } = {}): string | undefined {
  if (LONE_SURROGATE.test(value)) return "contains a lone UTF-16 surrogate (not valid Unicode)";
  if ((opts.multiline ? CONTROL_SINGLE_LINE_OK : CONTROL).test(value)) {
    return opts.multiline
      ? "contains a control character (only tab, LF and CR are allowed)"
      : "contains a control character";
  }
  return undefined;
}

function field(body: Record<string, unknown>, name: keyof Message, max: number, multiline: boolean): string {
  const value = body[name];
  const allowed = `expected a non-empty string of at most ${max} characters`;
  if (typeof value !== "string" || value.trim() === "" || codePoints(value) > max) {
    throw new ValidationError(name, allowed);
  }
  const problem = textProblem(value, { multiline });
  if (problem) throw new ValidationError(name, `${allowed}; this one ${problem}`);
  return value;
}

/** Validates a POST /data body; throws a 400 naming the first bad field. */
export function parseMessage(body: unknown): Message {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("body", "expected a JSON object with user and message");
  }
  const record = body as Record<string, unknown>;
  return {
    user: field(record, "user", USER_MAX_LENGTH, false),
    message: field(record, "message", MESSAGE_MAX_LENGTH, true),
  };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** The optional Idempotency-Key header: 1-128 visible ASCII characters. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ValidationError("Idempotency-Key", "expected 1-128 visible ASCII characters");
  }
  return header;
}

/**
 * A repeat of an Idempotency-Key must repeat its body: the same key with another message is the
 * client's mistake (422), never a silent replay of the first one.
 */
export function checkReplay(first: Message, repeat: Message): Message {
  if (first.user !== repeat.user || first.message !== repeat.message) {
    throw new HttpError(
      422,
      { error: "Idempotency-Key already used with a different body", field: "Idempotency-Key" },
      "idempotency_conflict",
    );
  }
  return { user: first.user, message: first.message };
}
