import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

// The Dockerfiles ship exactly this bundle; build it the same way and run it as the container would.
describe("production bundle", () => {
  let bundle: string;
  beforeAll(() => {
    bundle = join(mkdtempSync(join(tmpdir(), "fc-bundle-")), "server.js");
    buildSync({
      entryPoints: [join(ROOT, "apps/caller/src/server.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      outfile: bundle,
      logLevel: "silent",
    });
  });

  it("when the caller bundle starts, then it logs its URL as JSON, serves /healthz, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [bundle], {
      env: {
        PATH: process.env.PATH,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "warn",
        REDIS_URL: "redis://127.0.0.1:6379",
      },
    });
    let stdout = "";
    const url = await new Promise<string>((res, rej) => {
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        const m = /caller listening on (http:\/\/\S+)/.exec(c.toString());
        if (m) res(m[1]!);
      });
      child.once("exit", (code) => rej(new Error(`exited ${code}`)));
    });
    // Every line is JSON, the startup line included, even at LOG_LEVEL=warn.
    expect(JSON.parse(stdout.trim().split("\n")[0]!)).toMatchObject({
      message: expect.stringMatching(/^caller listening on http/),
      url,
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });

  it("when a variable is invalid, then the bundle exits 1 with one JSON line naming it", async () => {
    const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH, PORT: "99999" } });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        service: "caller",
        errorType: "config_invalid",
        error: expect.stringContaining('PORT: got "99999"; expected an integer from 0 to 65535'),
      }),
    ]);
  });
});
