// npm run dev: responder then caller on loopback, against the local Redis and MariaDB.
import { startCaller } from "../apps/caller/src/server";
import { startResponder } from "../apps/responder/src/server";

async function main(): Promise<void> {
  const base = { HOST: "127.0.0.1", ...process.env };
  const responder = await startResponder({ ...base, PORT: process.env.RESPONDER_PORT ?? "8081" });
  console.log(`responder listening on ${responder.url}`);
  const caller = await startCaller({ ...base, PORT: process.env.CALLER_PORT ?? "8080", RESPONDER_URL: responder.url });
  console.log(`caller listening on ${caller.url}`);

  const stop = (signal: string) => {
    Promise.all([caller.shutdown(signal), responder.shutdown(signal)]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
