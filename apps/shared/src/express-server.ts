import { createServer, IncomingMessage, ServerResponse, type Server } from "node:http";
import type { Express } from "express";

/**
 * An HTTP server for `app` whose requests and responses are Express's own from the moment Node creates
 * them. Express otherwise swaps the prototype of every request and response it handles
 * (`Object.setPrototypeOf(req, app.request)`), and V8 gives each swapped object a hidden class of its
 * own: every property read or write on them, in Node's HTTP code, Express and the routes, then misses
 * its inline cache and takes the runtime's slow path. Here the classes Node instantiates already have
 * `app.request` and `app.response` as their prototypes, so Express's swap finds the prototype in place
 * and changes nothing. Measured on bare Express: 180–210 µs of CPU per request by `app.listen`, 40–50 µs
 * served from here (docs/apps.md, Performance).
 */
export function expressServer(app: Express): Server {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse<ExpressRequest> {}
  // The classes sit in front of Express's prototypes (which keep `req.app` and every method), and
  // become what Express swaps in: the swap then sets the prototype each object already has.
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as unknown as Express["request"];
  app.response = ExpressResponse.prototype as unknown as Express["response"];
  return createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, app);
}
