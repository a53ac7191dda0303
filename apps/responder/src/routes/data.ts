import type { Express, RequestHandler } from "express";
import { methodNotAllowed } from "../../../shared/src/errors";
import { requestSignal } from "../../../shared/src/http-app";
import { sendJson } from "../../../shared/src/send-json";
import { integerParam } from "../../../shared/src/integer";
import { parseIdempotencyKey, parseMessage } from "../../../shared/src/message";
import { MAX_PAGE_SIZE, type MessageStore } from "../services/messages";

const pageSize = (raw: unknown) => integerParam("limit", raw, { min: 1, max: MAX_PAGE_SIZE, fallback: 20 });

export function dataRoutes(app: Express, jsonBody: RequestHandler, store: MessageStore): void {
  app
    .route("/data")
    .post(jsonBody, async (req, res) => {
      const msg = parseMessage(req.body);
      const key = parseIdempotencyKey(req.get("idempotency-key"));
      const { stored, replayed } = await store.add(msg, key, requestSignal(res));
      if (replayed) res.setHeader("idempotent-replayed", "true");
      res.status(201).json({
        message: "Data stored successfully in Service B",
        stored_data: { user: stored.user, message: stored.message },
      });
    })
    .get(async (req, res) => {
      const { json, hit } = await store.newestJson(pageSize(req.query.limit), requestSignal(res));
      res.setHeader("x-cache", hit ? "hit" : "miss");
      sendJson(res, 200, `{"data":${json}}`);
    })
    .all(methodNotAllowed("GET", "POST"));
}
