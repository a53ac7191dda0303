import { Router } from "express";
import { methodNotAllowed } from "../../../shared/src/errors";
import { requestSignal } from "../../../shared/src/http-app";
import type { DbProbe } from "../services/db-probe";

export function dbRoutes(probe: DbProbe): Router {
  const router = Router();
  router.get("/db", async (_req, res) => {
    const leak = res.locals.failureMode === "connection_leak";
    const { latencyMs } = await probe.roundTrip(leak, requestSignal(res));
    res.json({ db: "ok", latencyMs });
  });
  router.all("/db", methodNotAllowed("GET"));
  return router;
}
