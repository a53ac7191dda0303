import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { environmentNames, loadConfig } from "../config";

const ROOT = resolve(__dirname, "..");

/** Infrastructure code: it must take every service from config (comments and tests may name apps). */
const INFRASTRUCTURE = [
  "stacks",
  "modules",
  "scripts/lab.ts",
  "scripts/policy.ts",
  "scripts/plan-summary.ts",
  "scripts/plan-summary",
];

/** Words that contain an app's name but mean something else, each with its file. */
const NOT_APP_NAMES: readonly { file: string; text: RegExp; why: string }[] = [
  { file: "modules/aws-context.ts", text: /data-aws-caller-identity|^caller$/, why: "AWS STS caller identity" },
  { file: "modules/secure-bucket.ts", text: /the caller's account/, why: "the account making an API call" },
];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((f) => files(join(path, f)));
}

/** The identifiers and string or template texts of a file (its code without comments). */
function codeTokens(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const tokens: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) tokens.push(node.text);
    else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) tokens.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return tokens;
}

describe("no app names in infrastructure code", () => {
  const apps = [...new Set(environmentNames().flatMap((env) => Object.keys(loadConfig(env).services)))];

  it("when the example config is read, then the names to look for are its services", () => {
    expect(apps.sort()).toEqual(["caller", "responder"]);
  });

  it("when stacks/, modules/ and the lab, policy and plan-summary scripts are scanned, then no code token names an app", () => {
    const pattern = new RegExp(`\\b(${apps.join("|")})\\b`, "i");
    const found = INFRASTRUCTURE.flatMap(files)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((file) => {
        const rel = relative(ROOT, file);
        return codeTokens(file)
          .filter((t) => pattern.test(t))
          .filter((t) => !NOT_APP_NAMES.some((n) => n.file === rel && n.text.test(t)))
          .map((t) => `${rel}: ${t}`);
      });
    expect(found).toEqual([]);
  });
});
