import { describe, expect, it } from "vitest";
import { APP_KEEP_ALIVE_TIMEOUT_MS, APP_PORT, parseEnvConfig } from "../../config/schema";
import { baseConfigShape } from "../../apps/shared/src/config";
import { devWith, errorOf } from "../helpers/config";

describe("platform edge config", () => {
  it("when the apps' defaults are read, then they come from the apps' own schema (65 s keep-alive, port 8080)", () => {
    expect(APP_KEEP_ALIVE_TIMEOUT_MS).toBe(baseConfigShape.KEEP_ALIVE_TIMEOUT_MS.parse(undefined));
    expect(APP_KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
    expect(APP_PORT).toBe(8080);
  });

  it("when optional edge fields are omitted, then the documented defaults apply", () => {
    const config = parseEnvConfig(
      "dev",
      devWith((c) => {
        delete c.platform.loadBalancer.testListenerPort;
        delete c.platform.loadBalancer.idleTimeoutSec;
        delete c.platform.waf.rateLimitRequests;
        delete c.platform.waf.rateLimitWindowSec;
        delete c.platform.ecr;
      }),
    );
    expect(config.platform.loadBalancer).toMatchObject({ testListenerPort: 8443, idleTimeoutSec: 60 });
    expect(config.platform.loadBalancer!.certificateArn).toBeUndefined();
    expect(config.platform.waf).toEqual({ mode: "COUNT", rateLimitRequests: 2000, rateLimitWindowSec: 300 });
    expect(config.platform.ecr).toEqual({ keepLastImages: 30 });
    expect(config.platform.domain).toBeUndefined();
  });

  it("when the ALB idle timeout equals the apps' keep-alive, then the error names the field and the keep-alive", () => {
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.idleTimeoutSec = 65)))).toContain(
      "platform.loadBalancer.idleTimeoutSec: got 65; expected below the apps' keep-alive timeout (KEEP_ALIVE_TIMEOUT_MS 65000 ms = 65 s)",
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.idleTimeoutSec = 120)))).toContain(
      "platform.loadBalancer.idleTimeoutSec: got 120; expected below",
    );
    expect(
      parseEnvConfig(
        "dev",
        devWith((c) => (c.platform.loadBalancer.idleTimeoutSec = 64)),
      ).platform.loadBalancer,
    ).toMatchObject({ idleTimeoutSec: 64 });
  });

  it("when a CIDR is malformed, then the error names the list entry", () => {
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.ingressCidrs = ["0.0.0.0/0", "10.0.0.1/8"])))).toContain(
      'platform.loadBalancer.ingressCidrs.1: got "10.0.0.1/8"; expected an IPv4 CIDR block with no host bits set',
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testCidrs = ["office"])))).toContain(
      'platform.loadBalancer.testCidrs.0: got "office"; expected an IPv4 CIDR block',
    );
  });

  it("when the test listener is opened to the whole internet or no one, then the config is refused", () => {
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testCidrs = ["0.0.0.0/0"])))).toContain(
      'platform.loadBalancer.testCidrs.0: got "0.0.0.0/0"; the test listener must not be open to 0.0.0.0/0',
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testCidrs = [])))).toContain(
      "platform.loadBalancer.testCidrs: got []; Too small",
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.ingressCidrs = [])))).toContain(
      "platform.loadBalancer.ingressCidrs: got []; Too small",
    );
  });

  it("when the WAF mode is unknown, then the error names the field and the allowed modes", () => {
    const message = errorOf(devWith((c) => (c.platform.waf.mode = "DENY")));
    expect(message).toContain('platform.waf.mode: got "DENY"; Invalid option: expected one of "COUNT"|"BLOCK"');
  });

  it("when the rate rule is out of WAF's range, then the error names the field", () => {
    expect(errorOf(devWith((c) => (c.platform.waf.rateLimitRequests = 5)))).toContain(
      "platform.waf.rateLimitRequests: got 5; Too small: expected number to be >=10",
    );
    expect(errorOf(devWith((c) => (c.platform.waf.rateLimitWindowSec = 90)))).toContain(
      "platform.waf.rateLimitWindowSec: got 90; Invalid option: expected one of 60|120|300|600",
    );
  });

  it("when the test listener port is bad, then the error names the field", () => {
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testListenerPort = 70000)))).toContain(
      "platform.loadBalancer.testListenerPort: got 70000; Too big: expected number to be <=65535",
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testListenerPort = 443)))).toContain(
      "platform.loadBalancer.testListenerPort: got 443; expected a port other than 80 and 443",
    );
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.testListenerPort = 8080.5)))).toContain(
      "platform.loadBalancer.testListenerPort: got 8080.5",
    );
  });

  it("when a certificate ARN or domain is malformed, then the error names the field", () => {
    expect(errorOf(devWith((c) => (c.platform.loadBalancer.certificateArn = "arn:aws:iam::1:cert/x")))).toContain(
      'platform.loadBalancer.certificateArn: got "arn:aws:iam::1:cert/x"; expected an ACM certificate ARN',
    );
    expect(errorOf(devWith((c) => (c.platform.domain = { hostedZoneId: "Z123", name: "App.Example.com" })))).toContain(
      'platform.domain.name: got "App.Example.com"; expected a lowercase DNS name',
    );
    expect(
      errorOf(devWith((c) => (c.platform.domain = { hostedZoneId: "zone-1", name: "app.example.com" }))),
    ).toContain('platform.domain.hostedZoneId: got "zone-1"; expected a Route 53 hosted zone id');
  });

  it("when both a certificate ARN and a domain are set, then the config is refused as ambiguous", () => {
    const message = errorOf(
      devWith((c) => {
        c.platform.loadBalancer.certificateArn = "arn:aws:acm:eu-west-1:210987654321:certificate/abc-123";
        c.platform.domain = { hostedZoneId: "Z0123456789ABCDEFGHIJ", name: "app.example.com" };
      }),
    );
    expect(message).toContain(
      'platform.loadBalancer.certificateArn: got "arn:aws:acm:eu-west-1:210987654321:certificate/abc-123"; set either loadBalancer.certificateArn or domain',
    );
  });

  it("when ECR keeps fewer than one image, then the error names the field", () => {
    expect(errorOf(devWith((c) => (c.platform.ecr = { keepLastImages: 0 })))).toContain(
      "platform.ecr.keepLastImages: got 0; Too small: expected number to be >=1",
    );
  });

  it("when an unknown edge key is given, then it is refused, not ignored", () => {
    expect(errorOf(devWith((c) => (c.platform.waf.blockMode = true)))).toContain(
      "platform.waf.blockMode: unknown key; allowed keys here: mode, rateLimitRequests, rateLimitWindowSec",
    );
  });
});
