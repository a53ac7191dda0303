import type { Message } from "../../../shared/src/message";
import { ServiceCallError, type FailureReason, type ServiceClient } from "../../../shared/src/http-client";
import type { CallerData } from "./caller-data";

export interface Combined {
  caller_service_data: Message[];
  responder_service_data: Message[];
  /** Present only when a part is missing: which part, and why. */
  missing?: Record<string, { reason: FailureReason; detail: string }>;
}

/** GET /: both services' data. A failing responder degrades the answer instead of failing it. */
export async function combinedData(own: CallerData, responder: ServiceClient): Promise<Combined> {
  const [mine, theirs] = await Promise.allSettled([own.list(), responder.getJson<{ data: Message[] }>("/data")]);
  if (mine.status === "rejected") throw mine.reason;
  const body: Combined = { caller_service_data: mine.value, responder_service_data: [] };
  if (theirs.status === "fulfilled") {
    body.responder_service_data = (theirs.value.data ?? []).map((m) => ({ user: m.user, message: m.message }));
  } else {
    const err = theirs.reason as Error;
    const reason: FailureReason = err instanceof ServiceCallError ? err.reason : "unreachable";
    body.missing = { responder_service_data: { reason, detail: err.message } };
  }
  return body;
}
