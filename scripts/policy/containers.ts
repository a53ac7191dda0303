// `aws_ecs_task_definition.container_definitions` is a string: JSON written by JSON.stringify
// (with `${...}` tokens inside its strings), or `${jsonencode([...])}` written by Fn.jsonencode
// (HCL object syntax, `"key" = value`, with bare expressions such as `var.tag`). Both are read here.
import { isRecord, type Block } from "./tf";

export interface KeyValue {
  readonly name: string;
  readonly value?: unknown;
  readonly valueFrom?: unknown;
}

export interface PortMapping {
  readonly containerPort?: number;
  readonly hostPort?: number;
  readonly containerPortRange?: string;
}

export interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly raw: Block;
  readonly environment: KeyValue[];
  readonly secrets: KeyValue[];
  readonly portMappings: PortMapping[];
}

export type ParsedContainers = { ok: true; containers: ContainerDefinition[] } | { ok: false; why: string };

/** Rewrites the HCL inside `${jsonencode(...)}` to JSON: `=` → `:`, bare expressions → "${expr}" strings. */
export function hclToJson(hcl: string): string {
  let out = "";
  let i = 0;
  while (i < hcl.length) {
    const c = hcl[i]!;
    if (c === '"') {
      // Copy the string literal, escapes included; `${...}` inside stays as text.
      let j = i + 1;
      while (j < hcl.length && hcl[j] !== '"') j += hcl[j] === "\\" ? 2 : 1;
      out += hcl.slice(i, j + 1);
      i = j + 1;
    } else if (c === "=") {
      out += ":";
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      // A bare word: true/false/null stay, anything else is an expression up to the next , } ] at depth 0.
      let j = i;
      let depth = 0;
      while (j < hcl.length) {
        const d = hcl[j]!;
        if (d === "(" || d === "[" || d === "{") depth += 1;
        else if (d === ")" || d === "]" || d === "}") {
          if (depth === 0) break;
          depth -= 1;
        } else if (d === "," && depth === 0) break;
        else if (d === '"') {
          j += 1;
          while (j < hcl.length && hcl[j] !== '"') j += hcl[j] === "\\" ? 2 : 1;
        }
        j += 1;
      }
      const word = hcl.slice(i, j).trim();
      out += /^(true|false|null)$/.test(word) ? word : JSON.stringify(`\${${word}}`);
      i = j;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function keyValues(value: unknown): KeyValue[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecord)
    .map((kv) => ({ name: String(kv.name ?? ""), value: kv.value, valueFrom: kv.valueFrom }));
}

function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Parses a container_definitions value; `ok: false` says why it could not be read. */
export function parseContainerDefinitions(value: unknown): ParsedContainers {
  if (typeof value !== "string") return { ok: false, why: "container_definitions is not a string" };
  const text = value.trim();
  const encoded = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(text);
  let doc: unknown;
  try {
    doc = JSON.parse(encoded ? hclToJson(encoded[1]!) : text);
  } catch (error) {
    return { ok: false, why: `cannot parse container_definitions: ${(error as Error).message}` };
  }
  if (!Array.isArray(doc)) return { ok: false, why: "container_definitions is not a list" };
  const containers = doc.filter(isRecord).map((c): ContainerDefinition => ({
    name: String(c.name ?? "(unnamed)"),
    image: String(c.image ?? ""),
    raw: c,
    environment: keyValues(c.environment),
    secrets: keyValues(c.secrets),
    portMappings: (Array.isArray(c.portMappings) ? c.portMappings : []).filter(isRecord).map((p) => ({
      containerPort: num(p.containerPort),
      hostPort: num(p.hostPort),
      containerPortRange: typeof p.containerPortRange === "string" ? p.containerPortRange : undefined,
    })),
  }));
  return { ok: true, containers };
}

/** Does the port mapping expose `port` (directly, as host port, or inside a range "24220-24230")? */
export function mappingCovers(mapping: PortMapping, port: number): boolean {
  if (mapping.containerPort === port || mapping.hostPort === port) return true;
  const range = /^(\d+)-(\d+)$/.exec(mapping.containerPortRange ?? "");
  return range !== null && Number(range[1]) <= port && port <= Number(range[2]);
}
