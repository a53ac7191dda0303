import type { EnvConfigInput } from "./schema";

/** dev: cheapest shape that still exercises everything (one NAT, mostly Spot); its own state bucket, as CI plans and deploys it. */
export default {
  namePrefix: "fc-dev",
  region: "eu-west-1",
  // Replace with your dev account and a globally unique bucket name (see README, "State").
  accountId: "210987654321",
  tags: { project: "fargate-connect", environment: "dev", "managed-by": "cdktf" },
  state: {
    bucket: "fargate-connect-dev-tfstate-210987654321",
    noncurrentVersionExpirationDays: 30,
  },
  network: {
    vpcCidr: "10.20.0.0/16",
    azCount: 2,
    natMode: "single",
    vpcEndpoints: false,
    flowLogRetentionDays: 14,
  },
  platform: {
    containerInsights: "enabled",
    // One on-demand task keeps the service up through a Spot reclaim; the rest goes to Spot.
    capacityProviderStrategy: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 },
    // Edge: HTTP only (no certificate), WAF counts but never blocks, so rules can be tuned here first.
    loadBalancer: {
      ingressCidrs: ["0.0.0.0/0"],
      testListenerPort: 8080,
      // Replace with your CI runners' / VPN's egress range (documentation range as a placeholder).
      testCidrs: ["203.0.113.0/24"],
      idleTimeoutSec: 60,
    },
    waf: { mode: "COUNT", rateLimitRequests: 2000, rateLimitWindowSec: 300 },
    ecr: { keepLastImages: 20 },
  },
  services: {
    caller: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3, imageTag: "0.1.0" },
    responder: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3, imageTag: "0.1.0" },
  },
  logRetentionDays: 14,
  deletionProtection: false,
} satisfies EnvConfigInput;
