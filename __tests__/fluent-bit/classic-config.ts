import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOG_ROUTER_CONFIG_DIR } from "../../fluent-bit/contract";

/** The repository folder the Dockerfile copies to LOG_ROUTER_CONFIG_DIR. */
export const CONFIG_SOURCE_DIR = join(__dirname, "../../fluent-bit/config");

export interface Section {
  /** Upper-cased header: SERVICE, INPUT, FILTER, OUTPUT, PARSER. */
  readonly kind: string;
  /** Keys lower-cased (Fluent Bit's keys are case-insensitive); repeated keys keep every value. */
  readonly entries: readonly (readonly [string, string])[];
  /** Repository-relative file the section came from. */
  readonly file: string;
}

export function get(section: Section, key: string): string | undefined {
  return section.entries.find(([k]) => k === key.toLowerCase())?.[1];
}

export function getAll(section: Section, key: string): string[] {
  return section.entries.filter(([k]) => k === key.toLowerCase()).map(([, v]) => v);
}

/** Maps a path inside the image to the file in `sourceDir`; anything else is an error. */
export function sourcePath(imagePath: string, sourceDir = CONFIG_SOURCE_DIR): string {
  if (!imagePath.startsWith(`${LOG_ROUTER_CONFIG_DIR}/`)) {
    throw new Error(`${imagePath} is outside ${LOG_ROUTER_CONFIG_DIR}, so the image does not contain it`);
  }
  return join(sourceDir, imagePath.slice(LOG_ROUTER_CONFIG_DIR.length + 1));
}

/**
 * Reads a classic-mode file and its @INCLUDEs in order, by the rules of Fluent Bit's reader
 * (src/config_format/flb_cf_fluentbit.c): `#` comments at column 0 or at the file's indentation,
 * `@INCLUDE <literal path>`, `[SECTION]` headers, and indented `key value` lines with one indentation
 * per file. Anything the reader would reject throws here too, naming file and line.
 */
export function readClassicConfig(
  imagePath: string,
  sourceDir = CONFIG_SOURCE_DIR,
  seen: Set<string> = new Set(),
): Section[] {
  if (seen.has(imagePath)) throw new Error(`${imagePath} is included twice (Fluent Bit refuses to start)`);
  seen.add(imagePath);
  const file = sourcePath(imagePath, sourceDir);
  const sections: Section[] = [];
  let current: { kind: string; entries: [string, string][]; file: string } | undefined;
  let indent: string | undefined;
  readFileSync(file, "utf8")
    .split(/\r?\n/)
    .forEach((line, index) => {
      const where = `${imagePath}:${index + 1}`;
      if (line === "" || line.startsWith("#")) return;
      if (/^@INCLUDE /i.test(line)) {
        sections.push(...readClassicConfig(line.slice(9), sourceDir, seen));
        return;
      }
      if (line.startsWith("@")) throw new Error(`${where}: only @INCLUDE is used in this pipeline, got ${line}`);
      if (line.startsWith("[")) {
        const header = /^\[([A-Za-z]+)\]$/.exec(line);
        if (!header) throw new Error(`${where}: bad section header ${line}`);
        current = { kind: header[1]!.toUpperCase(), entries: [], file };
        sections.push(current);
        return;
      }
      indent ??= /^[ \t]*/.exec(line)![0];
      if (indent === "" || !line.startsWith(indent) || /^[ \t]/.test(line.slice(indent.length))) {
        throw new Error(`${where}: indentation differs from the file's first indented line`);
      }
      const body = line.slice(indent.length);
      if (body.startsWith("#")) return;
      if (!current) throw new Error(`${where}: key outside a section`);
      const match = /^(\S+) +(\S.*)$/.exec(body.trimEnd());
      if (!match) throw new Error(`${where}: expected "key value", got ${body}`);
      current.entries.push([match[1]!.toLowerCase(), match[2]!]);
    });
  return sections;
}

/** Every `${NAME}` a value refers to (Fluent Bit substitutes environment variables there). */
export function environmentReferences(sections: readonly Section[]): string[] {
  const names = new Set<string>();
  for (const section of sections)
    for (const [, value] of section.entries) for (const m of value.matchAll(/\$\{([^}]*)\}/g)) names.add(m[1]!);
  return [...names].sort();
}

/** Fluent Bit's Match: `*` is any run of characters, everything else literal, whole tag. */
export function tagMatches(pattern: string, tag: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(tag);
}
