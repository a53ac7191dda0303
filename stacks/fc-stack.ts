import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformElement, TerraformStack } from "cdktn";
import type { Construct, Node } from "constructs";
import type { EnvConfig } from "../config";
import { repairHcl, type TerraformJsonView } from "../modules/lib/hcl-repair";
import { isOmittedFromAddress } from "../modules/lib/address";

/** Terraform that has S3-native locking (use_lockfile). */
export const MIN_TERRAFORM_VERSION = ">= 1.10.0";

export interface FcStackProps {
  readonly config: EnvConfig;
  /**
   * Keep a local backend even when a state bucket is configured.
   * @default - S3 backend when config.state is set, local otherwise
   */
  readonly forceLocalBackend?: boolean;
}

/**
 * Base of every stack: AWS provider with default tags, the backend, and readable, hash-free
 * resource addresses (`aws_vpc.network_vpc`), so a plan reads like hand-written Terraform.
 */
export abstract class FcStack extends TerraformStack {
  readonly config: EnvConfig;
  readonly provider: AwsProvider;
  private readonly addresses = new Map<string, string>();

  constructor(scope: Construct, id: string, props: FcStackProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    this.provider = new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: config.accountId ? [config.accountId] : undefined,
      defaultTags: [{ tags: { ...config.tags, "fc:environment": config.envName, "fc:stack": id } }],
    });
    if (config.state && !props.forceLocalBackend) {
      new S3Backend(this, {
        bucket: config.state.bucket,
        key: `${config.envName}/${id}.tfstate`,
        region: config.region,
        // No `encrypt`, no `kms_key_id`: `encrypt = true` alone uploads with SSE-S3 and overrides the
        // bucket's SSE-KMS default, and Terraform's backend accepts only a key ARN or id for
        // kms_key_id (not an alias), which does not exist before the state stack is applied.
        // Without them S3 applies the bucket default: SSE-KMS with the state key (see state.ts).
        dynamodbTable: config.state.dynamodbTable,
      });
      // CDKTF's S3Backend has no use_lockfile (Terraform >= 1.10 S3-native locking).
      this.addOverride("terraform.backend.s3.use_lockfile", true);
      this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);
    } else {
      // Relative to cdktf.out/stacks/<stack>/, so the path is the same on every machine
      // and remote-state lookups from sibling stacks resolve to the same file.
      new LocalBackend(this, { path: `../../../terraform-state/${config.envName}/${id}.tfstate` });
    }
  }

  /** `cdktn synth --hcl`: cdktn's rendering, repaired where it is known to be wrong (modules/lib/hcl-repair.ts). */
  override toHclTerraform(): ReturnType<TerraformStack["toHclTerraform"]> {
    const rendered = super.toHclTerraform();
    return { ...rendered, hcl: repairHcl(rendered.hcl, this.toTerraform() as TerraformJsonView) };
  }

  /**
   * Addresses are the construct path under the stack, snake_cased, without the ids of grouping
   * constructs (omitFromAddress); collisions are errors, not hashes.
   */
  override allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const scopes = node.scopes;
    const components = scopes
      .slice(scopes.indexOf(this) + 1)
      .filter((c, i, all) => i === all.length - 1 || !isOmittedFromAddress(c))
      .map((c) => c.node.id);
    const id = components
      .join("_")
      .replace(/[^A-Za-z0-9_]+/g, "_")
      .replace(/_+/g, "_")
      .replace(/^_|_$/g, "");
    const owner = this.addresses.get(id);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(`Terraform address "${id}" is used by both ${owner} and ${node.path}; rename one construct`);
    }
    this.addresses.set(id, node.path);
    return id;
  }
}
