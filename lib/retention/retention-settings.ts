import { compactionSettingsOf, parseRetentionMs, retentionBytesOf, retentionMsOf, UNLIMITED_RETENTION } from '../protocol/topic-config';

/**
 * The platform's default retention: what applies to a topic without `retention.ms`.
 * The stack sets it on the enforce-retention function from the `defaultRetentionHours`
 * setting; without it (the local runtime, tests) it is Kafka's default.
 */
export const DEFAULT_RETENTION_ENV_VAR = 'SLUICE_DEFAULT_RETENTION_MS';

/** Kafka's `log.retention.hours=168`: seven days. */
export const DEFAULT_RETENTION_MS = 168 * 60 * 60 * 1000;

export { UNLIMITED_RETENTION };

/**
 * The default retention in milliseconds from the environment (-1: unlimited). A value
 * `retention.ms` would refuse is a deployment error, so it throws rather than guess.
 */
export function defaultRetentionMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[DEFAULT_RETENTION_ENV_VAR];
  if (raw === undefined || raw === '') return DEFAULT_RETENTION_MS;
  const ms = parseRetentionMs(raw.trim());
  if (ms === undefined) throw new Error(`${DEFAULT_RETENTION_ENV_VAR} must be a whole number of milliseconds, at least 1, or -1 for unlimited; got '${raw}'`);
  return ms;
}

/** The retention of a topic: its own `retention.ms`, else the platform default (-1: unlimited). */
export function retentionMsFor(config: Record<string, string>, defaultRetentionMs: number): number {
  return retentionMsOf(config) ?? defaultRetentionMs;
}

/** What retention removes from a topic's partitions: by time (-1: nothing) and by size (undefined: no limit). */
export interface RetentionLimits {
  retentionMs: number;
  retentionBytes: number | undefined;
}

/**
 * A topic's retention by time and size. As in Kafka, a `cleanup.policy` without `delete`
 * (`compact` alone) keeps everything by both, whatever `retention.ms` and
 * `retention.bytes` say (compaction is then what removes records); `compact,delete` and
 * the default `delete` apply them. Trims (DeleteRecords) are released whatever this says.
 */
export function retentionLimitsFor(config: Record<string, string>, defaultRetentionMs: number): RetentionLimits {
  if (!compactionSettingsOf(config).deleteByRetention) return { retentionMs: UNLIMITED_RETENTION, retentionBytes: undefined };
  return { retentionMs: retentionMsFor(config, defaultRetentionMs), retentionBytes: retentionBytesOf(config) };
}
