import type { Express, RequestHandler } from "express";
import { methodNotAllowed } from "../../../shared/src/errors";
import { sendJson } from "../../../shared/src/send-json";
import { requestContext } from "../../../shared/src/http-app";
import type { ServiceClient } from "../../../shared/src/http-client";
import { parseIdempotencyKey, parseMessage } from "../../../shared/src/message";
import type { CallerData } from "../services/caller-data";
import { combinedData } from "../services/combined";

export function dataRoutes(app: Express, jsonBody: RequestHandler, own: CallerData, responder: ServiceClient): void {
  app
    .route("/")
    .get(async (_req, res) => {
      const body = await combinedData(own, responder, requestContext(res));
      if (body.missing) {
        res.locals.errorType = Object.entries(body.missing)
          .map(([part, m]) => `${part === "caller_service_data" ? "caller" : "responder"}_${m.reason}`)
          .join(",");
      }
      sendJson(res, 200, JSON.stringify(body));
    })
    .all(methodNotAllowed("GET"));
  app
    .route("/data")
    .post(jsonBody, async (req, res) => {
      const msg = parseMessage(req.body);
      const key = parseIdempotencyKey(req.get("idempotency-key"));
      const { stored, replayed } = await own.add(msg, key);
      if (replayed) res.setHeader("idempotent-replayed", "true");
      res.status(201).json({
        message: "Data stored successfully in Service A",
        stored_data: { user: stored.user, message: stored.message },
      });
    })
    .all(methodNotAllowed("POST"));
}
