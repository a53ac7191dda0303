// npm run docs:config — writes docs/configuration.md from the zod schemas in config/: every field
// with its type, allowed values, default and description. Types, ranges, enums and defaults come
// from z.toJSONSchema; descriptions from `.describe()`/`.meta()` where a schema has one, otherwise
// from the field's JSDoc comment, which TypeScript carries into `EnvConfigInput`. A test fails when
// the committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { z } from "zod";
import { envConfigSchema } from "../config/schema";

const ROOT = resolve(__dirname, "..");
export const REFERENCE_PATH = join(ROOT, "docs/configuration.md");

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
};

/** Where a map's key goes in a path: `services.<name>.cpu`. */
const MAP_KEY = "<name>";

/** JSDoc of every field of `EnvConfigInput`, by dotted path (maps as <name>, list items as []). */
export function jsdocByPath(): Map<string, string> {
  const schemaFile = join(ROOT, "config/schema.ts");
  const program = ts.createProgram([schemaFile], {
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(schemaFile);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const input = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === "EnvConfigInput");
  if (!input) throw new Error("config/schema.ts: no exported type EnvConfigInput to read field comments from");
  const docs = new Map<string, string>();
  // Ancestors only: the same type under two paths (a shared schema constant) is documented at both.
  const walk = (type: ts.Type, path: string, ancestors: ReadonlySet<ts.Type> = new Set()): void => {
    const t = checker.getNonNullableType(type);
    if (t.isUnion()) {
      for (const member of t.types) walk(member, path, ancestors);
      return;
    }
    if (!(t.flags & ts.TypeFlags.Object) || ancestors.has(t)) return;
    const inner = new Set(ancestors).add(t);
    if (checker.isArrayType(t)) {
      const [element] = checker.getTypeArguments(t as ts.TypeReference);
      if (element) walk(element, `${path}[]`, inner);
      return;
    }
    for (const info of checker.getIndexInfosOfType(t)) walk(info.type, join2(path, MAP_KEY), inner);
    for (const property of checker.getPropertiesOfType(t)) {
      const at = join2(path, property.name);
      const doc = documentation(checker, property);
      if (doc && !docs.has(at)) docs.set(at, doc);
      walk(checker.getTypeOfSymbol(property), at, inner);
    }
  };
  walk(checker.getDeclaredTypeOfSymbol(input), "");
  return docs;
}

/**
 * A field's JSDoc, or, when the field is written `logs,` or `ecr: ecr.default(...)`, the JSDoc of
 * the schema constant it names.
 */
function documentation(checker: ts.TypeChecker, property: ts.Symbol): string {
  const text = (symbol: ts.Symbol | undefined) =>
    symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s+/g, " ").trim() : "";
  const own = text(property);
  if (own) return own;
  for (const declaration of property.declarations ?? []) {
    if (ts.isShorthandPropertyAssignment(declaration)) {
      const value = text(checker.getShorthandAssignmentValueSymbol(declaration));
      if (value) return value;
    }
    if (ts.isPropertyAssignment(declaration)) {
      let root: ts.Expression = declaration.initializer;
      while (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root)) root = root.expression;
      if (ts.isIdentifier(root) && root.text !== "z") {
        const symbol = checker.getSymbolAtLocation(root);
        const value = text(symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
        if (value) return value;
      }
    }
  }
  return "";
}

const join2 = (path: string, key: string) => (path ? `${path}.${key}` : key);

interface Row {
  readonly path: string;
  readonly type: string;
  readonly fallback: string;
  readonly description: string;
}

const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
const SAFE = Number.MAX_SAFE_INTEGER;

function range(s: JsonSchema): string {
  const lo = s.minimum !== undefined && s.minimum > -SAFE ? s.minimum : undefined;
  const hi = s.maximum !== undefined && s.maximum < SAFE ? s.maximum : undefined;
  const parts: string[] = [];
  if (lo !== undefined && hi !== undefined) parts.push(`${lo}–${hi}`);
  else if (lo !== undefined) parts.push(`≥ ${lo}`);
  else if (hi !== undefined) parts.push(`≤ ${hi}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  return parts.join(", ");
}

function typeOf(s: JsonSchema): string {
  const variants = s.anyOf ?? s.oneOf;
  if (variants) {
    if (variants.every((v) => v.const !== undefined)) return variants.map((v) => code(v.const)).join(" | ");
    return [...new Set(variants.map(typeOf))].join(" | ");
  }
  if (s.enum) return s.enum.map(code).join(" | ");
  if (s.const !== undefined) return code(s.const);
  switch (s.type) {
    case "integer":
    case "number": {
      const r = range(s);
      return r ? `${s.type} ${r}` : String(s.type);
    }
    case "string": {
      if (s.format) return s.format;
      const len =
        s.minLength !== undefined && s.maxLength !== undefined
          ? ` (${s.minLength}–${s.maxLength} chars)`
          : s.maxLength !== undefined
            ? ` (≤ ${s.maxLength} chars)`
            : s.minLength !== undefined
              ? ` (≥ ${s.minLength} chars)`
              : "";
      return s.pattern ? `string${len} matching \`${s.pattern}\`` : `string${len}`;
    }
    case "boolean":
      return "boolean";
    case "array": {
      const n = s.minItems !== undefined ? `${s.minItems}+ ` : "";
      return `list of ${n}${s.items ? typeOf(s.items) : "values"}`;
    }
    case "object":
      if (s.properties) return "object";
      if (typeof s.additionalProperties === "object") return `map of name → ${typeOf(s.additionalProperties)}`;
      return "object";
    default:
      return "any";
  }
}

