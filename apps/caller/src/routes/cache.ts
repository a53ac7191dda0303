import { Router } from "express";
import { ValidationError, HttpError } from "../../../shared/src/errors";
import type { CacheDemo } from "../services/cache-demo";

const KEY = /^[\w.:-]{1,256}$/;
const VALUE_MAX = 4_096;
const INVALID = { error: "Invalid data" };

export function cacheRoutes(cache: CacheDemo, limits: { maxTtlSec: number; listMax: number }): Router {
  const router = Router();

  router.post("/set-cache", async (req, res) => {
    const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const { key, value, ttl } = body;
    // The seed's contract: any bad field answers {"error":"Invalid data"}; the log names the field.
    if (typeof key !== "string" || !KEY.test(key))
      throw new ValidationError("key", "expected 1–256 of A-Z a-z 0-9 _ . : -", INVALID);
    if (typeof value !== "string" || value === "" || value.length > VALUE_MAX) {
      throw new ValidationError("value", `expected a non-empty string of at most ${VALUE_MAX} characters`, INVALID);
    }
    if (ttl !== undefined && !(Number.isInteger(ttl) && (ttl as number) >= 1 && (ttl as number) <= limits.maxTtlSec)) {
      throw new ValidationError("ttl", `expected whole seconds from 1 to ${limits.maxTtlSec}`, INVALID);
    }
    await cache.set(key, value, ttl as number | undefined);
    res.json({ message: `Cached key: ${key} with value: ${value}` });
  });

  router.get("/get-cache/:key", async (req, res) => {
    const key = req.params.key;
    const value = KEY.test(key) ? await cache.get(key) : null;
    if (value === null) throw new HttpError(404, { error: "Key not found" }, "cache_miss");
    res.json({ [key]: value });
  });

  router.get("/list-keys", async (req, res) => {
    const cursor = req.query.cursor ?? "0";
    if (typeof cursor !== "string" || !/^\d{1,20}$/.test(cursor))
      throw new ValidationError("cursor", "expected the cursor a previous page returned");
    const rawCount = req.query.count;
    const count = rawCount === undefined ? limits.listMax : Number(rawCount);
    if (!(Number.isInteger(count) && count >= 1 && count <= limits.listMax)) {
      throw new ValidationError("count", `expected an integer from 1 to ${limits.listMax}`);
    }
    res.json(await cache.list(cursor, count));
  });

  return router;
}
