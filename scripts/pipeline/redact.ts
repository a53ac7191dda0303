// What a failed terraform init/validate/plan can print that must not reach a pull-request comment.
// GitHub masks registered secrets in the job log, but not in a file we post. Terraform itself
// redacts sensitive attributes; what slips through are provider and backend errors: AWS request
// signatures and credentials, URLs with a user:password, and "password = ..." in an echoed
// argument or a debug line.

const RULES: readonly (readonly [RegExp, string])[] = [
  // ANSI colour codes (terraform without -no-color, npm).
  // eslint-disable-next-line no-control-regex -- ESC is exactly what is matched
  [/\u001b\[[0-9;]*[A-Za-z]/g, ""],
  // PEM private keys, whole.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[redacted private key]"],
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, "[redacted access key id]"],
  // SigV4 query-string and header parts.
  [/(X-Amz-(?:Security-Token|Signature|Credential))=[^&\s"']+/gi, "$1=[redacted]"],
  [/(Authorization:\s*)[^\r\n]+/gi, "$1[redacted]"],
  [/(Credential=)[^,\s]+/g, "$1[redacted]"],
  [/(Signature=)[0-9a-f]+/gi, "$1[redacted]"],
  // user:password@ in URLs.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, "$1[redacted]@"],
  // GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g, "[redacted GitHub token]"],
  // key = value / "key": "value" / key: value for secret-looking keys.
  [
    /((?:"|\b)(?:aws_secret_access_key|secret_access_key|secretaccesskey|aws_session_token|session_token|sessiontoken|password|passwd|auth_token|access_token|token|secret|secret_string|api_key|private_key)"?\s*[:=]\s*)("[^"\r\n]*"|'[^'\r\n]*'|[^\s,}]+)/gi,
    "$1[redacted]",
  ],
  // Long opaque blobs (session tokens, signed payloads): nothing a reader needs.
  [/[A-Za-z0-9+/=_-]{100,}/g, "[redacted long token]"],
];

/** The text with every secret-looking part replaced by a [redacted ...] marker. */
export function redact(text: string): string {
  return RULES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * The last `lines` non-empty lines of a log, redacted, at most `maxChars` (cut from the front), safe
 * inside a Markdown code fence.
 */
export function errorTail(log: string, lines = 40, maxChars = 6000): string {
  const kept = redact(log)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l, i, all) => l !== "" || (i > 0 && all[i - 1] !== ""));
  let tail = kept.slice(-lines).join("\n").trim();
  if (tail.length > maxChars) tail = `…${tail.slice(tail.length - maxChars)}`;
  // A fence inside the log would end ours early.
  return tail.replace(/```/g, "`\u200b``");
}
