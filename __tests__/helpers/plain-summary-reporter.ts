import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with one plain "N passed, N failed, N skipped" line that any CI log reader understands,
 * plus the files that failed outside a test (a failing beforeAll leaves its tests "skipped").
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failedFiles = testModules.filter((mod) => !mod.ok()).map((mod) => mod.moduleId);
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
    }
    const files = failedFiles.length > 0 ? `; ${failedFiles.length} file(s) failed: ${failedFiles.join(", ")}` : "";
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${files}\n`);
  }
}
