/**
 * Buffering limits of a Firehose stream with dynamic partitioning, checked at synth.
 * - Size: BufferingHints.SizeInMBs is 1–128, and dynamic partitioning needs at least 64 MiB
 *   (https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html).
 * - Interval: BufferingHints.IntervalInSeconds is 0–900, but zero buffering (anything under 60 s) is
 *   not available with dynamic partitioning (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
 */
export const FIREHOSE_BUFFER_SIZE_MIB = { min: 64, max: 128 } as const;
export const FIREHOSE_BUFFER_INTERVAL_SEC = { min: 60, max: 900 } as const;

/**
 * With dynamic partitioning Firehose buffers in several stages, so a record can take 1.5 times the
 * buffer interval to land (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html). A data
 * freshness alarm below that would fire in normal operation.
 */
export const FIREHOSE_FRESHNESS_FACTOR = 1.5;

/** CloudWatch alarm threshold range we accept for data freshness (seconds): one minute to one day. */
export const FIREHOSE_FRESHNESS_ALARM_SEC = { min: 60, max: 86400 } as const;

/** Lowest freshness alarm threshold that does not fire on a healthy stream with this buffer interval. */
export function minFreshnessAlarmSec(bufferIntervalSec: number): number {
  return Math.ceil(bufferIntervalSec * FIREHOSE_FRESHNESS_FACTOR);
}
