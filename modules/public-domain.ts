import { AcmCertificate } from "@cdktn/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktn/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktn/provider-aws/lib/route53-record";
import { TerraformIterator, Token } from "cdktn";
import { Construct } from "constructs";
import { Validator } from "./lib/validate";

export interface PublicDomainProps {
  /** Public Route 53 hosted zone that holds `name`. */
  readonly hostedZoneId: string;
  /** Lowercase DNS name, e.g. "app.example.com". */
  readonly name: string;
}

/** Where an alias record points: a load balancer's DNS name and its canonical hosted zone. */
export interface AliasTarget {
  readonly dnsName: string;
  readonly zoneId: string;
}

/**
 * A DNS name in a Route 53 zone with an ACM certificate validated through that zone. The
 * certificate ARN is taken from the validation resource, so an HTTPS listener that uses it waits
 * until ACM has issued the certificate. `aliasTo` points the name at a load balancer.
 */
export class PublicDomain extends Construct {
  readonly certificate: AcmCertificate;
  /** ARN of the issued (validated) certificate. */
  readonly certificateArn: string;
  readonly name: string;
  private readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: PublicDomainProps) {
    super(scope, id);
    const v = new Validator(this);
    v.matches("hostedZoneId", props.hostedZoneId, /^Z[A-Z0-9]{1,32}$/, "a Route 53 hosted zone id (Z...)");
    v.matches(
      "name",
      props.name,
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'a lowercase DNS name such as "app.example.com"',
    );
    this.name = props.name;
    this.hostedZoneId = props.hostedZoneId;

    this.certificate = new AcmCertificate(this, "certificate", {
      domainName: props.name,
      validationMethod: "DNS",
      // A listener holds the certificate: the replacement must exist before the old one goes.
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name ACM asks to validate (aws_acm_certificate docs: for_each over domain_validation_options).
    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation-record", {
      forEach: options,
      zoneId: props.hostedZoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
    this.certificateArn = validation.certificateArn;
  }

  /**
   * An alias A record to `target`. No AAAA: an ALB with ip_address_type "ipv4" answers no IPv6
   * addresses, so an AAAA alias would only return empty answers.
   */
  aliasTo(target: AliasTarget): Route53Record {
    return new Route53Record(this, "alias-a", {
      zoneId: this.hostedZoneId,
      name: this.name,
      type: "A",
      alias: { name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: true },
    });
  }
}
