import { DataAwsIamOpenidConnectProvider } from "@cdktn/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";

/** GitHub Actions' token issuer (the `iss` claim); IAM keys its condition variables by the host. */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export interface GithubOidcProviderProps {
  /**
   * Create the provider. IAM holds one provider per URL and account, so a second environment in the
   * same account looks the existing one up instead.
   * @default true
   */
  readonly create?: boolean;
}

/**
 * The account's IAM OIDC identity provider for GitHub Actions. No thumbprints: IAM validates
 * GitHub's certificate against its own trusted root CAs and ignores any thumbprint for this issuer
 * (hashicorp/aws 6.x documents `thumbprint_list` as optional on `aws_iam_openid_connect_provider`).
 */
export class GithubOidcProvider extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    if (props.create ?? true) {
      this.arn = new IamOpenidConnectProvider(this, "provider", {
        url: GITHUB_OIDC_URL,
        clientIdList: [STS_AUDIENCE],
      }).arn;
    } else {
      this.arn = new DataAwsIamOpenidConnectProvider(this, "existing", { url: GITHUB_OIDC_URL }).arn;
    }
  }
}
