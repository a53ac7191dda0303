import { ValidationError } from "./errors";

export const USER_MAX_LENGTH = 64;
export const MESSAGE_MAX_LENGTH = 1000;

/** The demo's record: who said what. */
export interface Message {
  readonly user: string;
  readonly message: string;
}

function field(body: Record<string, unknown>, name: keyof Message, max: number): string {
  const value = body[name];
  if (typeof value !== "string" || value.trim() === "" || value.length > max) {
    throw new ValidationError(name, `expected a non-empty string of at most ${max} characters`);
  }
  return value;
}

/** Validates a POST /data body; throws a 400 naming the first bad field. */
export function parseMessage(body: unknown): Message {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("body", "expected a JSON object with user and message");
  }
  const record = body as Record<string, unknown>;
  return { user: field(record, "user", USER_MAX_LENGTH), message: field(record, "message", MESSAGE_MAX_LENGTH) };
}
