import {
  GetParameterCommand,
  InternalServerError,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAILURE_MODES } from "../../apps/shared/src/config";
import { failureModeParameterName } from "../../config/failure-mode-parameter";
import { APP_TTL_MS, LabError, parseLabArgs, runLab } from "../../scripts/lab";

const ssmMock = mockClient(SSMClient);
const CALLER = "/fc-dev/caller/failure-mode";
const RESPONDER = "/fc-dev/responder/failure-mode";

/** A fake parameter store behind the mock: GetParameter reads it, PutParameter writes it. */
function store(initial: Record<string, string>): Record<string, string> {
  const params = { ...initial };
  ssmMock.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    if (!(input.Name in params)) throw new ParameterNotFound({ message: `${input.Name} not found`, $metadata: {} });
    return { Parameter: { Name: input.Name, Value: params[input.Name] } };
  });
  ssmMock.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => {
    params[input.Name] = input.Value;
    return { Version: 2 };
  });
  return params;
}

async function lab(argv: string[], deadlineMs?: number): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runLab(parseLabArgs(argv), {
    ssm: new SSMClient({ region: "eu-west-1" }),
    write: (l) => lines.push(l),
    deadlineMs,
  });
  return { code, lines };
}

const puts = () => ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input);

beforeEach(() => ssmMock.reset());
afterEach(() => ssmMock.reset());
// Test files may share a worker: leave SSMClient unpatched for the next one.
afterAll(() => ssmMock.restore());

describe("parameter naming", () => {
  it("when given a prefix and a service, then it is /<prefix>/<service>/failure-mode", () => {
    expect(failureModeParameterName("fc-dev", "caller")).toBe(CALLER);
  });
});

describe("npm run lab status", () => {
  it("when both parameters exist, then it prints each service's mode and writes nothing", async () => {
    store({ [CALLER]: "none", [RESPONDER]: "slow" });
    const { code, lines } = await lab(["status"]);
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^caller .*\/fc-dev\/caller\/failure-mode\s+none$/),
      expect.stringMatching(/^responder .*slow$/),
    ]);
    expect(puts()).toEqual([]);
  });

  it("when a parameter does not exist, then it says the services stack must be deployed", async () => {
    store({ [CALLER]: "none" });
    const { lines } = await lab(["status", "--service", "responder"]);
    expect(lines).toEqual([expect.stringContaining("not found: deploy the services stack first")]);
  });

  it("when prod is asked for, then it reads prod's parameters without --yes-prod (reading changes nothing)", async () => {
    store({ "/fc-prod/caller/failure-mode": "none" });
    const { lines } = await lab(["status", "--env", "prod", "--service", "caller"]);
    expect(lines[0]).toContain("/fc-prod/caller/failure-mode");
  });
});

