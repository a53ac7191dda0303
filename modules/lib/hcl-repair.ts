/**
 * Repairs what cdktn 0.24's HCL renderer (`cdktn synth --hcl`, `App({ hclOutput: true })`) gets wrong,
 * using the stack's JSON configuration (which is right) as the source of the values:
 *
 * 1. Members of `terraform {}` other than required_providers/backend/cloud (our `required_version`)
 *    come out as `0 = "required_version"`: the renderer passes the list of key names where it means
 *    the keys and their values (open-constructs/cdk-terrain#313).
 * 2. A string holding both an interpolation and a quote or backslash (a dashboard body or container
 *    definitions built with references) comes out unescaped: the renderer skips escaping whenever a
 *    string contains `${`, so the file does not parse.
 * 3. An attribute the prebuilt bindings type as `any` although the provider schema makes it a nested
 *    block (`aws_wafv2_web_acl` rule `statement`) comes out as an object argument under a warning
 *    comment, which Terraform rejects: the repair writes it as nested blocks (UNTYPED_BLOCKS).
 * 4. An attribute whose whole value is one interpolation comes out as `"${expr}"`, which
 *    `terraform fmt` rewrites to `expr` (same value): the repair writes `expr`, so the output is
 *    already canonical.
 *
 * It runs on the renderer's raw output, before cdktn's formatter re-indents it.
 */

/** The parts of a stack's JSON configuration the repair reads. */
export interface TerraformJsonView {
  readonly terraform?: Record<string, unknown>;
  readonly [block: string]: unknown;
}

/** Members of `terraform {}` the renderer handles itself. */
const RENDERED_TERRAFORM_MEMBERS = new Set(["required_providers", "backend", "cloud"]);

/**
 * Arguments bound as `any` that the provider schema (hashicorp/aws 6.66) defines as nested blocks:
 * resource type → path of the attribute inside the resource ("rule.statement": each rule's statement).
 */
export const UNTYPED_BLOCKS: Readonly<Record<string, readonly string[]>> = {
  aws_wafv2_web_acl: ["rule.statement"],
};

export function repairHcl(hcl: string, config: TerraformJsonView): string {
  const steps = [
    (h: string) => repairTerraformBlock(h, config.terraform ?? {}),
    (h: string) => renderUntypedBlocks(h, config),
    (h: string) => escapeTemplates(h, config),
    unwrapInterpolationOnly,
  ];
  return steps.reduce((h, step) => step(h), hcl);
}

/** `0 = "required_version"` → `required_version = ">= 1.10.0"`, inside the leading terraform block. */
export function repairTerraformBlock(hcl: string, terraform: Record<string, unknown>): string {
  const start = hcl.indexOf("terraform {");
  if (start === -1) return hcl;
  const end = blockEnd(hcl, start + "terraform {".length - 1);
  const block = hcl.slice(start, end + 1).replace(/^(\s*)\d+ = "([A-Za-z_][A-Za-z0-9_]*)"$/gm, (_line, indent, key) => {
    if (RENDERED_TERRAFORM_MEMBERS.has(key) || !(key in terraform)) {
      throw new Error(`HCL repair: terraform.${key} is rendered as a list index and has no value in the JSON config`);
    }
    return `${indent}${key} = ${literal(`terraform.${key}`, terraform[key])}`;
  });
  return hcl.slice(0, start) + block + hcl.slice(end + 1);
}

/** The comment cdktn writes above an attribute it renders as an object for want of a type. */
const UNTYPED_WARNING = `
# Warning: The following attribute is of an unexpected type. Either there's a problem with the provider
# or CDKTN has chosen to skip generating a detailed type for this because it increases the size of the provider library significantly. 
# Please check if this resource is included in our skip list: 
# https://github.com/hashicorp/terraform-cdk/blob/1fb8588095a55d475dc4be28882ec4f42006ec8d/packages/%40cdktf/provider-generator/lib/get/generator/skipped-attributes.ts
# and if not, please check with the provider authors to see if the provider schema is accurate.
# 
# We understand this is not ideal, so we suggest using JSON synthesis instead of HCL synthesis for this particular case.

`;

/** UNTYPED_BLOCKS attributes, from cdktn's object rendering (under its warning) to nested blocks. */
export function renderUntypedBlocks(hcl: string, config: TerraformJsonView): string {
  let out = hcl;
  const resources = (config.resource ?? {}) as Record<string, Record<string, unknown>>;
  for (const [type, paths] of Object.entries(UNTYPED_BLOCKS)) {
    for (const [name, body] of Object.entries(resources[type] ?? {})) {
      for (const path of paths) {
        const attribute = path.split(".").at(-1)!;
        for (const value of valuesAt(body, path.split("."))) {
          const rendered = `${UNTYPED_WARNING}${attribute} = ${fuzzyRendering(value)}\n`;
          if (!out.includes(rendered)) {
            throw new Error(`HCL repair: ${type}.${name} ${path} is not rendered the way cdktn 0.24 renders it`);
          }
          out = out.split(rendered).join(nestedBlocks(attribute, value));
        }
      }
    }
  }
  return out;
}

