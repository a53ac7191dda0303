// The ceiling for bench:http: bare Express answering a constant JSON body, served as the apps serve
// it (expressServer), or with HELLO_STOCK=1 by Express's own app.listen.
import express from "express";
import { expressServer } from "../apps/shared/src/express-server";

const app = express();
app.disable("x-powered-by");
app.get("/", (_req, res) => {
  res.json({ hello: "world" });
});
const stock = process.env.HELLO_STOCK === "1";
const server = stock ? app.listen(Number(process.env.PORT ?? 0), "127.0.0.1") : expressServer(app);
if (!stock) server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
server.once("listening", () => {
  const address = server.address();
  console.log(`hello listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
server.keepAliveTimeout = 65_000;
process.on("SIGTERM", () => server.close(() => process.exit(0)));
