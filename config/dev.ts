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
  // GitHub OIDC provider + plan/deploy roles (stack ci-identity, applied by hand after state).
  // Replace the repository with yours; deploy jobs run in the GitHub environment "dev".
  ci: { github: { repository: "example-org/fargate-connect" } },
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
    // 512/1024: app, FireLens router, ADOT collector, the FIS SSM agent and Service Connect's proxy
    // share each task.
    caller: {
      exposure: "public",
      app: "caller",
      imageTag: "0.1.0",
      port: 8080,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 1,
      minCount: 1,
      maxCount: 3,
      loadBalancer: { priority: 100, pathPatterns: ["/*"] },
      connectsTo: ["responder"],
      cache: true,
      tracing: { reservoirPerSecond: 1, fixedRate: 0.1 },
    },
    // Two responders, so a game day that stops "50 %" of them stops one.
    responder: {
      exposure: "internal",
      app: "responder",
      imageTag: "0.1.0",
      port: 8081,
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 2,
      minCount: 2,
      maxCount: 4,
      cache: true,
      database: true,
      tracing: { reservoirPerSecond: 1, fixedRate: 0.1 },
    },
  },
  // FireLens router image (fluent-bit/); logging defaults to "firelens" for every service.
  logRouter: { imageTag: "0.1.0" },
  // The demo routes help while developing; dev's ALB is open to the internet, so say so.
  demoRoutes: {
    enabled: true,
    publicAcknowledged: "dev is the demo environment: no customer data, and its WAF rate-limits each client",
  },
  data: {
    // One node: no failover, the cheapest shape that still runs TLS + AUTH like prod.
    redis: {
      engine: "valkey",
      nodeType: "cache.t4g.micro",
      nodeCount: 1,
      multiAz: false,
      snapshotRetentionDays: 1,
      maintenanceWindow: "sun:05:00-sun:06:00",
    },
    mysql: {
      engineVersion: "8.0.mysql_aurora.3.10.0",
      databaseName: "fargateconnect",
      minCapacityAcu: 0.5,
      maxCapacityAcu: 2,
      instanceCount: 1,
      backupRetentionDays: 7,
      maintenanceWindow: "sun:04:00-sun:05:00",
      performanceInsights: false,
    },
  },
  // Log pipeline: small buffers and a short interval so logs land within minutes while developing.
  logs: {
    bufferSizeMiB: 64,
    bufferIntervalSec: 60,
    transitionToIaDays: 30,
    transitionToGlacierDays: 60,
    expirationDays: 150,
    freshnessAlarmSec: 300,
  },
  logRetentionDays: 14,
  deletionProtection: false,
  // --- ops (issue 10): low-traffic thresholds; FIS on (game days run here, never in prod) ---
  ops: {
    alarms: {
      alb5xxPercent: 5,
      alb5xxMinRequestsPerMinute: 10,
      tasksBelowDesiredMinutes: 5,
      serviceCpuPercent: 85,
      serviceMemoryPercent: 85,
      cacheCpuPercent: 80,
      cacheMemoryPercent: 80,
      cacheEvictionsPer5Min: 100,
      cacheReplicationLagSec: 10,
      dbCpuPercent: 80,
      dbConnections: 150,
      dbFreeableMemoryMiB: 128,
    },
    dashboard: true,
    experiments: { durationMinutes: 5, stopTaskPercent: 50, cpuStressPercent: 80, latencyMs: 500 },
  },
  fis: { enabled: true },
  // --- end ops ---
} satisfies EnvConfigInput;
