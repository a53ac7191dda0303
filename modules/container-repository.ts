import { EcrLifecyclePolicy } from "@cdktn/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktn/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";

export interface ContainerRepositoryProps {
  /** Repository name, e.g. "fc-dev/orders" (ECR: 2–256 of a-z 0-9 . _ - /, components separated by "/"). */
  readonly name: string;
  /** Customer-managed KMS key for the images at rest (cannot change after creation: ECR replaces the repository). */
  readonly kmsKeyArn: string;
  /**
   * Images kept; older ones (by push time) expire.
   * @default 30
   */
  readonly keepLastImages?: number;
}

// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName pattern)
const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * An ECR repository for one app: immutable tags (a tag names one image forever, so a deploy of
 * `:<sha>` is reproducible and a rollback redeploys exactly what ran), scan on push, KMS at rest, and
 * a lifecycle policy that keeps the last N images. `force_delete` stays off: destroying a repository
 * that still holds images fails instead of deleting them.
 */
export class ContainerRepository extends Construct {
  readonly repository: EcrRepository;
  readonly repositoryUrl: string;
  readonly repositoryArn: string;
  readonly repositoryName: string;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const keepLastImages = props.keepLastImages ?? 30;
    const v = new Validator(this);
    v.matches("name", props.name, REPOSITORY_NAME, 'an ECR repository name such as "fc-dev/orders"');
    v.nonEmpty("kmsKeyArn", props.kmsKeyArn);
    // ECR lifecycle policy: countNumber is a positive integer.
    v.int("keepLastImages", keepLastImages, { min: 1, max: 10000 });

    this.repository = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      // https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${keepLastImages} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepLastImages },
            action: { type: "expire" },
          },
        ],
      }),
    });
    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryArn = this.repository.arn;
    this.repositoryName = this.repository.name;
  }
}
