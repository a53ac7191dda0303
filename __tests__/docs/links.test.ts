import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set(
    [...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

describe("documentation links", () => {
  const files = [join(ROOT, "README.md"), join(ROOT, "CHANGELOG.md"), ...markdownFiles(join(ROOT, "docs"))];

  it("when the docs link to a file or a heading in this repository, then it exists", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      // Code blocks and spans are not links (regexes in the configuration reference look like them).
      const text = readFileSync(file, "utf8")
        .replace(/```[\s\S]*?```/g, "")
        .replace(/`[^`\n]*`/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        checked += 1;
        const [path, anchor] = target!.split("#");
        const resolved = path ? resolve(dirname(file), path) : file;
        const where = `${relative(ROOT, file)} → ${target}`;
        if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
        else if (anchor && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(broken).toEqual([]);
  });

  it("when the README is read, then it stays a quick start (at most about 15 KB) with the two commands first", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_500);
    expect(readme.split("\n").slice(2, 6).join("\n")).toMatch(
      /^```sh\nnpm ci && npm run synth {3}#.*\nnpm test {18}#.*\n```$/,
    );
  });
});
