/**
 * Runs a list of scenarios in one environment, one after the other, and renders the table and the
 * JSON report. Used by `npm run chaos` (every row) and by the vitest file (the fast subset).
 */
import { writeFileSync } from "node:fs";
import { describeBound, runScenario, type Scenario, type ScenarioResult, type Timing } from "./driver";
import { ChaosEnv, SERVICE_SETTINGS } from "./env";

export interface SuiteReport {
  readonly runId: string;
  readonly startedAt: string;
  readonly timing: Timing;
  readonly serviceSettings: typeof SERVICE_SETTINGS;
  readonly database: string;
  readonly redisKeyPrefix: string;
  readonly logDir?: string;
  readonly durationMs: number;
  readonly pass: boolean;
  readonly writes: { acknowledged: number; lost: number; duplicates: number; storedForFailed: number };
  readonly scenarios: ScenarioResult[];
}

export async function runSuite(opts: {
  root: string;
  scenarios: readonly Scenario[];
  timing: Timing;
  /** Called after each scenario (the CLI prints as it goes). */
  onResult?: (result: ScenarioResult) => void;
  keepLogs?: boolean;
  /** Receives the environment once it is up (the CLI closes it on Ctrl-C). */
  onEnv?: (env: ChaosEnv) => void;
}): Promise<SuiteReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const env = await ChaosEnv.start(opts.root);
  opts.onEnv?.(env);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of opts.scenarios) {
      const result = await runScenario(env, scenario, opts.timing);
      results.push(result);
      opts.onResult?.(result);
    }
  } finally {
    const failed = results.some((r) => !r.pass);
    await env.close({ keepLogs: opts.keepLogs || failed });
  }
  const sum = (f: (r: ScenarioResult) => number | undefined) => results.reduce((n, r) => n + (f(r) ?? 0), 0);
  const pass = results.every((r) => r.pass);
  return {
    runId: env.runId,
    startedAt,
    timing: opts.timing,
    serviceSettings: SERVICE_SETTINGS,
    database: env.database,
    redisKeyPrefix: env.keyPrefix,
    logDir: opts.keepLogs || !pass ? env.workDir : undefined,
    durationMs: Math.round(performance.now() - started),
    pass,
    writes: {
      acknowledged: sum((r) => r.writes?.acknowledged),
      lost: sum((r) => r.writes?.lost),
      duplicates: sum((r) => r.writes?.duplicates),
      storedForFailed: sum((r) => r.writes?.storedForFailed),
    },
    scenarios: results,
  };
}

export function writeReport(path: string, report: SuiteReport): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([k, n]) => `${k}×${n}`)
    .join(" ");
}

/** The lines printed for one scenario: one per stream, then writes, checks and failures. */
export function formatResult(r: ScenarioResult): string {
  const lines = [`${r.pass ? "PASS" : "FAIL"}  ${r.id}  (${(r.durationMs / 1000).toFixed(1)} s) — ${r.row}`];
  for (const s of r.streams) {
    lines.push(
      `      ${s.stream.padEnd(22)} bound ${describeBound(s.bound).padEnd(46)} ` +
        `req ${String(s.requests).padStart(5)}  err ${String(s.errors).padStart(4)}  resets ${s.resets}  ` +
        `p99 ${String(s.p99Ms).padStart(5)} ms  max ${String(s.maxMs).padStart(5)} ms  [${statusText(s.statuses)}]`,
    );
  }
  const rec = r.recoveryMs === null ? "never" : `${r.recoveryMs} ms`;
  lines.push(`      recovery after the fault cleared: ${rec} (bound < ${r.recoveryBoundMs} ms)`);
  if (r.writes) {
    const w = r.writes;
    lines.push(
      `      writes: ${w.acknowledged} acknowledged, ${w.storedOnce} in MySQL exactly once, ${w.lost} lost, ` +
        `${w.duplicates} duplicated; ${w.retried} retried with their key; ${w.failed} failed, of which ${w.storedForFailed} stored anyway`,
    );
  }
  for (const c of r.checks) lines.push(`      ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  for (const n of r.notes) lines.push(`      note: ${n}`);
  for (const f of r.failures) lines.push(`      ✗ ${f}`);
  return lines.join("\n");
}

/** A compact summary table, one row per stream. */
export function summaryTable(report: SuiteReport): string {
  const rows: string[][] = [["scenario", "stream", "bound", "req", "err", "p99", "max", "recovery", "result"]];
  for (const r of report.scenarios) {
    r.streams.forEach((s, i) =>
      rows.push([
        i === 0 ? r.id : "",
        s.stream,
        describeBound(s.bound),
        String(s.requests),
        String(s.errors),
        `${s.p99Ms}`,
        `${s.maxMs}`,
        i === 0 ? (r.recoveryMs === null ? "never" : `${r.recoveryMs}`) : "",
        i === 0 ? (r.pass ? "pass" : "FAIL") : "",
      ]),
    );
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const w = report.writes;
  return [
    ...rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")),
    "",
    `writes: ${w.acknowledged} acknowledged, ${w.lost} lost, ${w.duplicates} duplicated, ${w.storedForFailed} stored for failed requests`,
    `${report.scenarios.filter((r) => r.pass).length}/${report.scenarios.length} scenarios passed in ${(report.durationMs / 1000).toFixed(0)} s`,
  ].join("\n");
}
