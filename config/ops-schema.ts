import { z } from "zod";

const percent = z.number().gt(0).max(100);

/** Thresholds of the environment-wide alarms (ops stack). Each names its unit. */
const alarms = z.strictObject({
  /** ALB 5xx (ELB + targets) as a share of requests, percent; also the stop condition of every FIS experiment. */
  alb5xxPercent: percent.default(5),
  /** Minutes below this many requests never count as a 5xx breach (one 500 in 3 requests is not an outage). */
  alb5xxMinRequestsPerMinute: z.int().min(1).max(1_000_000).default(20),
  /** Consecutive minutes a service runs fewer tasks than desired before the alarm fires. */
  tasksBelowDesiredMinutes: z.int().min(1).max(60).default(5),
  /** Average service CPU (AWS/ECS CPUUtilization), percent. */
  serviceCpuPercent: percent.default(85),
  /** Average service memory (AWS/ECS MemoryUtilization), percent. */
  serviceMemoryPercent: percent.default(85),
  /** ElastiCache EngineCPUUtilization per node, percent. */
  cacheCpuPercent: percent.default(80),
  /** ElastiCache DatabaseMemoryUsagePercentage per node, percent. */
  cacheMemoryPercent: percent.default(80),
  /** ElastiCache Evictions per node in 5 minutes. */
  cacheEvictionsPer5Min: z.int().min(0).max(100_000_000).default(100),
  /** ElastiCache ReplicationLag of a replica, seconds (only with more than one node). */
  cacheReplicationLagSec: z.number().gt(0).max(3600).default(10),
  /** Aurora CPUUtilization of the cluster, percent. */
  dbCpuPercent: percent.default(80),
  /** Aurora DatabaseConnections of the cluster (above this count alarms). */
  dbConnections: z.int().min(1).max(100_000).default(500),
  /** Aurora FreeableMemory below this many MiB alarms. */
  dbFreeableMemoryMiB: z.int().min(1).max(1_048_576).default(256),
});

/**
 * FIS experiment settings. Only valid where `fis.enabled` is true: the templates exist only there
 * (see the root check in schema.ts), so a block elsewhere would be accepted and ignored.
 */
const experiments = z.strictObject({
  /** How long each task-level fault lasts, minutes (FIS: 1 minute to 12 hours). */
  durationMinutes: z.int().min(1).max(720).default(5),
  /** Share of responder tasks the stop-task experiment stops, percent. */
  stopTaskPercent: z.int().min(1).max(100).default(50),
  /** CPU load the stress experiment puts on the caller, percent (aws:ecs:task-cpu-stress: 0–100). */
  cpuStressPercent: z.int().min(1).max(100).default(80),
  /** Delay added to the caller's traffic to the responder, milliseconds. */
  latencyMs: z.int().min(1).max(60_000).default(500),
});

/** The ops stack: alarms, the dashboard and (with fis.enabled) FIS experiment templates. */
export const opsSchema = z
  .strictObject({
    alarms: alarms.prefault({}),
    /** One CloudWatch dashboard for the environment. */
    dashboard: z.boolean().default(true),
    /** FIS experiment parameters; omitted: defaults. Needs fis.enabled: true. */
    experiments: experiments.optional(),
  })
  .prefault({});

/**
 * FIS on/off. The same key and shape as the sidecars work (task-level prerequisites): at merge keep
 * one definition; both read `config.fis.enabled`.
 */
export const fisSchema = z
  .strictObject({
    /** FIS experiment templates, and the task-level fault-injection prerequisites. Off in prod. */
    enabled: z.boolean().default(false),
  })
  .default({ enabled: false });

export type OpsConfig = z.output<typeof opsSchema>;
export type ExperimentSettings = z.output<typeof experiments>;
export const EXPERIMENT_DEFAULTS: ExperimentSettings = experiments.parse({});
