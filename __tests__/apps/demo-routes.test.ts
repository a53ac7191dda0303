import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCallerConfig } from "../../apps/caller/src/config";
import {
  createTestDatabase,
  fakeResponder,
  startTestCaller,
  startTestResponder,
  timedFetch,
  uniquePrefix,
} from "./harness";

// The demo routes are a CPU burner, a key-value store anyone can write, a key listing and a MySQL
// probe: opt-in per environment (dev), 404 everywhere else.
const CALLER_DEMO = [
  ["GET", "/work?ms=1"],
  ["POST", "/work"],
  ["POST", "/set-cache"],
  ["GET", "/get-cache/k"],
  ["DELETE", "/get-cache/k"],
  ["GET", "/list-keys"],
] as const;
const RESPONDER_DEMO = [
  ["GET", "/db"],
  ["PUT", "/db"],
  ["GET", "/work?ms=1"],
] as const;

describe("demo routes", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let fake: Awaited<ReturnType<typeof fakeResponder>>;
  const started: { shutdown: (r: string) => Promise<void> }[] = [];
  let off: { caller: string; responder: string };
  let on: { caller: string; responder: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await fakeResponder();
    const base = { MYSQL_DATABASE: db.name, REDIS_KEY_PREFIX: uniquePrefix(), RESPONDER_URL: fake.url };
    const [c0, r0, c1, r1] = await Promise.all([
      startTestCaller({ ...base, DEMO_ROUTES_ENABLED: undefined }),
      startTestResponder({ ...base, DEMO_ROUTES_ENABLED: undefined }),
      startTestCaller({ ...base, DEMO_ROUTES_ENABLED: "true" }),
      startTestResponder({ ...base, DEMO_ROUTES_ENABLED: "true" }),
    ]);
    started.push(c0, r0, c1, r1);
    off = { caller: c0.url, responder: r0.url };
    on = { caller: c1.url, responder: r1.url };
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.shutdown("test done")));
    await fake.close();
    await db.drop();
  });

  it("when DEMO_ROUTES_ENABLED is unset (the default), then every demo route answers 404 for every method, and the API still works", async () => {
    for (const [method, path] of CALLER_DEMO) {
      const r = await timedFetch(`${off.caller}${path}`, { method });
      expect({ method, path, status: r.status, body: r.body }).toEqual({
        method,
        path,
        status: 404,
        body: { error: "Not found" },
      });
    }
    for (const [method, path] of RESPONDER_DEMO) {
      expect({ method, path, status: (await timedFetch(`${off.responder}${path}`, { method })).status }).toEqual({
        method,
        path,
        status: 404,
      });
    }
    expect((await timedFetch(`${off.caller}/`)).status).toBe(200);
    expect((await timedFetch(`${off.caller}/healthz`)).status).toBe(200);
    expect((await timedFetch(`${off.responder}/data`)).status).toBe(200);
  });

  it("when DEMO_ROUTES_ENABLED is true (dev), then they are served", async () => {
    expect((await timedFetch(`${on.caller}/work?ms=1`)).status).toBe(200);
    expect((await timedFetch(`${on.caller}/get-cache/absent`)).status).toBe(404);
    expect((await timedFetch(`${on.caller}/get-cache/absent`)).body).toEqual({ error: "Key not found" });
    expect((await timedFetch(`${on.caller}/list-keys`)).status).toBe(200);
    expect((await timedFetch(`${on.responder}/db`)).status).toBe(200);
    expect((await timedFetch(`${on.responder}/work?ms=1`)).status).toBe(200);
  });

  it("when DEMO_ROUTES_ENABLED is anything but true or false, then start-up fails naming it", () => {
    expect(loadCallerConfig({}).DEMO_ROUTES_ENABLED).toBe(false);
    expect(() => loadCallerConfig({ DEMO_ROUTES_ENABLED: "yes" })).toThrow(
      /DEMO_ROUTES_ENABLED: got "yes"; expected "true" or "false"/,
    );
  });
});
