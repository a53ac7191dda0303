import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLUE_GREEN_TEST_HEADER } from "../../apps/shared/src/logger";
import { BLUE_GREEN_TEST_HEADER as INFRA_TEST_HEADER } from "../../modules/ecs-service";
import { eventually, fakeResponder, startTestCaller, uniquePrefix } from "./harness";

// ECS native blue/green through Service Connect sends requests carrying this header to the green
// responder; test traffic enters a green caller through the ALB's test listener with the header.
describe("caller passes the blue/green test header on to the responder", () => {
  let fake: Awaited<ReturnType<typeof fakeResponder>>;
  let caller: Awaited<ReturnType<typeof startTestCaller>>;

  beforeAll(async () => {
    fake = await fakeResponder();
    caller = await startTestCaller({ REDIS_KEY_PREFIX: uniquePrefix(), RESPONDER_URL: fake.url });
    await eventually(() => caller.deps.redis.isReady);
  });
  afterAll(async () => {
    await caller.shutdown("test done");
    await fake.close();
  });

  it("when the apps and the infrastructure name the header, then they name the same one", () => {
    expect(BLUE_GREEN_TEST_HEADER).toBe(INFRA_TEST_HEADER);
  });

  it("when a request carries the test header, then the call to the responder carries it too", async () => {
    await request(caller.url).get("/").set(BLUE_GREEN_TEST_HEADER, "green-1").expect(200);
    expect(fake.seenHeaders.at(-1)![BLUE_GREEN_TEST_HEADER]).toBe("green-1");
  });

  it("when a request has no test header, then the responder call has none (production traffic stays on blue)", async () => {
    await request(caller.url).get("/").expect(200);
    expect(fake.seenHeaders.at(-1)).not.toHaveProperty(BLUE_GREEN_TEST_HEADER);
  });

  it("when the header value is not a short printable token, then it is not passed on", async () => {
    await request(caller.url).get("/").set(BLUE_GREEN_TEST_HEADER, "x".repeat(200)).expect(200);
    expect(fake.seenHeaders.at(-1)).not.toHaveProperty(BLUE_GREEN_TEST_HEADER);
  });
});
