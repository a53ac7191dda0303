import { Router } from "express";
import { methodNotAllowed, ValidationError } from "../../../shared/src/errors";
import { requestSignal } from "../../../shared/src/http-app";
import { parseIdempotencyKey, parseMessage } from "../../../shared/src/message";
import { MAX_PAGE_SIZE, type MessageStore } from "../services/messages";

function pageSize(raw: unknown): number {
  if (raw === undefined) return 20;
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE_SIZE))
    throw new ValidationError("limit", `expected an integer from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

export function dataRoutes(store: MessageStore): Router {
  const router = Router();
  router.post("/data", async (req, res) => {
    const msg = parseMessage(req.body);
    const key = parseIdempotencyKey(req.get("idempotency-key"));
    const { stored, replayed } = await store.add(msg, key, requestSignal(res));
    if (replayed) res.setHeader("idempotent-replayed", "true");
    res.status(201).json({
      message: "Data stored successfully in Service B",
      stored_data: { user: stored.user, message: stored.message },
    });
  });
  router.get("/data", async (req, res) => {
    const { json, hit } = await store.newestJson(pageSize(req.query.limit), requestSignal(res));
    res.setHeader("x-cache", hit ? "hit" : "miss");
    res.type("application/json").send(`{"data":${json}}`);
  });
  router.all("/data", methodNotAllowed("GET", "POST"));
  return router;
}
