// npm run dev: responder then caller on loopback, against the local Redis and MariaDB.
import { startCaller } from "../apps/caller/src/server";
import { startResponder } from "../apps/responder/src/server";

async function main(): Promise<void> {
  // Locally the demo routes are on, every trace is kept (when OTEL_EXPORTER_OTLP_ENDPOINT is set), and
  // Ctrl-C does not hold the listener open for a load balancer that is not there.
  const base = {
    HOST: "127.0.0.1",
    DEMO_ROUTES_ENABLED: "true",
    TRACES_SAMPLE_RATIO: "1",
    SHUTDOWN_DELAY_MS: "0",
    ...process.env,
  };
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
