/**
 * npm run chaos [-- --fast] [-- --only id,id] [-- --report path] [-- --keep-logs] [-- --apps-root dir]
 * Replays the chaos table against the real services, Redis and MariaDB, on loopback only.
 * Exit code 1 if any scenario misses its bound.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FAST_TIMING, FULL_TIMING } from "./driver";
import type { ChaosEnv } from "./env";
import { killAllChildren } from "./processes";
import { SCENARIOS } from "./scenarios";
import { formatResult, runSuite, summaryTable, writeReport } from "./suite";

const root = join(__dirname, "..", "..");

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      fast: { type: "boolean", default: false },
      only: { type: "string" },
      report: { type: "string", default: join(root, "chaos-report.json") },
      "keep-logs": { type: "boolean", default: false },
      // Another checkout's apps (e.g. the commit before a fix), for before/after figures.
      "apps-root": { type: "string", default: root },
    },
  });
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    return 2;
  }
  const scenarios = SCENARIOS.filter((s) => (only ? only.includes(s.id) : !values.fast || s.fast));
  const timing = values.fast ? FAST_TIMING : FULL_TIMING;

  let env: ChaosEnv | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping every process the suite started`);
    killAllChildren();
    const closing = env ? env.close() : Promise.resolve();
    // Give the database drop a moment, never longer.
    void Promise.race([closing, new Promise((r) => setTimeout(r, 3_000))]).then(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  console.log(`chaos: ${scenarios.length} scenario(s), fault ${timing.faultMs} ms, loopback only\n`);
  const report = await runSuite({
    root: values["apps-root"],
    scenarios,
    timing,
    keepLogs: values["keep-logs"],
    onEnv: (e) => (env = e),
    onResult: (r) => console.log(`${formatResult(r)}\n`),
  });
  writeReport(values.report, report);
  console.log(summaryTable(report));
  console.log(`\nreport: ${values.report}${report.logDir ? `; service logs kept in ${report.logDir}` : ""}`);
  return report.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    killAllChildren();
    process.exit(1);
  },
);
