import { resolve } from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

describe("ESLint guard on provider imports", () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: resolve(__dirname, "..") });
  });

  const lint = async (code: string) =>
    (await eslint.lintText(code, { filePath: resolve(__dirname, "../modules/example.ts") }))[0]!.messages.map(
      (m) => m.ruleId,
    );

  // Built from parts so the repository's own root-import check does not match this file.
  const PACKAGE = ["@cdktn", "provider-aws"].join("/");

  it.each([
    [PACKAGE, "Vpc"],
    [`${PACKAGE}/lib`, "vpc"],
  ])("when a module imports the package root (%s), then lint fails", async (from, name) => {
    expect(await lint(`import { ${name} } from "${from}";\nexport const x = ${name};\n`)).toContain(
      "no-restricted-imports",
    );
  });

  it("when a module imports by deep path, then lint passes", async () => {
    expect(await lint('import { Vpc } from "@cdktn/provider-aws/lib/vpc";\nexport const x = Vpc;\n')).toEqual([]);
  });
});
