import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, withoutReservedHead } from "../../modules/lib/cidr";
import { FIS_PARAMETER_MAX_CHARS, hostSources } from "../../modules/lib/fis-sources";

const address = (text: string) => parseCidr(`${text}/32`)!;

describe("hostSources (FIS latency sources)", () => {
  it("when a subnet is given, then every address but its reserved first four is covered, and nothing outside it", () => {
    for (const text of ["10.20.0.0/20", "10.30.64.0/19", "192.168.4.0/28", "10.0.0.0/16"]) {
      const subnet = parseCidr(text)!;
      const blocks = withoutReservedHead(subnet);
      const size = 2 ** (32 - subnet.prefix);
      const covered = (n: number) => blocks.filter((b) => cidrContains(b, { network: n, prefix: 32 })).length;
      const step = Math.max(1, Math.floor(size / 4096));
      const wrong: number[] = [];
      for (let offset = 0; offset < size; offset += offset < 64 ? 1 : step) {
        if (covered(subnet.network + offset) !== (offset < 4 ? 0 : 1)) wrong.push(offset);
      }
      expect(covered(subnet.network + size), `${text}: the next subnet`).toBe(0);
      expect(wrong, text).toEqual([]);
    }
  });

  it("when dev's private subnets are given, then the VPC resolver (10.20.0.2) and the public subnets stay out", () => {
    const sources = hostSources(["10.20.0.0/20", "10.20.16.0/20"])!;
    const blocks = sources.split(",").map((c) => parseCidr(c)!);
    expect(sources).not.toContain(" ");
    expect(blocks.some((b) => cidrContains(b, address("10.20.0.2")))).toBe(false);
    expect(blocks.some((b) => cidrContains(b, address("10.20.128.10")))).toBe(false);
    expect(blocks.some((b) => cidrContains(b, address("10.20.17.200")))).toBe(true);
  });

  it("when a CIDR is malformed, too small for a subnet or the list outgrows a FIS parameter, then there is no value", () => {
    expect(hostSources(["10.20.0.0/33"])).toBeUndefined();
    expect(hostSources(["10.20.0.0/29"])).toBeUndefined();
    expect(hostSources([])).toBeUndefined();
    const many = Array.from({ length: 20 }, (_, i) => `10.${i}.0.0/16`);
    expect(many.flatMap((c) => withoutReservedHead(parseCidr(c)!)).length).toBeGreaterThan(0);
    expect(hostSources(many)).toBeUndefined();
    expect(hostSources(many.slice(0, 3))!.length).toBeLessThanOrEqual(FIS_PARAMETER_MAX_CHARS);
  });
});
