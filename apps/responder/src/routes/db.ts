import type { Express } from "express";
import { methodNotAllowed } from "../../../shared/src/errors";
import { requestSignal } from "../../../shared/src/http-app";
import type { DbProbe } from "../services/db-probe";

export function dbRoutes(app: Express, probe: DbProbe): void {
  app
    .route("/db")
    .get(async (_req, res) => {
      const leak = res.locals.failureMode === "connection_leak";
      const { latencyMs } = await probe.roundTrip(leak, requestSignal(res));
      res.json({ db: "ok", latencyMs });
    })
    .all(methodNotAllowed("GET"));
}
