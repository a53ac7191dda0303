import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

describe("the synth CLI (main.ts)", () => {
  it("when `npm run synth` runs with an unknown FC_ENV, then it exits 1 with the message and no cdktf.out", () => {
    const cwd = mkdtempSync(join(tmpdir(), "fc-cli-"));
    const result = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "main.ts")], {
      cwd,
      env: { ...process.env, FC_ENV: "staging", CDKTF_OUTDIR: "" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('FC_ENV: unknown environment "staging"; expected one of: dev, prod');
    expect(existsSync(join(cwd, "cdktf.out"))).toBe(false);
  });
});
