import type { Architecture, DiagramNode, Shape } from "./model";

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities, lines joined by <br/>. */
function label(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")).join("<br/>");
}

const SHAPES: Record<Shape, [string, string]> = {
  box: ["[", "]"],
  round: ["(", ")"],
  database: ["[(", ")]"],
  circle: ["((", "))"],
  stadium: ["([", "])"],
};

function node(n: DiagramNode, pad: string): string {
  const [open, close] = SHAPES[n.shape];
  return `${pad}${n.id}${open}"${label(n.lines)}"${close}`;
}

/** A Mermaid flowchart of the architecture; the same graph always gives the same text. */
export function toMermaid(a: Architecture): string {
  const out = ["flowchart LR"];
  const emit = (parent: string | undefined, depth: number) => {
    const pad = "  ".repeat(depth);
    for (const n of a.nodes.filter((x) => x.group === parent)) out.push(node(n, pad));
    for (const g of a.groups.filter((x) => x.parent === parent)) {
      out.push(`${pad}subgraph ${g.id}["${label([g.label])}"]`);
      emit(g.id, depth + 1);
      out.push(`${pad}end`);
    }
  };
  emit(undefined, 1);
  for (const e of a.edges) {
    const arrow = e.style === "dotted" ? "-.->" : "-->";
    out.push(`  ${e.from} ${arrow}${e.label ? `|"${label([e.label])}"|` : ""} ${e.to}`);
  }
  return `${out.join("\n")}\n`;
}
