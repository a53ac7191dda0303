/**
 * Every `errorType` value the apps write to their JSON request and event logs (apps/shared/src,
 * apps/caller/src, apps/responder/src). The ops stack counts each with a metric filter on every
 * service's log group; __tests__/ops reads the apps' source and fails when this list and the source
 * disagree.
 */
export const ERROR_TYPES = [
  // Break/fix lab failure modes (apps/shared/src/config.ts FAILURE_MODES, minus "none").
  "return_500",
  "slow",
  "connection_leak",
  "cpu_burn",
  // Requests answered with an error (apps/shared/src/errors.ts and the routes).
  "validation",
  "not_found",
  "method_not_allowed",
  "payload_too_large",
  "unsupported_encoding",
  "client_gone",
  "unhandled",
  "cache_miss",
  "idempotency_conflict",
  "work_busy",
  // Dependencies (DependencyError "<name>_unavailable", and the Redis client's own events).
  "redis_unavailable",
  // A data store refused the credentials (liveness fails once it lasts LIVENESS_AUTH_FAILURE_MS).
  "auth_refused",
  "redis_timeout",
  "mysql_unavailable",
  "ssm_unavailable",
  "failure_mode_invalid",
  // The caller's GET / when a part is missing: "<part>_<reason>", joined with "," when both are.
  "caller_redis_unavailable",
  "responder_circuit_open",
  "responder_timeout",
  "responder_unreachable",
  "responder_bad_status",
  "responder_bad_body",
  // Health and lifecycle (apps/shared/src/health.ts, server.ts).
  "not_live",
  "not_ready",
  "shutting_down",
  "client_error",
  "shutdown_resources",
  "shutdown_timeout",
  "uncaught_exception",
  "unhandled_rejection",
  "config_invalid",
  "startup_failed",
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** The caller joins its missing parts in this order: its own part first (apps/caller/src/routes/data.ts). */
const CALLER_PART = "caller_redis_unavailable";

/**
 * CloudWatch Logs JSON filter pattern matching one errorType, including the caller's combined
 * "caller_redis_unavailable,responder_<reason>" value (JSON patterns compare whole strings; a
 * trailing `*` is the only wildcard used here).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function errorTypePattern(type: ErrorType): string {
  if (type === CALLER_PART) return `{ ($.errorType = "${type}") || ($.errorType = "${type},*") }`;
  if (type.startsWith("responder_")) {
    return `{ ($.errorType = "${type}") || ($.errorType = "${CALLER_PART},${type}") }`;
  }
  return `{ $.errorType = "${type}" }`;
}

/** Every errorType with its filter pattern, as the ops stack's metric filters take them. */
export const ERROR_TYPE_FILTERS: readonly { readonly type: ErrorType; readonly pattern: string }[] = ERROR_TYPES.map(
  (type) => ({ type, pattern: errorTypePattern(type) }),
);
