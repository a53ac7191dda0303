import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { jsdocByPath, REFERENCE_PATH, renderConfigReference } from "../../scripts/config-reference";

let docs: Map<string, string>;
let generated: string;
beforeAll(() => {
  docs = jsdocByPath();
  generated = renderConfigReference(docs);
}, 60_000);

describe("configuration reference (docs/configuration.md)", () => {
  it("when the schemas change, then the committed reference must be regenerated (npm run docs:config)", () => {
    const committed = readFileSync(REFERENCE_PATH, "utf8");
    // A plain equality would print 270 lines; name the first line that differs instead.
    const a = committed.split("\n");
    const b = generated.split("\n");
    const first = a.findIndex((line, i) => line !== b[i]);
    expect(
      first === -1 && a.length === b.length ? "current" : `stale from line ${first + 1}: run npm run docs:config`,
    ).toBe("current");
  });

  it("when a field has a JSDoc comment, then its row carries it with its type, allowed values and default", () => {
    expect(generated).toContain(
      '| `ci.github.planBranches` | list of 1+ string matching `^[^\\s:*?]{1,255}$` | `["main"]` | Branches whose runs may assume the plan role (drift detection runs on the default branch). |',
    );
    expect(generated).toContain(
      "| `network.azCount` | integer 2–3 | required | Availability zones to spread subnets over: 2 or 3. |",
    );
    expect(generated).toContain("| `platform.waf.rateLimitWindowSec` | `60` \\| `120` \\| `300` \\| `600` | `300` |");
    // A schema constant used at two paths is documented at both.
    expect(docs.get("platform.capacityProviderStrategy.fargateBase")).toBe(
      docs.get("services.<name>.capacityProviderStrategy.fargateBase"),
    );
    // Written as `logs,` in the schema: the comment of the `logs` constant describes it.
    expect(docs.get("logs")).toMatch(/^Log pipeline/);
  });

  it("when the reference is generated, then every top-level key of the schema has its table", () => {
    for (const key of ["network", "platform", "services", "data", "logs", "ops", "fis", "ci", "state"]) {
      expect(generated, key).toContain(`## \`${key}\`\n`);
    }
    expect(generated).toContain("| `namePrefix` |");
    expect(generated).not.toMatch(/\| [^`|]*<[a-z]/); // no raw "<tag" outside code in a cell
  });
});
