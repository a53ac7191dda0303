import type { Express, RequestHandler } from "express";
import { HttpError, methodNotAllowed, ValidationError } from "../../../shared/src/errors";
import { sendJson } from "../../../shared/src/send-json";
import { integerParam } from "../../../shared/src/integer";
import { textProblem } from "../../../shared/src/message";
import type { CacheDemo } from "../services/cache-demo";

const KEY = /^[\w.:-]{1,256}$/;

export interface CacheLimits {
  readonly maxTtlSec: number;
  /** TTL when the client sends none (already capped by maxTtlSec in the config). */
  readonly defaultTtlSec: number;
  readonly valueMaxBytes: number;
  readonly listMax: number;
}

/** The seed's contract: any bad field answers {"error":"Invalid data"}, here with the field named. */
function invalid(field: string, detail: string): ValidationError {
  return new ValidationError(field, detail, { error: "Invalid data", field });
}

export function cacheRoutes(app: Express, jsonBody: RequestHandler, cache: CacheDemo, limits: CacheLimits): void {
  app
    .route("/set-cache")
    .post(jsonBody, async (req, res) => {
      const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<string, unknown>;
      const { key, value, ttl } = body;
      if (typeof key !== "string" || !KEY.test(key)) throw invalid("key", "expected 1–256 of A-Z a-z 0-9 _ . : -");
      const valueRule = `expected a non-empty string of at most ${limits.valueMaxBytes} UTF-8 bytes`;
      if (typeof value !== "string" || value === "" || Buffer.byteLength(value) > limits.valueMaxBytes) {
        throw invalid("value", valueRule);
      }
      const problem = textProblem(value, { multiline: true });
      if (problem) throw invalid("value", `${valueRule}; this one ${problem}`);
      if (
        ttl !== undefined &&
        !(Number.isInteger(ttl) && (ttl as number) >= 1 && (ttl as number) <= limits.maxTtlSec)
      ) {
        throw invalid("ttl", `expected whole seconds from 1 to ${limits.maxTtlSec}`);
      }
      await cache.set(key, value, (ttl as number | undefined) ?? limits.defaultTtlSec);
      res.json({ message: `Cached key: ${key} with value: ${value}` });
    })
    .all(methodNotAllowed("POST"));

  app
    .route("/get-cache/:key")
    .get(async (req, res) => {
      const key = req.params.key;
      const value = KEY.test(key) ? await cache.get(key) : null;
      if (value === null) throw new HttpError(404, { error: "Key not found" }, "cache_miss");
      // A computed key defines an own property: "__proto__" is echoed as data, never as a prototype.
      sendJson(res, 200, JSON.stringify({ [key]: value }));
    })
    .all(methodNotAllowed("GET"));

  app
    .route("/list-keys")
    .get(async (req, res) => {
      const cursor = req.query.cursor ?? "0";
      if (typeof cursor !== "string" || !/^\d{1,20}$/.test(cursor))
        throw new ValidationError("cursor", "expected the cursor a previous page returned");
      const count = integerParam("count", req.query.count, { min: 1, max: limits.listMax, fallback: limits.listMax });
      res.json(await cache.list(cursor, count));
    })
    .all(methodNotAllowed("GET"));
}
