import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    // Each file synthesizes once in beforeAll; app tests open real Redis/MariaDB connections.
    pool: "forks",
    globalSetup: ["./__tests__/helpers/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ["default", "./__tests__/helpers/plain-summary-reporter.ts"],
  },
});
