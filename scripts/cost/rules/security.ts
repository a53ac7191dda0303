import { makeLine, type CostLine, type NotPriced } from "../model";
import { count, type Rule, usage } from "../rule";
import { byStack } from "./network";

export const kmsKeys: Rule = {
  types: ["aws_kms_key"],
  price(ctx) {
    const lines = [...byStack(ctx.synth.resources("aws_kms_key"))].map(([stack, keys]) =>
      makeLine(
        stack,
        "KMS keys",
        count(keys.length, "customer managed key"),
        keys.map((k) => k.address),
        [usage(ctx, "kms.key.month", "key-months", keys.length)],
      ),
    );
    return { lines, notPriced: [] };
  },
};

/** Secrets Manager secrets, including the master-user secret RDS creates for `manage_master_user_password`. */
export const secrets: Rule = {
  types: ["aws_secretsmanager_secret"],
  price(ctx) {
    const own = ctx.synth.resources("aws_secretsmanager_secret");
    const managed = ctx.synth.resources("aws_rds_cluster").filter((c) => c.body.manage_master_user_password === true);
    const lines: CostLine[] = [];
    for (const [stack, all] of byStack([...own, ...managed])) {
      const rds = all.filter((r) => r.type === "aws_rds_cluster").length;
      const detail = count(all.length, "secret") + (rds > 0 ? ` (${rds} managed by RDS for a master password)` : "");
      lines.push(
        makeLine(
          stack,
          "Secrets Manager",
          detail,
          all.map((s) => s.address),
          [usage(ctx, "secretsmanager.secret.month", "secret-months", all.length)],
        ),
      );
    }
    return { lines, notPriced: [] };
  },
};

/** SSM parameters: the standard tier is free; advanced parameters bill per month. */
export const ssmParameters: Rule = {
  types: ["aws_ssm_parameter"],
  price(ctx) {
    const lines: CostLine[] = [];
    const notPriced: NotPriced[] = [];
    for (const [stack, all] of byStack(ctx.synth.resources("aws_ssm_parameter"))) {
      const advanced = all.filter((p) => p.body.tier === "Advanced");
      const intelligent = all.filter((p) => p.body.tier === "Intelligent-Tiering");
      if (intelligent.length > 0) {
        notPriced.push({
          stack,
          type: "aws_ssm_parameter",
          resources: intelligent.map((p) => p.address),
          reason: "Intelligent-Tiering picks the tier from the value's size at apply time",
        });
      }
      if (advanced.length > 0) {
        lines.push(
          makeLine(
            stack,
            "SSM advanced parameters",
            count(advanced.length, "parameter"),
            advanced.map((p) => p.address),
            [usage(ctx, "ssm.advanced-parameter.month", "parameter-months", advanced.length)],
          ),
        );
      }
    }
    return { lines, notPriced };
  },
};
