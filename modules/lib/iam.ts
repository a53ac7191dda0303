import {
  DataAwsIamPolicyDocument,
  dataAwsIamPolicyDocumentStatementToHclTerraform,
  dataAwsIamPolicyDocumentStatementToTerraform,
  type DataAwsIamPolicyDocumentStatement,
  type DataAwsIamPolicyDocumentStatementCondition,
} from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { App, Lazy, type ITerraformDependable } from "cdktn";
import type { Construct } from "constructs";

/** One IAM policy statement, in the provider's aws_iam_policy_document shape. */
export type PolicyStatement = DataAwsIamPolicyDocumentStatement;
export type PolicyCondition = DataAwsIamPolicyDocumentStatementCondition;

/**
 * What a grant created: the resources that carry the permission. A resource that needs the
 * permission lists these in its depends_on (the aws-cdk Grant pattern), so it never starts, or is
 * deleted, without it.
 */
export interface Grant {
  readonly dependables: readonly ITerraformDependable[];
}

/** A grant with nothing to wait for (e.g. a key policy statement Terraform orders by reference). */
export const NO_DEPENDENCIES: Grant = { dependables: [] };

/** Something that can be given permissions through its own identity policy (an IAM role). */
export interface Grantable {
  addToPrincipalPolicy(statement: PolicyStatement): Grant;
}

/** An AWS service principal, optionally limited by conditions (aws:SourceAccount, encryption context, …). */
export class ServicePrincipal {
  /**
   * @param service e.g. "cloudwatch.amazonaws.com" (may be a token, e.g. a regional logs principal)
   * @param conditions limit what the service may do on whose behalf
   * @param label readable name for statement ids, e.g. "CloudWatchLogs"
   */
  constructor(
    readonly service: string,
    readonly conditions: readonly PolicyCondition[] = [],
    readonly label: string = service.split(".")[0]!.replace(/[^A-Za-z0-9]/g, ""),
  ) {}
}

export type GrantPrincipal = Grantable | ServicePrincipal;

/**
 * A policy document whose statements can still be added after it is created: they are rendered
 * when the stack is synthesized (the aws-cdk PolicyDocument pattern).
 */
export class LazyPolicyDocument {
  readonly document: DataAwsIamPolicyDocument;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, initial: readonly PolicyStatement[] = []) {
    this.statements.push(...initial);
    // The mapper the binding itself would apply: for HCL output it marks principals and conditions
    // as blocks; without it they would be rendered as arguments Terraform rejects.
    const toConfig = App.of(scope).hclOutput
      ? dataAwsIamPolicyDocumentStatementToHclTerraform
      : dataAwsIamPolicyDocumentStatementToTerraform;
    this.document = new DataAwsIamPolicyDocument(scope, id, {
      statement: Lazy.anyValue({ produce: () => this.statements.map((s) => toConfig(s)) }),
    });
  }

  get json(): string {
    return this.document.json;
  }

  get length(): number {
    return this.statements.length;
  }

  add(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  /** Sids already used, so callers can keep them unique. */
  hasSid(sid: string): boolean {
    return this.statements.some((s) => s.sid === sid);
  }
}
