import { z } from "zod";
import { ServiceCallError, type ServiceClient } from "../../../shared/src/http-client";
import type { RequestContext } from "../../../shared/src/logger";
import type { Message } from "../../../shared/src/message";
import type { CallerData } from "./caller-data";

export interface Combined {
  caller_service_data: Message[];
  responder_service_data: Message[];
  /** Present only when a part is missing: which part, and why (e.g. timeout, redis_unavailable). */
  missing?: Record<string, { reason: string; detail: string }>;
}

/**
 * The part of the responder's GET /data answer the caller uses; anything else in it is dropped.
 * Another shape (null, `data` not a list, items without text) is `bad_body`, never a 500.
 */
export const ResponderPage = z.object({
  data: z.array(z.object({ user: z.string(), message: z.string() })),
});

/**
 * GET /: both services' data. Either part failing degrades the answer (an empty list and a
 * `missing` marker) instead of failing it: the caller's own Redis exactly like the responder.
 */
export async function combinedData(
  own: CallerData,
  responder: ServiceClient,
  context: RequestContext,
): Promise<Combined> {
  const [mine, theirs] = await Promise.allSettled([own.list(), responder.getJson("/data", ResponderPage, context)]);
  const body: Combined = { caller_service_data: [], responder_service_data: [] };
  const missing: Record<string, { reason: string; detail: string }> = {};
  if (mine.status === "fulfilled") body.caller_service_data = mine.value;
  else missing.caller_service_data = { reason: "redis_unavailable", detail: (mine.reason as Error).message };
  if (theirs.status === "fulfilled") {
    body.responder_service_data = theirs.value.data;
  } else {
    const err = theirs.reason as Error;
    const reason = err instanceof ServiceCallError ? err.reason : "unreachable";
    missing.responder_service_data = { reason, detail: err.message };
  }
  if (Object.keys(missing).length) body.missing = missing;
  return body;
}
