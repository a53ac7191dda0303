import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktn/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktn/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktn/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktn/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktn/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktn/provider-aws/lib/s3-bucket-versioning";
import { Fn, Token } from "cdktn";
import { Construct } from "constructs";
import { lifecycleProblems, type CurrentVersionLifecycle } from "./lib/bucket-lifecycle";
import { Validator } from "./lib/validate";

export type { CurrentVersionLifecycle } from "./lib/bucket-lifecycle";

/**
 * Default encryption of a bucket. `kms`: SSE-KMS with an S3 bucket key (the default for our data);
 * `s3-managed`: SSE-S3, for writers that cannot use a customer key (ALB access-log delivery).
 */
export type BucketEncryption = { readonly type: "kms"; readonly kmsKeyArn: string } | { readonly type: "s3-managed" };

export interface SecureBucketProps {
  readonly bucketName: string;
  /** Default encryption: SSE-KMS with a key, or SSE-S3 where the writer requires it. */
  readonly encryption: BucketEncryption;
  /**
   * Days a noncurrent object version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Transitions and expiry of current object versions (Infrequent Access, then Glacier, then expiry),
   * as a second rule of the bucket's one lifecycle configuration (S3 allows one per bucket).
   * @default - current versions stay in STANDARD and never expire
   */
  readonly currentVersionLifecycle?: CurrentVersionLifecycle;
  /**
   * Refuse `terraform destroy` / replacement of the bucket.
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Extra bucket-policy statements (e.g. log delivery); TLS-only deny is always added.
   * @default - none
   */
  readonly policyStatements?: readonly DataAwsIamPolicyDocumentStatement[];
}

/**
 * An S3 bucket with the full security baseline: versioning, default encryption (SSE-KMS unless the
 * writer needs SSE-S3), TLS-only policy, public access blocked, ACLs off (bucket owner enforced),
 * noncurrent-version lifecycle, and optional transitions/expiry of current versions.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    const v = new Validator(this);
    v.matches("bucketName", props.bucketName, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "3–63 of a-z 0-9 . -");
    v.int("noncurrentVersionExpirationDays", noncurrentDays, { min: 1, max: 36500 });
    v.oneOf("encryption.type", props.encryption.type, ["kms", "s3-managed"]);
    if (props.encryption.type === "kms" && !isExpression(props.encryption.kmsKeyArn)) {
      v.matches(
        "encryption.kmsKeyArn",
        props.encryption.kmsKeyArn,
        KEY_ARN,
        "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): the bucket policy names the key by ARN and id, and an alias would resolve in the requester's account",
      );
    }
    const current = props.currentVersionLifecycle;
    for (const p of current ? lifecycleProblems(current) : []) {
      v.check(false, `currentVersionLifecycle.${p.field}`, p.value, p.allowed);
    }

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    const bucket = this.bucket.id;
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    new S3BucketVersioningA(this, "versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        props.encryption.type === "kms"
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: props.encryption.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          // Once current versions expire, their delete markers outlive the noncurrent versions they
          // hide: remove them too (allowed next to noncurrent expiration, never next to Days).
          ...(current?.expirationDays !== undefined ? { expiration: [{ expiredObjectDeleteMarker: true }] } : {}),
        },
        ...(current && Object.values(current).some((d) => d !== undefined) ? [currentVersionRule(current)] : []),
      ],
    });

    const document = new DataAwsIamPolicyDocument(this, "policy-document", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        ...(props.encryption.type === "kms" ? onlyOwnKeyStatements(this.bucket.arn, props.encryption.kmsKeyArn) : []),
        ...(props.policyStatements ?? []),
      ],
    });
    // The policy lands after the public access block, or S3 may reject it while the block applies.
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket,
      policy: document.json,
      dependsOn: [publicAccess],
    });
  }
}

/**
 * Uploads may name no encryption at all (the bucket default, SSE-KMS with `kmsKeyArn`, applies) or
 * exactly this key; anything else is refused:
 * - an algorithm other than aws:kms (`encrypt = true` without kms_key_id in Terraform's S3 backend
 *   sends AES256 and would override the bucket's key);
 * - aws:kms without a key id (S3 then uses the AWS managed aws/s3 key, PutObject reference);
 * - a key id other than this key, by ARN or id (an alias resolves in the caller's account);
 * - SSE-C (the key would be the caller's own, and S3 keeps no copy).
 * Each deny is guarded by a Null test so that a request without the header stays allowed: a negated
 * string operator is true when the key is absent (IAM condition operators reference).
 */
function onlyOwnKeyStatements(bucketArn: string, kmsKeyArn: string): DataAwsIamPolicyDocumentStatement[] {
  const keyId = isExpression(kmsKeyArn) ? Fn.element(Fn.split("/", kmsKeyArn), 1) : kmsKeyArn.split("/")[1]!;
  const deny = (sid: string, condition: DataAwsIamPolicyDocumentStatement["condition"]) => ({
    sid,
    effect: "Deny",
    actions: ["s3:PutObject"],
    resources: [`${bucketArn}/*`],
    principals: [{ type: "*", identifiers: ["*"] }],
    condition,
  });
  return [
    deny("DenyOtherEncryption", [
      { test: "Null", variable: SSE_HEADER, values: ["false"] },
      { test: "StringNotEquals", variable: SSE_HEADER, values: ["aws:kms"] },
    ]),
    deny("DenyKmsWithoutThisKey", [
      { test: "Null", variable: SSE_HEADER, values: ["false"] },
      { test: "Null", variable: SSE_KEY_HEADER, values: ["true"] },
    ]),
    deny("DenyOtherKmsKeys", [
      { test: "Null", variable: SSE_KEY_HEADER, values: ["false"] },
      { test: "StringNotEquals", variable: SSE_KEY_HEADER, values: [kmsKeyArn, keyId] },
    ]),
    deny("DenyCustomerProvidedKeys", [{ test: "Null", variable: SSE_C_HEADER, values: ["false"] }]),
  ];
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** A value Terraform computes at apply time. */
function isExpression(value: string): boolean {
  return Token.isUnresolved(value);
}

/** S3 condition keys of the upload's encryption headers (Service Authorization Reference, Amazon S3). */
export const SSE_HEADER = "s3:x-amz-server-side-encryption";
export const SSE_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id";
export const SSE_C_HEADER = "s3:x-amz-server-side-encryption-customer-algorithm";

/** The rule for current versions: STANDARD_IA, then GLACIER, then expiry, each only when set. */
function currentVersionRule(l: CurrentVersionLifecycle): S3BucketLifecycleConfigurationRule {
  const transition = [
    ...(l.transitionToIaDays !== undefined ? [{ days: l.transitionToIaDays, storageClass: "STANDARD_IA" }] : []),
    ...(l.transitionToGlacierDays !== undefined ? [{ days: l.transitionToGlacierDays, storageClass: "GLACIER" }] : []),
  ];
  return {
    id: "transition-and-expire-current-versions",
    status: "Enabled",
    filter: [{}],
    ...(transition.length > 0 ? { transition } : {}),
    ...(l.expirationDays !== undefined ? { expiration: [{ days: l.expirationDays }] } : {}),
  };
}
