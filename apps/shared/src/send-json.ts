import type { Response } from "express";

/**
 * Sends JSON text that is already serialized (a cached page, a string built once) with exactly the
 * headers res.json would: the hot routes skip Express's send (charset negotiation, freshness check).
 */
export function sendJson(res: Response, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(res.req.method === "HEAD" ? undefined : text);
}