function fallbackOf(s: JsonSchema, required: boolean): string {
  if (s.default !== undefined) {
    const d = JSON.stringify(s.default);
    return d.length > 40 ? "(see schema)" : code(s.default);
  }
  return required ? "required" : "optional";
}

function rowsOf(
  s: JsonSchema,
  path: string,
  required: boolean,
  docs: Map<string, string>,
  out: Map<string, Row>,
): void {
  if (path && !out.has(path)) {
    out.set(path, {
      path,
      type: typeOf(s),
      fallback: fallbackOf(s, required),
      description: s.description ?? docs.get(path) ?? "",
    });
  }
  // Variants (public/internal, …): the fields of each, under the same path.
  for (const variant of s.anyOf ?? s.oneOf ?? []) collect(variant, path, docs, out);
  collect(s, path, docs, out);
}

/** The rows under an object, map or list schema. */
function collect(s: JsonSchema, path: string, docs: Map<string, string>, out: Map<string, Row>): void {
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    rowsOf(child, join2(path, key), (s.required ?? []).includes(key), docs, out);
  }
  if (typeof s.additionalProperties === "object") rowsOf(s.additionalProperties, join2(path, MAP_KEY), true, docs, out);
  if (s.items?.properties || s.items?.anyOf) collect(s.items, `${path}[]`, docs, out);
}

/**
 * Text safe in a table cell: pipes escaped, and outside code spans "<" written as an entity, or
 * GitHub would take "<owner/name>" for an HTML tag and drop it.
 */
const cell = (text: string) =>
  text
    .replace(/\n/g, " ")
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/</g, "&lt;")))
    .join("")
    .replace(/\|/g, "\\|");

/** The whole of docs/configuration.md. */
export function renderConfigReference(docs: Map<string, string> = jsdocByPath()): string {
  const schema = z.toJSONSchema(envConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows = new Map<string, Row>();
  collect(schema, "", docs, rows);
  // One table per top-level block; the top-level scalars share the first.
  const blocks = new Set(Object.entries(schema.properties ?? {}).flatMap(([k, v]) => (v.type === "object" ? [k] : [])));
  const sections = new Map<string, Row[]>([["top level", []]]);
  for (const row of rows.values()) {
    const top = row.path.split(/[.[]/)[0]!;
    const section = blocks.has(top) ? `\`${top}\`` : "top level";
    sections.set(section, [...(sections.get(section) ?? []), row]);
  }
  const out = [
    "# Configuration reference",
    "",
    "<!-- Generated by `npm run docs:config` from the zod schemas in config/. Do not edit by hand. -->",
    "",
    "`FC_ENV` picks `config/<env>.ts` (default `dev`). The file is validated once, before anything is",
    "synthesized; any mistake fails the synth with the field's path, the value and what is allowed, and",
    "nothing is written:",
    "",
    "```",
    'Invalid config for environment "dev":',
    "  - network.azCount: got 5; Too big: expected number to be <=3",
    "  - network.natmode: unknown key; allowed keys here: vpcCidr, azCount, natMode, publicSubnetCidrs, ...",
    "```",
    "",
    "Each table lists a block's fields: the type and what is allowed, the default (or whether it is",
    "required), and what it does. `<name>` is a key you choose (a map). Checks that span several",
    "fields (subnets inside the VPC, a certificate or a domain, FIS settings only with `fis.enabled`,",
    "CI identity only with remote state, …) are in the schemas and name the field they reject.",
    "",
  ];
  for (const [top, list] of sections) {
    out.push(`## ${top}`, "", "| field | type / allowed | default | description |", "|---|---|---|---|");
    for (const r of list)
      out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.fallback)} | ${cell(r.description)} |`);
    out.push("");
  }
  return out.join("\n");
}

if (require.main === module) {
  writeFileSync(REFERENCE_PATH, renderConfigReference());
  console.log(`wrote ${REFERENCE_PATH}`);
}
