/** The terraform CLI as tf:check runs it: bounded in time, environment set explicitly, output captured. */
import { spawn, spawnSync } from "node:child_process";

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export const TERRAFORM = process.env.TERRAFORM_BINARY ?? "terraform";

/** `terraform version` when terraform is on PATH, else undefined. */
export function terraformVersion(binary = TERRAFORM): string | undefined {
  const r = spawnSync(binary, ["version", "-json"], { encoding: "utf8", timeout: 20_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
}

export function runTerraform(
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; binary?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(opts.binary ?? TERRAFORM, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(error), timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** "Plan: 3 to add, 1 to change, 0 to destroy." / "No changes." → counts. */
export function planCounts(output: string): { add: number; change: number; destroy: number } | undefined {
  if (/No changes\./.test(output)) return { add: 0, change: 0, destroy: 0 };
  const m = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(output);
  return m ? { add: Number(m[1]), change: Number(m[2]), destroy: Number(m[3]) } : undefined;
}

/** The first error of terraform's human output, on one line: summary and the start of its detail. */
export function firstError(output: string): string {
  // Commands run with -no-color: no escape sequences to strip.
  const lines = output.split("\n").map((l) => l.replace(/^[│╷╵ ]+/, "").trim());
  const at = lines.findIndex((l) => l.startsWith("Error: "));
  if (at === -1) return lines.filter(Boolean).at(-1) ?? "no output";
  const detail = lines
    .slice(at + 1)
    .filter((l) => l && !/^on .* line \d+/.test(l) && !/^\d+:/.test(l))
    .slice(0, 3)
    .join(" ");
  return `${lines[at]!.slice("Error: ".length)}${detail ? `: ${detail}` : ""}`.slice(0, 300);
}
