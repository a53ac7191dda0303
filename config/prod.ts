import type { EnvConfigInput } from "./schema";

/** prod: three AZs, NAT per AZ, VPC endpoints, remote state, deletion protection. */
export default {
  namePrefix: "fc-prod",
  region: "eu-west-1",
  accountId: "123456789012",
  tags: { project: "fargate-connect", environment: "prod", "managed-by": "cdktf" },
  state: {
    bucket: "fargate-connect-prod-tfstate-123456789012",
    noncurrentVersionExpirationDays: 90,
  },
  // GitHub OIDC provider + plan/deploy roles (stack ci-identity, applied by hand after state).
  // Replace the repository with yours; deploy jobs run in the GitHub environment "prod".
  ci: { github: { repository: "example-org/fargate-connect" } },
  network: {
    vpcCidr: "10.30.0.0/16",
    azCount: 3,
    natMode: "per-az",
    privateSubnetCidrs: ["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19"],
    publicSubnetCidrs: ["10.30.128.0/22", "10.30.132.0/22", "10.30.136.0/22"],
    vpcEndpoints: true,
    flowLogRetentionDays: 365,
  },
  platform: {
    containerInsights: "enhanced",
    capacityProviderStrategy: { fargateBase: 2, fargateWeight: 1, fargateSpotWeight: 1 },
    alarmEmail: "platform-oncall@example.com",
    // Edge: HTTPS with an existing ACM certificate (HTTP only redirects), WAF blocks.
    loadBalancer: {
      ingressCidrs: ["0.0.0.0/0"],
      testListenerPort: 8443,
      testCidrs: ["198.51.100.0/24"],
      // Replace with your certificate (same region as the ALB), or use `domain` instead.
      certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
      idleTimeoutSec: 60,
    },
    waf: { mode: "BLOCK", rateLimitRequests: 2000, rateLimitWindowSec: 300 },
    ecr: { keepLastImages: 50 },
  },
  services: {
    caller: {
      exposure: "public",
      app: "caller",
      imageTag: "0.1.0",
      port: 8080,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 3,
      minCount: 3,
      maxCount: 12,
      loadBalancer: { priority: 100, pathPatterns: ["/*"] },
      connectsTo: ["responder"],
      cache: true,
      tracing: { reservoirPerSecond: 1, fixedRate: 0.05 },
    },
    responder: {
      exposure: "internal",
      app: "responder",
      imageTag: "0.1.0",
      port: 8081,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 3,
      minCount: 3,
      maxCount: 12,
      cache: true,
      database: true,
      tracing: { reservoirPerSecond: 1, fixedRate: 0.05 },
    },
  },
  // FireLens router image (fluent-bit/); logging defaults to "firelens" for every service.
  logRouter: { imageTag: "0.1.0" },
  // No demo routes in prod (the default; DEMO_ROUTES_ENABLED=false).
  data: {
    // Primary + 2 replicas over three AZs: Multi-AZ with automatic failover.
    redis: {
      engine: "valkey",
      nodeType: "cache.r7g.large",
      nodeCount: 3,
      multiAz: true,
      snapshotRetentionDays: 14,
      maintenanceWindow: "sun:05:00-sun:06:00",
    },
    // Writer + one reader (failover target in another AZ).
    mysql: {
      engineVersion: "8.0.mysql_aurora.3.10.0",
      databaseName: "fargateconnect",
      minCapacityAcu: 2,
      maxCapacityAcu: 32,
      instanceCount: 2,
      backupRetentionDays: 30,
      maintenanceWindow: "sun:04:00-sun:05:00",
      performanceInsights: true,
    },
  },
  // Log pipeline: larger objects (fewer, cheaper to query), a year and a bit of history.
  logs: {
    bufferSizeMiB: 128,
    bufferIntervalSec: 300,
    transitionToIaDays: 30,
    transitionToGlacierDays: 90,
    expirationDays: 400,
    freshnessAlarmSec: 900,
  },
  logRetentionDays: 90,
  deletionProtection: true,
  // --- ops (issue 10): tighter 5xx, more connections (up to 32 ACU); no FIS in prod ---
  ops: {
    alarms: {
      alb5xxPercent: 1,
      alb5xxMinRequestsPerMinute: 50,
      tasksBelowDesiredMinutes: 3,
      serviceCpuPercent: 80,
      serviceMemoryPercent: 80,
      cacheCpuPercent: 70,
      cacheMemoryPercent: 75,
      cacheEvictionsPer5Min: 1000,
      cacheReplicationLagSec: 5,
      dbCpuPercent: 75,
      dbConnections: 2000,
      dbFreeableMemoryMiB: 512,
    },
    dashboard: true,
  },
  fis: { enabled: false },
  // --- end ops ---
} satisfies EnvConfigInput;
