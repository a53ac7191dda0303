import { describe, expect, it } from "vitest";
import {
  escapeTemplates,
  quoteTemplate,
  renderUntypedBlocks,
  repairHcl,
  repairTerraformBlock,
  unwrapInterpolationOnly,
} from "../../modules/lib/hcl-repair";

// The raw text cdktn 0.24 renders (before its formatter), reduced to the defects the repair fixes.
const TERRAFORM_BLOCK = `terraform {
required_providers {
  aws = {
    version = "6.66.0"
    source = "hashicorp/aws"
  }
}
backend "s3" {
bucket = "b"
}
  0 = "required_version"
}

provider "aws" {
region = "eu-west-1"
}`;

describe("HCL repair: terraform block", () => {
  it("when a terraform member is rendered as a list index, then it gets its name and value from the JSON", () => {
    const out = repairTerraformBlock(TERRAFORM_BLOCK, { required_version: ">= 1.10.0" });
    expect(out).toContain('  required_version = ">= 1.10.0"\n}');
    expect(out).not.toMatch(/^\s*\d+ = /m);
    expect(out).toContain('provider "aws" {');
  });

  it("when the JSON has no value for the rendered name, then it fails naming the member", () => {
    expect(() => repairTerraformBlock(TERRAFORM_BLOCK, {})).toThrow(
      "HCL repair: terraform.required_version is rendered as a list index and has no value in the JSON config",
    );
  });

  it("when the value is not a scalar, then it fails naming the path and the value", () => {
    expect(() => repairTerraformBlock(TERRAFORM_BLOCK, { required_version: { a: 1 } })).toThrow(
      'HCL repair: terraform.required_version is {"a":1}; only a string, number or boolean can be repaired',
    );
  });
});

describe("HCL repair: strings with interpolations", () => {
  it("when a template mixes quotes and interpolations, then literal quotes and backslashes are escaped and the interpolations kept", () => {
    const value = '{"image":"${var.repo}:${var.tag}","cmd":"echo \\"hi\\""}';
    expect(quoteTemplate(value)).toBe(
      '"{\\"image\\":\\"${var.repo}:${var.tag}\\",\\"cmd\\":\\"echo \\\\\\"hi\\\\\\"\\"}"',
    );
  });

  it("when an interpolation holds quoted strings and braces, then they stay as they are", () => {
    const value = '${can(regex("^[a-z]{0,9}$", var.x))}';
    expect(quoteTemplate(value)).toBe(`"${value}"`);
  });

  it("when a template has escaped sequences ($${, %%{), then they are copied, not read as interpolations", () => {
    expect(quoteTemplate('a "$${b}" %%{c}')).toBe('"a \\"$${b}\\" %%{c}"');
  });

  it("when cdktn wrote such a string unescaped, then the repair replaces every occurrence with the escaped one", () => {
    const value = '[{"name":"app","image":"${var.repo}"}]';
    const hcl = `resource "x" "y" {\ncontainer_definitions = "${value}"\n}`;
    const out = escapeTemplates(hcl, { resource: { x: { y: { container_definitions: value } } } });
    expect(out).toBe(`resource "x" "y" {\ncontainer_definitions = ${quoteTemplate(value)}\n}`);
  });

  it("when an interpolation is never closed, then the repair fails naming where", () => {
    expect(() => quoteTemplate('a ${b "c"')).toThrow(/unterminated template sequence at 2/);
  });
});

describe("HCL repair: all steps", () => {
  it("when cdktn's output has every known defect, then one call repairs them all", () => {
    const value = '{"a":"${var.b}"}';
    const raw = `${TERRAFORM_BLOCK}\nresource "x" "y" {\nbody = "${value}"\nid = "\${var.c}"\n}`;
    const out = repairHcl(raw, {
      terraform: { required_version: ">= 1.10.0" },
      resource: { x: { y: { body: value } } },
    });
    expect(out).toContain('required_version = ">= 1.10.0"');
    expect(out).toContain(`body = ${quoteTemplate(value)}`);
    expect(out).toContain("id = var.c");
  });
});

describe("HCL repair: interpolation-only attributes", () => {
  it("when an attribute is one whole interpolation, then it is written as the bare expression (terraform fmt's form)", () => {
    expect(unwrapInterpolationOnly('  bucket = "${aws_s3_bucket.b.id}"')).toBe("  bucket = aws_s3_bucket.b.id");
  });

  it("when the template has more than one part, or the line is inside a heredoc, then it is left alone", () => {
    const hcl = ['  name = "${var.a}-${var.b}"', "  policy = <<EOF", '  x = "${var.c}"', "EOF"].join("\n");
    expect(unwrapInterpolationOnly(hcl)).toBe(hcl);
  });
});

describe("HCL repair: untyped nested blocks", () => {
  const statement = { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } };
  const config = { resource: { aws_wafv2_web_acl: { acl: { rule: [{ name: "r", statement }] } } } };

  it("when a WAF rule statement is rendered as an object under cdktn's warning, then it becomes nested blocks", () => {
    const raw = `rule {\nname = "r"\n${cdktnUntyped("statement", statement)}\n}`;
    const out = renderUntypedBlocks(raw, config);
    expect(out).toBe(
      'rule {\nname = "r"\nstatement {\nrate_based_statement {\nlimit = 2000\naggregate_key_type = "IP"\n}\n\n}\n\n}',
    );
    expect(out).not.toContain("# Warning");
  });

  it("when the statement is not rendered the way cdktn 0.24 renders it, then the repair fails naming the resource", () => {
    expect(() => renderUntypedBlocks("statement = { other = 1 }", config)).toThrow(
      "HCL repair: aws_wafv2_web_acl.acl rule.statement is not rendered the way cdktn 0.24 renders it",
    );
  });
});

/** cdktn 0.24's output for an attribute bound as `any` holding an object (hcl/render.ts, renderAttributes). */
function cdktnUntyped(name: string, value: Record<string, Record<string, unknown>>): string {
  const fuzzy = (v: unknown): string =>
    typeof v === "object" && v !== null
      ? ["{", ...Object.entries(v).map(([k, x]) => `${k} = ${fuzzy(x)}`), "}"].join("\n")
      : typeof v === "string"
        ? `"${v}"`
        : String(v);
  return `
# Warning: The following attribute is of an unexpected type. Either there's a problem with the provider
# or CDKTN has chosen to skip generating a detailed type for this because it increases the size of the provider library significantly. 
# Please check if this resource is included in our skip list: 
# https://github.com/hashicorp/terraform-cdk/blob/1fb8588095a55d475dc4be28882ec4f42006ec8d/packages/%40cdktf/provider-generator/lib/get/generator/skipped-attributes.ts
# and if not, please check with the provider authors to see if the provider schema is accurate.
# 
# We understand this is not ideal, so we suggest using JSON synthesis instead of HCL synthesis for this particular case.

${name} = ${fuzzy(value)}
`;
}