describe("npm run lab set / reset", () => {
  it("when a valid mode is set for one service, then only its parameter is overwritten and old → new is printed with the TTL", async () => {
    const params = store({ [CALLER]: "none", [RESPONDER]: "none" });
    const { code, lines } = await lab(["set", "return_500", "--service", "caller"]);
    expect(code).toBe(0);
    expect(puts()).toEqual([{ Name: CALLER, Value: "return_500", Overwrite: true }]);
    expect(params).toEqual({ [CALLER]: "return_500", [RESPONDER]: "none" });
    expect(lines[0]).toMatch(/caller .* none → return_500$/);
    expect(lines.at(-1)).toContain(`within ${APP_TTL_MS / 1000} s`);
  });

  it("when no service is given, then both services change", async () => {
    const params = store({ [CALLER]: "none", [RESPONDER]: "none" });
    await lab(["set", "slow"]);
    expect(params).toEqual({ [CALLER]: "slow", [RESPONDER]: "slow" });
  });

  it("when the mode is already set, then it says unchanged and writes nothing", async () => {
    store({ [CALLER]: "slow" });
    const { lines } = await lab(["set", "slow", "--service=caller"]);
    expect(lines[0]).toContain("slow (unchanged)");
    expect(puts()).toEqual([]);
  });

  it("when reset, then every service goes back to none", async () => {
    const params = store({ [CALLER]: "cpu_burn", [RESPONDER]: "connection_leak" });
    const { lines } = await lab(["reset"]);
    expect(params).toEqual({ [CALLER]: "none", [RESPONDER]: "none" });
    expect(lines.slice(0, 2)).toEqual([
      expect.stringContaining("cpu_burn → none"),
      expect.stringContaining("connection_leak → none"),
    ]);
  });

  it("when the parameter does not exist, then nothing is written (not even for the service that exists)", async () => {
    store({ [CALLER]: "none" });
    await expect(lab(["set", "slow"])).rejects.toThrow(
      /parameter not found: \/fc-dev\/responder\/failure-mode.*nothing was written/,
    );
    expect(puts()).toEqual([]);
  });

  it("when the env is prod without --yes-prod, then it refuses and writes nothing", async () => {
    store({ "/fc-prod/caller/failure-mode": "none", "/fc-prod/responder/failure-mode": "none" });
    await expect(lab(["set", "slow", "--env", "prod"])).rejects.toThrow(/refusing .* prod without --yes-prod/);
    await expect(lab(["reset", "--env", "prod"])).rejects.toThrow(/--yes-prod/);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it("when the env is prod with --yes-prod, then it writes prod's parameter", async () => {
    const params = store({ "/fc-prod/caller/failure-mode": "none" });
    await lab(["set", "slow", "--env", "prod", "--service", "caller", "--yes-prod"]);
    expect(params["/fc-prod/caller/failure-mode"]).toBe("slow");
  });
});

describe("SSM failures", () => {
  it("when SSM fails on read, then the error names the parameter and nothing is written", async () => {
    ssmMock.on(GetParameterCommand).rejects(new InternalServerError({ message: "boom", $metadata: {} }));
    await expect(lab(["set", "slow", "--service", "caller"])).rejects.toThrow(
      /reading \/fc-dev\/caller\/failure-mode: InternalServerError: boom/,
    );
    expect(puts()).toEqual([]);
  });

  it("when SSM fails on write, then the error names the parameter", async () => {
    store({ [CALLER]: "none" });
    ssmMock.on(PutParameterCommand).rejects(new Error("AccessDenied"));
    await expect(lab(["set", "slow", "--service", "caller"])).rejects.toThrow(
      /writing \/fc-dev\/caller\/failure-mode: .*AccessDenied/,
    );
  });

  it("when SSM does not answer, then the call gives up at its deadline", async () => {
    ssmMock.on(GetParameterCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    await expect(lab(["status", "--service", "caller"], 100)).rejects.toThrow(/did not answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("argument errors (nothing reaches SSM)", () => {
  const cases: [string[], RegExp][] = [
    [["set", "explode"], new RegExp(`unknown mode "explode"; allowed modes: ${FAILURE_MODES.join(", ")}`)],
    [["set"], /set needs a mode; allowed modes: none, return_500/],
    [["restart"], /unknown command "restart"; expected one of: status, set, reset/],
    [[], /missing command/],
    [["status", "--verbose"], /unknown flag --verbose; allowed: --service, --env, --yes-prod/],
    [["status", "--service", "db"], /unknown service "db"; --service accepts the services of dev: caller, responder/],
    [["status", "--env", "staging"], /unknown environment "staging"; --env accepts: dev, prod/],
    [["status", "--env"], /--env needs a value/],
    [["reset", "now"], /unexpected argument\(s\) now/],
  ];
  it.each(cases)("when argv is %j, then a LabError explains it", (argv, message) => {
    expect(() => parseLabArgs(argv)).toThrow(LabError);
    expect(() => parseLabArgs(argv)).toThrow(message);
    expect(ssmMock.calls()).toHaveLength(0);
  });
});
