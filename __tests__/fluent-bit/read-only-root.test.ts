// The router runs with a read-only root filesystem; only /tmp (a task volume) and the FireLens socket
// directory (mounted by ECS) are writable. Fluent Bit writes to disk only where its config asks.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CONFIG_DIR = join(__dirname, "../../fluent-bit/config");

/** Keys and outputs that make Fluent Bit write files (Fluent Bit manual: buffering and storage, tail, s3, file). */
const WRITES_TO_DISK = [
  /^\s*storage\.path\s/im,
  /^\s*DB\s/im,
  /^\s*store_dir\s/im,
  /^\s*Name\s+(s3|file)\s*$/im,
  /^\s*storage\.type\s+filesystem/im,
];

describe("log router on a read-only root", () => {
  it("when the baked config is read, then nothing asks Fluent Bit to write to disk", () => {
    const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith(".conf"));
    expect(files.length).toBeGreaterThan(5);
    const writers = files.flatMap((f) => {
      const text = readFileSync(join(CONFIG_DIR, f), "utf8");
      return WRITES_TO_DISK.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
    });
    expect(writers).toEqual([]);
  });

  it("when a config asks for a filesystem buffer, then the check sees it", () => {
    const sample = "[SERVICE]\n    storage.path /var/fluent-bit/state\n[OUTPUT]\n    Name s3\n";
    expect(WRITES_TO_DISK.filter((re) => re.test(sample)).length).toBe(2);
  });
});