/** The values at a dotted path, stepping into every element of a list on the way. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return value === undefined ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (value && typeof value === "object") return valuesAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
  return [];
}

/** cdktn 0.24's rendering of an untyped value (hcl/render.ts renderFuzzyJsonExpression), for the values UNTYPED_BLOCKS holds. */
function fuzzyRendering(value: unknown): string {
  if (Array.isArray(value)) return ["[", ...value.map((v) => `${fuzzyRendering(v)},`), "]"].join("\n");
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([k, v]) => `${/(^\d)|[^A-Za-z0-9_-]/.test(k) ? `"${k}"` : k} = ${fuzzyRendering(v)}`,
    );
    return ["{", ...entries, "}"].join("\n");
  }
  if (typeof value === "string") {
    if (value === "" || value.includes("${")) return `"${value}"`;
    if (parseInt(value, 10).toString() === value || /^[[{"]/.test(value)) return value;
    return `"${value.replace(/(?<!\\)"/g, '\\"')}"`;
  }
  return String(value);
}

/** A JSON value as nested blocks: objects (and lists of objects) are blocks, everything else arguments. */
function nestedBlocks(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => nestedBlocks(name, v)).join("\n");
  const body = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
    isBlockValue(v) ? nestedBlocks(k, v) : `${k} = ${argument(k, v)}`,
  );
  return `${name} {\n${body.join("\n")}\n}\n`;
}

function isBlockValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => v !== null && typeof v === "object");
  return value !== null && typeof value === "object";
}

function argument(path: string, value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => argument(path, v)).join(", ")}]`;
  if (value === null) return "null";
  return literal(path, value);
}

/** Every string of the config that the renderer left unescaped, quoted the way HCL reads it. */
export function escapeTemplates(hcl: string, config: TerraformJsonView): string {
  const broken = [...stringsOf(config)]
    .filter((s) => s.includes("${") && !s.includes("\n") && quoteTemplate(s) !== `"${s}"`)
    // Longest first: a shorter value may occur inside a longer one.
    .sort((a, b) => b.length - a.length);
  let out = hcl;
  for (const value of broken) out = out.split(`"${value}"`).join(quoteTemplate(value));
  return out;
}

/** `name = "${expr}"` → `name = expr`, outside heredocs: what `terraform fmt` does to such attributes. */
export function unwrapInterpolationOnly(hcl: string): string {
  let heredoc: string | undefined;
  return hcl
    .split("\n")
    .map((line) => {
      if (heredoc !== undefined) {
        if (line.trim() === heredoc) heredoc = undefined;
        return line;
      }
      const opener = /<<-?([A-Za-z_][A-Za-z0-9_]*)$/.exec(line);
      if (opener) {
        heredoc = opener[1];
        return line;
      }
      const m = /^(\s*[A-Za-z_][A-Za-z0-9_-]* = )"(\$\{.*\})"$/.exec(line);
      if (!m) return line;
      const template = m[2]!;
      const end = interpolationEnd(template, 0);
      // Only when one interpolation is the whole string ("${a}-${b}" is a real template).
      return end === template.length - 1 ? `${m[1]}${template.slice(2, -1)}` : line;
    })
    .join("\n");
}

/**
 * A Terraform template string (JSON-syntax value) as an HCL quoted string: quotes, backslashes and
 * control characters escaped in the literal parts; `${…}` and `%{…}` sequences kept as they are
 * (their expressions are HCL already).
 */
export function quoteTemplate(value: string): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    const next = value[i + 1];
    if ((c === "$" || c === "%") && next === c && value[i + 2] === "{") {
      // $${ and %%{ are escapes for a literal ${ / %{: copy them as they are.
      out += value.slice(i, i + 3);
      i += 3;
    } else if ((c === "$" || c === "%") && next === "{") {
      const end = interpolationEnd(value, i);
      out += value.slice(i, end + 1);
      i = end + 1;
    } else {
      out += ESCAPES[c] ?? (c < " " ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c);
      i++;
    }
  }
  return `"${out}"`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Index of the `}` closing the `${` or `%{` at `start`, skipping nested braces and quoted strings. */
function interpolationEnd(value: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < value.length; i++) {
    const c = value[i];
    if (c === "{") depth++;
    else if (c === "}") {
      if (--depth === 0) return i;
    } else if (c === '"') i = quotedEnd(value, i);
  }
  throw new Error(
    `HCL repair: unterminated template sequence at ${start} in ${JSON.stringify(value.slice(start, start + 80))}`,
  );
}

/** Index of the quote closing the string that opens at `start` (inside an expression). */
function quotedEnd(value: string, start: number): number {
  for (let i = start + 1; i < value.length; i++) {
    const c = value[i];
    if (c === "\\") i++;
    else if (c === '"') return i;
    else if ((c === "$" || c === "%") && value[i + 1] === "{") i = interpolationEnd(value, i);
  }
  throw new Error(`HCL repair: unterminated string at ${start} in ${JSON.stringify(value.slice(start, start + 80))}`);
}

/** Index of the `}` closing the block whose `{` is at `open` (cdktn's terraform block holds no strings with braces). */
function blockEnd(hcl: string, open: number): number {
  let depth = 0;
  for (let i = open; i < hcl.length; i++) {
    if (hcl[i] === "{") depth++;
    else if (hcl[i] === "}" && --depth === 0) return i;
    else if (hcl[i] === '"') i = quotedEnd(hcl, i);
  }
  throw new Error("HCL repair: the terraform block is not closed");
}

function literal(path: string, value: unknown): string {
  if (typeof value === "string") return quoteTemplate(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`HCL repair: ${path} is ${JSON.stringify(value)}; only a string, number or boolean can be repaired`);
}

function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsOf(v);
  else if (value && typeof value === "object") for (const v of Object.values(value)) yield* stringsOf(v);
}
