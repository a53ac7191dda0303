import { get, getAll, readClassicConfig, tagMatches, type Section } from "./classic-config";

export type LogRecord = Record<string, unknown>;

/**
 * Regexes made of anchors, groups, alternation and literal word characters mean the same in Onigmo
 * (Fluent Bit) and JavaScript; anything richer would make this emulation dishonest, so it throws.
 */
function portableRegex(source: string, where: string): RegExp {
  if (!/^[\^$()|/\w-]+$/.test(source)) {
    throw new Error(`${where}: regex ${source} uses syntax this test cannot vouch for in Onigmo`);
  }
  return new RegExp(source);
}

function substitute(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`\${${name}} is not set`);
    return v;
  });
}

type Step = (record: LogRecord) => LogRecord | undefined;

/** parser filter with a `Format json` parser: lift the JSON object in Key_Name to the top level. */
function parserStep(filter: Section, parsers: readonly Section[]): Step {
  const parser = parsers.find((p) => get(p, "Name") === get(filter, "Parser"));
  if (!parser || get(parser, "Format") !== "json")
    throw new Error(`parser ${get(filter, "Parser")} is not a json parser`);
  if (get(filter, "Reserve_Data") !== "On") throw new Error("only Reserve_Data On is emulated");
  const key = get(filter, "Key_Name")!;
  const preserveKey = get(filter, "Preserve_Key") === "On";
  const timeKey = get(parser, "Time_Key");
  const timeKeep = get(parser, "Time_Keep") === "On";
  return (record) => {
    const raw = record[key];
    if (typeof raw !== "string") return record;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return record; // not JSON: Fluent Bit keeps the record as it was
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return record;
    const rest = { ...record };
    if (!preserveKey) delete rest[key];
    const lifted: LogRecord = { ...rest, ...(parsed as LogRecord) };
    if (timeKey && !timeKeep) delete lifted[timeKey];
    return lifted;
  };
}

/** grep filter: Exclude rules only, combined by Logical_Op (AND: all must match to drop). */
function grepStep(filter: Section): Step {
  if (getAll(filter, "Regex").length > 0) throw new Error("only Exclude rules are emulated");
  const op = get(filter, "Logical_Op");
  if (op !== "AND") throw new Error(`only Logical_Op AND is emulated, got ${op}`);
  const rules = getAll(filter, "Exclude").map((rule) => {
    const [key, source] = rule.split(/ +(.*)/s);
    return { key: key!, regex: portableRegex(source!, `grep Exclude ${rule}`) };
  });
  // Fluent Bit matches string values only; a missing key never matches.
  return (record) =>
    rules.every(({ key, regex }) => typeof record[key] === "string" && regex.test(record[key])) ? undefined : record;
}

/** record_modifier filter: `Record key value`, with ${VAR} substituted from the environment. */
function recordModifierStep(filter: Section, env: Readonly<Record<string, string>>): Step {
  const records = getAll(filter, "Record").map((r) => r.split(/ +(.*)/s) as [string, string]);
  return (record) => ({ ...record, ...Object.fromEntries(records.map(([k, v]) => [k, substitute(v, env)])) });
}

/**
 * The [FILTER] sections of an entry file, in file order, run over one record with tag `tag`
 * (Fluent Bit applies filters in the order they appear). Undefined means the record was dropped.
 */
export function filterChain(
  entryImagePath: string,
  env: Readonly<Record<string, string>>,
): (tag: string, record: LogRecord) => LogRecord | undefined {
  const sections = readClassicConfig(entryImagePath);
  const parsersFile = sections.filter((s) => s.kind === "SERVICE").map((s) => get(s, "Parsers_File"))[0];
  const parsers = parsersFile ? readClassicConfig(parsersFile).filter((s) => s.kind === "PARSER") : [];
  const steps = sections
    .filter((s) => s.kind === "FILTER")
    .map((filter): { match: string; step: Step } => {
      const match = get(filter, "Match")!;
      switch (get(filter, "Name")) {
        case "parser":
          return { match, step: parserStep(filter, parsers) };
        case "grep":
          return { match, step: grepStep(filter) };
        case "record_modifier":
          return { match, step: recordModifierStep(filter, env) };
        default:
          throw new Error(`filter ${get(filter, "Name")} is not emulated`);
      }
    });
  return (tag, record) =>
    steps.reduce<LogRecord | undefined>(
      (current, { match, step }) => (current && tagMatches(match, tag) ? step(current) : current),
      record,
    );
}
