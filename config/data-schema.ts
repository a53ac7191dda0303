import { z } from "zod";

const WEEKLY_WINDOW =
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const WEEKLY_WINDOW_MESSAGE = 'expected "ddd:hh24:mi-ddd:hh24:mi" in UTC, e.g. "sun:05:00-sun:06:00"';
/** Aurora Serverless v2 capacity: 0.5-ACU steps up to 256. */
const acu = z
  .number()
  .max(256)
  .refine((n) => Number.isInteger(n * 2), "expected a multiple of 0.5 ACU");

/** The data stack: ElastiCache and Aurora MySQL. */
export const dataSchema = z.strictObject({
  /** ElastiCache replication group (cluster mode off), TLS + AUTH always on. */
  redis: z
    .strictObject({
      /** `redis`: Redis OSS 7.1; `valkey`: Valkey 8.0. */
      engine: z.enum(["redis", "valkey"]),
      nodeType: z
        .string()
        .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an ElastiCache node type such as "cache.t4g.micro"'),
      /** Primary plus replicas; 2 or more turn on automatic failover. */
      nodeCount: z.int().min(1).max(6),
      /** Spread nodes over AZs; needs nodeCount >= 2. */
      multiAz: z.boolean(),
      snapshotRetentionDays: z.int().min(1).max(35),
      /** Weekly, UTC, e.g. "sun:05:00-sun:06:00" (the daily snapshot runs 03:00-04:00). */
      maintenanceWindow: z.string().regex(WEEKLY_WINDOW, WEEKLY_WINDOW_MESSAGE),
    })
    .superRefine((r, ctx) => {
      if (r.multiAz && r.nodeCount < 2) {
        ctx.addIssue({
          code: "custom",
          path: ["multiAz"],
          input: r.multiAz,
          message: `multiAz needs nodeCount >= 2 (a primary and a replica in another AZ); nodeCount is ${r.nodeCount}`,
        });
      }
    }),
  /** Aurora MySQL 3 Serverless v2, master password managed by RDS in Secrets Manager. */
  mysql: z
    .strictObject({
      /** Pinned Aurora MySQL 3 version, e.g. "8.0.mysql_aurora.3.10.0" (an LTS release); upgrades are config changes. */
      engineVersion: z
        .string()
        .regex(
          /^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$/,
          'expected an Aurora MySQL 3 version such as "8.0.mysql_aurora.3.10.0"',
        ),
      databaseName: z
        .string()
        .regex(/^[A-Za-z]\w{0,63}$/, "expected 1–64 letters, digits or '_', starting with a letter"),
      minCapacityAcu: acu.refine((n) => n >= 0.5, "expected at least 0.5 ACU"),
      maxCapacityAcu: acu.refine((n) => n >= 1, "expected at least 1 ACU"),
      /** db.serverless instances: one writer, the rest failover readers. */
      instanceCount: z.int().min(1).max(16),
      backupRetentionDays: z.int().min(7).max(35),
      /** Weekly, UTC, e.g. "sun:04:00-sun:05:00" (backups run 02:00-03:00). */
      maintenanceWindow: z.string().regex(WEEKLY_WINDOW, WEEKLY_WINDOW_MESSAGE),
      performanceInsights: z.boolean(),
    })
    .superRefine((m, ctx) => {
      if (m.minCapacityAcu > m.maxCapacityAcu) {
        ctx.addIssue({
          code: "custom",
          path: ["minCapacityAcu"],
          input: m.minCapacityAcu,
          message: `minCapacityAcu must not exceed maxCapacityAcu (${m.maxCapacityAcu})`,
        });
      }
    }),
});
