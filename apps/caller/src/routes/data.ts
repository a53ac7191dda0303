import { Router } from "express";
import type { ServiceClient } from "../../../shared/src/http-client";
import { parseMessage } from "../../../shared/src/message";
import type { CallerData } from "../services/caller-data";
import { combinedData } from "../services/combined";

export function dataRoutes(own: CallerData, responder: ServiceClient): Router {
  const router = Router();
  router.post("/data", async (req, res) => {
    const msg = parseMessage(req.body);
    await own.add(msg);
    res.status(201).json({
      message: "Data stored successfully in Service A",
      stored_data: { user: msg.user, message: msg.message },
    });
  });
  router.get("/", async (_req, res) => {
    const body = await combinedData(own, responder);
    if (body.missing) res.locals.errorType = `responder_${body.missing.responder_service_data?.reason}`;
    res.json(body);
  });
  return router;
}
