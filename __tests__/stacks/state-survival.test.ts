import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { Testing } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import fixture from "../fixtures/addresses-v0.json";
import { loadConfig } from "../../config";
import { FcStack } from "../../stacks/fc-stack";
import { applyMoves } from "../../stacks/moved";
import { addresses, synthApp, type TfJson } from "../helpers/terraform";

/** env → stack → every resource address of the last synth before services became a config map. */
const BEFORE = fixture as Record<string, Record<string, string[]>>;

/** Resources whose replacement loses data: each must keep its address (a moved block would also do). */
const STATEFUL =
  /^aws_(rds_cluster|rds_cluster_instance|elasticache_replication_group|kms_key|s3_bucket|ecr_repository|secretsmanager_secret)\./;

let now: Record<string, Record<string, TfJson>>;
beforeAll(() => {
  now = Object.fromEntries(Object.keys(BEFORE).map((env) => [env, synthApp(loadConfig(env)).stacks]));
});

/** Each old address of a stack: still there, moved (the `from` of a moved block), or lost. */
function survival(env: string, stack: string) {
  const json = now[env]![stack]!;
  const present = new Set(addresses(json));
  const movedFrom = new Map((json.moved ?? []).map((m) => [m.from, m.to]));
  const old = BEFORE[env]![stack]!;
  return {
    kept: old.filter((a) => present.has(a)),
    moved: old.filter((a) => !present.has(a) && movedFrom.has(a)),
    lost: old.filter((a) => !present.has(a) && !movedFrom.has(a)),
    movedTo: [...movedFrom.values()],
    present,
  };
}

describe("state survives the redesign", () => {
  const cases = Object.entries(BEFORE).flatMap(([env, stacks]) => Object.keys(stacks).map((stack) => [env, stack]));

  it("when the fixture is read, then it holds dev and prod with every stack", () => {
    expect(Object.keys(BEFORE).sort()).toEqual(["dev", "prod"]);
    for (const env of ["dev", "prod"]) {
      expect(Object.keys(BEFORE[env]!).sort()).toEqual(["data", "network", "ops", "platform", "services", "state"]);
    }
  });

  it.each(cases)(
    "when %s/%s is synthesized, then every old address still exists or is the from of a moved block",
    (env, stack) => {
      const s = survival(env!, stack!);
      expect(s.lost).toEqual([]);
      expect(s.kept.length + s.moved.length).toBe(BEFORE[env!]![stack!]!.length);
      // A moved block points at a resource that exists.
      for (const to of s.movedTo) expect(s.present.has(to), to).toBe(true);
    },
  );

  it("when databases, caches, keys, buckets and repositories are compared, then each kept its exact address", () => {
    for (const [env, stacks] of Object.entries(BEFORE)) {
      for (const [stack, old] of Object.entries(stacks)) {
        const present = new Set(addresses(now[env]![stack]!));
        const stateful = old.filter((a) => STATEFUL.test(a));
        for (const a of stateful) expect(present.has(a), `${env}/${stack}: ${a}`).toBe(true);
      }
    }
    expect(BEFORE.prod!.data!.filter((a) => STATEFUL.test(a))).toEqual(
      expect.arrayContaining([
        "aws_rds_cluster.mysql_cluster",
        "aws_elasticache_replication_group.cache_replication_group",
      ]),
    );
  });
});

describe("moved blocks", () => {
  class Stack extends FcStack {}
  const stack = () => new Stack(Testing.app(), "services", { config: loadConfig("dev") });

  it("when a move names an existing resource of the same type, then the stack gets a moved block", () => {
    const s = stack();
    new SsmParameter(s, "orders-failure-mode", { name: "/p", type: "String", value: "none" });
    applyMoves(s, [{ from: "aws_ssm_parameter.order_failure_mode", to: "aws_ssm_parameter.orders_failure_mode" }]);
    expect((JSON.parse(Testing.synth(s)) as TfJson).moved).toEqual([
      { from: "aws_ssm_parameter.order_failure_mode", to: "aws_ssm_parameter.orders_failure_mode" },
    ]);
  });

  it.each([
    [
      { from: "aws_ssm_parameter.a", to: "aws_ssm_parameter.missing" },
      /no resource has the address aws_ssm_parameter\.missing/,
    ],
    [
      { from: "aws_rds_cluster.a", to: "aws_ssm_parameter.p" },
      /a aws_ssm_parameter cannot take the state of another resource type/,
    ],
    [{ from: "aws_ssm_parameter.p", to: "aws_ssm_parameter.p" }, /aws_ssm_parameter\.p still exists; nothing moved/],
  ])("when a move is %j, then the synth fails naming it instead of replacing anything", (move, message) => {
    const s = stack();
    new SsmParameter(s, "p", { name: "/p", type: "String", value: "none" });
    expect(() => applyMoves(s, [move])).toThrow(message);
  });
});
