import { describe, expect, it } from "vitest";
import {
  NoPricesError,
  parsePriceTable,
  PRICE_TABLES,
  PriceTableError,
  priceTableFor,
  REQUIRED_PRICE_IDS,
} from "../../scripts/cost/price-table";

type Mutable = Record<string, Record<string, Record<string, unknown>>>;
const euWest1 = () => structuredClone(PRICE_TABLES["eu-west-1"]) as Mutable;

function errorOf(raw: unknown): string {
  try {
    parsePriceTable(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(PriceTableError);
    return (error as Error).message;
  }
  throw new Error("expected the table to be rejected");
}

describe("price table", () => {
  it("when the checked-in eu-west-1 table is parsed, then it passes the schema with every required price", () => {
    const table = priceTableFor("eu-west-1");
    expect(table.region).toBe("eu-west-1");
    expect(table.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(table.prices)).toEqual(expect.arrayContaining([...REQUIRED_PRICE_IDS]));
    const all = [...Object.values(table.prices), ...Object.values(table.elasticacheNodeHour)];
    expect(all.length).toBeGreaterThan(REQUIRED_PRICE_IDS.length);
    expect(all.filter((p) => !p.source.startsWith("https://aws.amazon.com/"))).toEqual([]);
    expect(all.filter((p) => !p.confirmed && !p.note)).toEqual([]);
  });

  it("when a price cites no AWS pricing page, then the error names the field and what is allowed", () => {
    const raw = euWest1();
    raw.prices!["nat.hour"]!.source = "https://example.com/nat";
    expect(errorOf(raw)).toContain("prices.nat.hour.source: expected an AWS pricing page");
  });

  it("when an unconfirmed price has no note, then it is rejected", () => {
    const raw = euWest1();
    raw.prices!["nat.hour"]!.confirmed = false;
    delete raw.prices!["nat.hour"]!.note;
    expect(errorOf(raw)).toContain("prices.nat.hour.note: an unconfirmed price needs a note");
  });

  it("when a required price is missing or negative, then each problem is listed", () => {
    const raw = euWest1();
    delete raw.prices!["alb.hour"];
    raw.prices!["kms.key.month"]!.usd = -1;
    const message = errorOf(raw);
    expect(message).toContain('prices.alb.hour: missing price "alb.hour"');
    expect(message).toContain("prices.kms.key.month.usd");
  });

  it("when a region has no table, then the error says there are no prices for it", () => {
    expect(() => priceTableFor("us-east-1")).toThrow(NoPricesError);
    expect(() => priceTableFor("us-east-1")).toThrow(/^no prices for us-east-1: .*eu-west-1/);
  });
});
