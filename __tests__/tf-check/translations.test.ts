import { describe, expect, it } from "vitest";
import {
  applyTranslations,
  explainedByTable,
  TRANSLATIONS,
  translationsFor,
  type Diagnostic,
} from "../../scripts/tf-check/translations";
import { compareVersions } from "../../scripts/tf-check/versions";

const service = {
  resource: {
    aws_ecs_service: {
      app: {
        name: "app",
        deployment_configuration: { strategy: "BLUE_GREEN", bake_time_in_minutes: "10" },
        load_balancer: [
          { target_group_arn: "${aws_lb_target_group.blue.arn}", advanced_configuration: { role_arn: "r" } },
        ],
        service_connect_configuration: {
          service: [{ client_alias: { dns_name: "app", port: 8080, test_traffic_rules: [{ header: { name: "x" } }] } }],
        },
        tags: { region: "${data.aws_region.here.region}" },
      },
    },
  },
};

describe("tf:check translation table", () => {
  it("when an entry is listed, then it names the attribute, a 6.x version after the local 5.100.0 and why omitting it is safe", () => {
    for (const t of TRANSLATIONS) {
      expect(compareVersions(t.addedIn, "6.0.0"), t.addedIn).toBeGreaterThanOrEqual(0);
      expect(compareVersions(t.addedIn, "6.66.0"), t.addedIn).toBeLessThanOrEqual(0);
      expect(t.why.length, JSON.stringify(t)).toBeGreaterThan(40);
    }
    expect(TRANSLATIONS.map((t) => (t.kind === "drop" ? `${t.resourceType}.${t.path}` : t.attribute))).toEqual([
      "data.aws_region.*.region",
      "aws_ecs_service.deployment_configuration",
      "aws_ecs_service.load_balancer.advanced_configuration",
      "aws_ecs_service.service_connect_configuration.service.client_alias.test_traffic_rules",
    ]);
  });

  it("when the local provider is 5.100.0, then every entry applies; at the pin (6.66.0) none does", () => {
    expect(translationsFor("5.100.0")).toHaveLength(TRANSLATIONS.length);
    expect(translationsFor("6.4.0").map((t) => t.addedIn)).toEqual([]);
    expect(translationsFor("6.3.9").map((t) => t.addedIn)).toEqual(["6.4.0", "6.4.0", "6.4.0"]);
    expect(translationsFor("6.66.0")).toEqual([]);
  });

  it("when applied, then 6.x attributes are dropped, references renamed, the input untouched and each change noted", () => {
    const { stack, notes } = applyTranslations(service, translationsFor("5.100.0"));
    const app = (stack.resource as typeof service.resource).aws_ecs_service.app as Record<string, unknown>;
    expect(app.deployment_configuration).toBeUndefined();
    expect(app.load_balancer).toEqual([{ target_group_arn: "${aws_lb_target_group.blue.arn}" }]);
    expect(app.service_connect_configuration).toEqual({ service: [{ client_alias: { dns_name: "app", port: 8080 } }] });
    expect(app.tags).toEqual({ region: "${data.aws_region.here.name}" });
    expect(service.resource.aws_ecs_service.app.deployment_configuration.strategy).toBe("BLUE_GREEN");
    expect(notes).toEqual([
      "data.aws_region.*.region → data.aws_region.*.name (1×, added in 6.0.0)",
      "dropped aws_ecs_service.deployment_configuration (1×, added in 6.4.0)",
      "dropped aws_ecs_service.load_balancer.advanced_configuration (1×, added in 6.4.0)",
      "dropped aws_ecs_service.service_connect_configuration.service.client_alias.test_traffic_rules (1×, added in 6.4.0)",
    ]);
  });

  it("when terraform reports an unsupported block the table lists, then it is explained; anything else is not", () => {
    const block = (type: string, context: string): Diagnostic => ({
      severity: "error",
      summary: "Unsupported block type",
      detail: `Blocks of type "${type}" are not expected here.`,
      snippet: { context },
    });
    expect(
      explainedByTable(block("deployment_configuration", 'resource "aws_ecs_service" "a"'), "5.100.0"),
    ).toBeDefined();
    expect(
      explainedByTable(block("deployment_configuration", 'resource "aws_ecs_service" "a"'), "6.66.0"),
    ).toBeUndefined();
    expect(explainedByTable(block("deployment_configuration", 'resource "aws_lb" "a"'), "5.100.0")).toBeUndefined();
    expect(explainedByTable(block("surprise", 'resource "aws_ecs_service" "a"'), "5.100.0")).toBeUndefined();
    const argument: Diagnostic = {
      severity: "error",
      summary: "Unsupported argument",
      detail: 'An argument named "bogus" is not expected here.',
      snippet: { context: 'resource "aws_ecs_service" "a"' },
    };
    expect(explainedByTable(argument, "5.100.0")).toBeUndefined();
  });
});
