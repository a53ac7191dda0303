// Runs the rule table over every stack of every environment, applies the exceptions, and
// summarizes per rule: what the test asserts and what `npm run policy` prints.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktn";
import { ENVIRONMENTS, loadConfig } from "../../config";
import { createStacks } from "../../stacks";
import { EXCEPTIONS, type PolicyException, type Violation } from "./exceptions";
import type { Rule } from "./rule-kit";
import { RULES } from "./rules";
import { Environment, type StackJson } from "./tf";

export interface RuleReport {
  readonly rule: Rule;
  /** "env/stack" pairs where the rule found something to check. */
  readonly stacksChecked: string[];
  readonly stacksRun: number;
  readonly resourcesChecked: number;
  readonly violations: Violation[];
  readonly excepted: { violation: Violation; exception: PolicyException }[];
}

export interface PolicyReport {
  readonly rules: RuleReport[];
  readonly unusedExceptions: PolicyException[];
}

/** Synthesizes every stack of an environment with a real App (as main.ts does) into a temp dir. */
export function synthEnvironment(envName: string): Environment {
  const config = loadConfig(envName);
  const outdir = mkdtempSync(join(tmpdir(), "fc-policy-"));
  try {
    const app = new App({ outdir });
    createStacks(app, config);
    app.synth();
    const stacks: Record<string, StackJson> = {};
    for (const name of readdirSync(join(outdir, "stacks"))) {
      stacks[name] = JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as StackJson;
    }
    return new Environment(envName, config, stacks);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every environment config/ defines. */
export function synthAllEnvironments(): Environment[] {
  return Object.keys(ENVIRONMENTS).map(synthEnvironment);
}

/** Runs one rule over every stack of the given environments. */
export function runRule(
  rule: Rule,
  envs: readonly Environment[],
  exceptions: readonly PolicyException[] = EXCEPTIONS,
): RuleReport {
  const stacksChecked: string[] = [];
  const violations: Violation[] = [];
  const excepted: RuleReport["excepted"] = [];
  let stacksRun = 0;
  let resourcesChecked = 0;
  for (const env of envs) {
    for (const stackName of env.stackNames) {
      const ctx = { envName: env.envName, stackName, config: env.config, env };
      const outcomes = rule.check(env.stacks[stackName]!, ctx);
      stacksRun += 1;
      const addresses = new Set(outcomes.map((o) => `${o.resource.stack}/${o.resource.address}`));
      if (addresses.size > 0) stacksChecked.push(`${env.envName}/${stackName}`);
      resourcesChecked += addresses.size;
      for (const o of outcomes) {
        if (o.problem === undefined) continue;
        const v: Violation = {
          rule: rule.id,
          envName: env.envName,
          stack: stackName,
          resource: o.resource,
          problem: o.problem,
          detail: o.detail,
        };
        const exception = exceptions.find((e) => e.rule === rule.id && e.matches(v, env));
        if (exception) excepted.push({ violation: v, exception });
        else violations.push(v);
      }
    }
  }
  return { rule, stacksChecked, stacksRun, resourcesChecked, violations, excepted };
}

export function runPolicy(envs: readonly Environment[], rules: readonly Rule[] = RULES): PolicyReport {
  const reports = rules.map((r) => runRule(r, envs));
  const used = new Set(reports.flatMap((r) => r.excepted.map((e) => e.exception)));
  return { rules: reports, unusedExceptions: EXCEPTIONS.filter((e) => !used.has(e)) };
}

export function status(r: RuleReport): "PASS" | "FAIL" | "n/a" {
  if (r.violations.length > 0) return "FAIL";
  return r.resourcesChecked === 0 ? "n/a" : "PASS";
}

export function describeViolation(v: Violation): string {
  return `${v.rule} ${v.envName}/${v.stack} ${v.resource.address}: ${v.problem}`;
}
