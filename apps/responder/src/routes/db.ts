import { Router } from "express";
import type { DbProbe } from "../services/db-probe";

export function dbRoutes(probe: DbProbe): Router {
  const router = Router();
  router.get("/db", async (_req, res) => {
    const { latencyMs } = await probe.roundTrip(res.locals.failureMode === "connection_leak");
    res.json({ db: "ok", latencyMs });
  });
  return router;
}
