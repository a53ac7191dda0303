import { configDefaults, defineConfig } from "vitest/config";
import { IMAGE_NODE_OPTIONS } from "./scripts/image-node-options.js";

/**
 * Tests that need more than this process: the real Redis/MariaDB, child processes (services, CLIs,
 * jq, redis-server) or terraform. Everything else is the unit project.
 */
const SYSTEM = [
  "__tests__/apps/**/*.test.ts",
  "__tests__/catalog/services-catalog.test.ts",
  "__tests__/chaos/**/*.test.ts",
  "__tests__/config/cli.test.ts",
  "__tests__/modules/cache-engine-upgrade.test.ts",
  "__tests__/plan-summary/**/*.test.ts",
  "__tests__/terraform/**/*.test.ts",
  "__tests__/workflows.test.ts",
];
/**
 * System tests that need a process of their own: OpenTelemetry's require hooks patch express, redis
 * and mysql2 only when they load first, which a worker shared with other files has done already; and
 * the old-generation measurements of live-set.test.ts, which what earlier files left running would skew.
 */
const FRESH_PROCESS = [
  "__tests__/apps/tracing.test.ts",
  "__tests__/apps/tracing-off.test.ts",
  "__tests__/apps/live-set.test.ts",
];

const shared = {
  pool: "forks",
  testTimeout: 20_000,
  hookTimeout: 60_000,
} as const;

export default defineConfig({
  test: {
    // Once per run: the run id for Redis keys, and the directory of the shared environment synths.
    globalSetup: ["./__tests__/helpers/global-setup.ts"],
    reporters: ["default", "./__tests__/helpers/plain-summary-reporter.ts"],
    // vitest's default is one worker fewer than the CPUs: a single one on a 2-core runner. Most system
    // tests wait on timers and sockets, so two workers keep both cores busy.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: "unit",
          include: ["__tests__/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SYSTEM],
          // A worker runs file after file without reloading modules: cdktn and the provider bindings
          // load once per worker instead of once per file. Files restore what they patch.
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: "system",
          include: SYSTEM,
          exclude: [...configDefaults.exclude, ...FRESH_PROCESS],
          // As in unit: express, the AWS SDK, OpenTelemetry and the apps load once per worker.
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: "system-isolated",
          include: FRESH_PROCESS,
          // Context flows through the tracing code as it does in the images.
          execArgv: [...IMAGE_NODE_OPTIONS],
        },
      },
    ],
  },
});
