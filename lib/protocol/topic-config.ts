import * as z from 'zod/mini';
import { LIMITS } from './limits';

/** Kafka's largest `retention.ms` and `retention.bytes` (a Java long). */
const KAFKA_MAX_RETENTION_MS = 9223372036854775807n;
const KAFKA_MAX_LONG = KAFKA_MAX_RETENTION_MS;

/** Kafka's `cleanup.policy` values: a list of `delete` and `compact`, each at most once. */
export const CLEANUP_POLICIES = ['delete', 'compact', 'compact,delete', 'delete,compact'] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

/** Kafka's topic defaults for the log-compaction keys. */
export const DEFAULT_CLEANUP_POLICY: CleanupPolicy = 'delete';
/** `delete.retention.ms`: how long a compacted topic keeps a tombstone (one day). */
export const DEFAULT_DELETE_RETENTION_MS = 86_400_000;
/** `min.compaction.lag.ms`: a record may be compacted as soon as it is written. */
export const DEFAULT_MIN_COMPACTION_LAG_MS = 0;
/**
 * `max.compaction.lag.ms`: Kafka's Long.MAX_VALUE, compaction is never forced by age. As a
 * string, as Kafka describes it: past what a number holds exactly (compactionSettingsOf
 * answers Number.MAX_SAFE_INTEGER for it).
 */
export const DEFAULT_MAX_COMPACTION_LAG_MS = String(KAFKA_MAX_LONG);
/** `min.cleanable.dirty.ratio`: a partition is compacted once half of it is not yet compacted. */
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;

const WHOLE_NUMBER = /^(0|-?[1-9][0-9]*)$/;

/**
 * A Kafka long config that counts milliseconds, as a string: a whole number from `min` up
 * to Kafka's largest, 2^63-1 (decimal digits, no plus sign, exponent or leading zero). The
 * 400 names the limit crossed, in the message and as `limit`.
 */
function wholeMillisecondsSchema(min: 0 | 1) {
  return z.string().check(
    z.regex(WHOLE_NUMBER, { error: `must be a whole number of milliseconds, at least ${min} (as a string)` }),
    z.refine((value) => !WHOLE_NUMBER.test(value) || BigInt(value) >= BigInt(min), { error: `must be at least ${min}`, params: { limit: min } }),
    z.refine((value) => !WHOLE_NUMBER.test(value) || BigInt(value) <= KAFKA_MAX_LONG, {
      error: `must be at most ${KAFKA_MAX_LONG} (Kafka's largest)`,
      params: { limit: String(KAFKA_MAX_LONG) },
    }),
  );
}

/** A decimal number in plain notation (Kafka's doubles, without exponent, sign of plus, or surrounding spaces). */
const DECIMAL = /^-?([0-9]+(\.[0-9]+)?|\.[0-9]+)$/;

/**
 * Topic config keys Sluice understands, Kafka-named. Only keys whose behaviour is
 * implemented are accepted; an unknown key is refused rather than stored and ignored.
 */
export const TOPIC_CONFIG_KEYS = {
  'compression.type': z.enum(['uncompressed', 'gzip', 'zstd'], { error: 'must be "uncompressed", "gzip" or "zstd"' }),
  'message.timestamp.type': z.enum(['CreateTime', 'LogAppendTime'], {
    error: 'must be "CreateTime" or "LogAppendTime"',
  }),
  // Kafka's retention.ms: how long records are kept, by timestamp; enforced by the
  // enforce-retention schedule (lib/retention/enforce-retention.ts).
  'retention.ms': z.string().check(
    z.regex(/^(-1|[1-9][0-9]*)$/, { error: 'must be a whole number of milliseconds, at least 1 (as a string), or -1 for unlimited' }),
    z.refine((value) => !/^[1-9][0-9]*$/.test(value) || BigInt(value) <= KAFKA_MAX_RETENTION_MS, {
      error: `must be at most ${KAFKA_MAX_RETENTION_MS} (Kafka's largest)`,
      // A string: the limit is past what a JSON number holds exactly.
      params: { limit: String(KAFKA_MAX_RETENTION_MS) },
    }),
  ),
  // Kafka's retention.bytes: the most a partition keeps; the oldest batches go first, by the
  // same enforce-retention schedule, whichever of it and retention.ms comes first.
  'retention.bytes': z.string().check(
    z.regex(/^(-1|[1-9][0-9]*)$/, { error: 'must be a whole number of bytes, at least 1 (as a string), or -1 for unlimited' }),
    z.refine((value) => !/^[1-9][0-9]*$/.test(value) || BigInt(value) <= KAFKA_MAX_LONG, {
      error: `must be at most ${KAFKA_MAX_LONG} (Kafka's largest)`,
      params: { limit: String(KAFKA_MAX_LONG) },
    }),
  ),
  // Kafka's log-compaction keys, validated as Kafka validates them (all dynamic in Kafka, so
  // all may change). A cleanup.policy without `delete` turns retention by time and size off
  // for the topic, as in Kafka (lib/retention/retention-settings.ts); compaction reads
  // them all through compactionSettingsOf.
  'cleanup.policy': z.enum(CLEANUP_POLICIES, { error: 'must be "delete", "compact", "compact,delete" or "delete,compact" (Kafka\'s cleanup policies)' }),
  'delete.retention.ms': wholeMillisecondsSchema(0),
  'min.compaction.lag.ms': wholeMillisecondsSchema(0),
  'max.compaction.lag.ms': wholeMillisecondsSchema(1),
  'min.cleanable.dirty.ratio': z.string().check(
    z.regex(DECIMAL, { error: 'must be a decimal number from 0 to 1 (as a string, like "0.5")' }),
    // Any minus sign, -0 included, which Kafka's range check also refuses.
    z.refine((value) => !DECIMAL.test(value) || !value.startsWith('-'), { error: 'must be at least 0', params: { limit: 0 } }),
    z.refine((value) => !DECIMAL.test(value) || Number(value) <= 1, { error: 'must be at most 1', params: { limit: 1 } }),
  ),
} as const;

/** -1: records are kept forever (Kafka's value for unlimited retention). */
export const UNLIMITED_RETENTION = -1;


/**
 * A `retention.ms` value as Kafka accepts it: a whole number of milliseconds from 1 up
 * to 2^63-1 (decimal digits, no sign, exponent or leading zero), or `-1` for unlimited.
 * Undefined for anything else. Values past 2^53-1 ms (about 285,000 years) come back as
 * `Number.MAX_SAFE_INTEGER`: no record is that old, so they keep everything, as in Kafka.
 */
export function parseRetentionMs(value: string): number | undefined {
  if (value === String(UNLIMITED_RETENTION)) return UNLIMITED_RETENTION;
  if (!/^[1-9][0-9]{0,18}$/.test(value) || BigInt(value) > KAFKA_MAX_RETENTION_MS) return undefined;
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/**
 * Kafka's one check across these keys (LogConfig.validateValues): `min.compaction.lag.ms`
 * may not exceed `max.compaction.lag.ms`. Each is the value given, or its default when
 * undefined; both must already be valid. The problem, or undefined.
 */
function compactionLagConflict(min: string | undefined, max: string | undefined): { message: string; params: { limit: string } } | undefined {
  const maxLag = max ?? DEFAULT_MAX_COMPACTION_LAG_MS;
  if (BigInt(min ?? DEFAULT_MIN_COMPACTION_LAG_MS) <= BigInt(maxLag)) return undefined;
  return { message: `must be at most max.compaction.lag.ms (${maxLag}), as in Kafka`, params: { limit: maxLag } };
}

export const topicConfigSchema = z.record(z.string(), z.string({ error: 'must be a string' }).check(z.maxLength(LIMITS.configValueMaxLength))).check(
  z.superRefine((config, ctx) => {
    const entries = Object.entries(config);
    if (entries.length > LIMITS.configEntriesMax) {
      ctx.addIssue({ code: 'too_big', maximum: LIMITS.configEntriesMax, origin: 'object', message: `must have at most ${LIMITS.configEntriesMax} entries` });
      return;
    }
    let valid = true;
    for (const [key, value] of entries) {
      const valueSchema = TOPIC_CONFIG_KEYS[key as keyof typeof TOPIC_CONFIG_KEYS];
      if (!valueSchema) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown config key; known keys are ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}` });
        valid = false;
        continue;
      }
      const parsed = valueSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        ctx.addIssue({ code: 'custom', path: [key], message: issue.message, ...('params' in issue && issue.params ? { params: issue.params } : {}) });
        valid = false;
      }
    }
    // The other key at its default when not given, as Kafka judges a new topic.
    const conflict = valid ? compactionLagConflict(config['min.compaction.lag.ms'], config['max.compaction.lag.ms']) : undefined;
    if (conflict) ctx.addIssue({ code: 'custom', path: ['min.compaction.lag.ms'], ...conflict });
  }),
);

/**
 * A config change (`PATCH /v1/topics/{topic}`): a value sets the key, validated exactly as
 * at create; null removes it (the default applies again). Every key Sluice knows may
 * change, as all are dynamic in Kafka: a new `compression.type` or
 * `message.timestamp.type` applies to batches written from then on (each batch records
 * its own), a new `retention.ms`, `retention.bytes` or `cleanup.policy` at retention's
 * next run. An unknown key is refused as at create. `min.compaction.lag.ms` above
 * `max.compaction.lag.ms` is refused when the change names both (null: the default); a
 * change naming one is not judged against the other's stored value here.
 */
export const topicConfigChangeSchema = z
  .record(z.string(), z.nullable(z.string({ error: 'must be a string, or null to remove the key' }).check(z.maxLength(LIMITS.configValueMaxLength))))
  .check(
    z.superRefine((change, ctx) => {
      const entries = Object.entries(change);
      if (entries.length === 0) {
        ctx.addIssue({ code: 'too_small', minimum: 1, origin: 'object', message: 'must name at least 1 key' });
        return;
      }
      if (entries.length > LIMITS.configEntriesMax) {
        ctx.addIssue({ code: 'too_big', maximum: LIMITS.configEntriesMax, origin: 'object', message: `must have at most ${LIMITS.configEntriesMax} entries` });
        return;
      }
      let valid = true;
      for (const [key, value] of entries) {
        if (!Object.hasOwn(TOPIC_CONFIG_KEYS, key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `unknown config key; known keys are ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}` });
          valid = false;
          continue;
        }
        if (value === null) continue;
        const parsed = TOPIC_CONFIG_KEYS[key as keyof typeof TOPIC_CONFIG_KEYS].safeParse(value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          ctx.addIssue({ code: 'custom', path: [key], message: issue.message, ...('params' in issue && issue.params ? { params: issue.params } : {}) });
          valid = false;
        }
      }
      const [min, max] = [change['min.compaction.lag.ms'], change['max.compaction.lag.ms']];
      const conflict = valid && min !== undefined && max !== undefined ? compactionLagConflict(min ?? undefined, max ?? undefined) : undefined;
      if (conflict) ctx.addIssue({ code: 'custom', path: ['min.compaction.lag.ms'], ...conflict });
    }),
  );

export function timestampType(config: Record<string, string>): TimestampType {
  return config['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime';
}

/** How segment batches of this topic are compressed (Kafka's `compression.type`). */
export function compressionOf(config: Record<string, string>): 'none' | 'gzip' | 'zstd' {
  const type = config['compression.type'];
  return type === 'gzip' || type === 'zstd' ? type : 'none';
}

/** The topic's own `retention.ms` (-1 for unlimited), or undefined when it has none and the platform default applies. */
export function retentionMsOf(config: Record<string, string>): number | undefined {
  const value = config['retention.ms'];
  return value === undefined ? undefined : parseRetentionMs(value);
}

/**
 * The topic's `retention.bytes` per partition, or undefined when it has none or it is -1
 * (unlimited, Kafka's default). Values past 2^53-1 come back as `Number.MAX_SAFE_INTEGER`:
 * no partition holds that much, so they keep everything, as in Kafka.
 */
export function retentionBytesOf(config: Record<string, string>): number | undefined {
  const value = config['retention.bytes'];
  if (value === undefined || !/^[1-9][0-9]{0,18}$/.test(value) || BigInt(value) > KAFKA_MAX_LONG) return undefined;
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}

/** What a topic's log-compaction keys say, each at Kafka's default when not set. */
export interface CompactionSettings {
  /** `cleanup.policy` includes `compact`: the log keeps at least the last record of each key. */
  compact: boolean;
  /** `cleanup.policy` includes `delete`: retention by time and size applies (without it, neither does). */
  deleteByRetention: boolean;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  /** Number.MAX_SAFE_INTEGER for Kafka's default, Long.MAX_VALUE: never forced. */
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
}

/**
 * A topic's `cleanup.policy`, `delete.retention.ms`, `min.compaction.lag.ms`,
 * `max.compaction.lag.ms` and `min.cleanable.dirty.ratio`, with Kafka's defaults for those
 * not set (or, which validation rules out, not valid). Milliseconds past 2^53-1 (about
 * 285,000 years) come back as Number.MAX_SAFE_INTEGER, as good as forever.
 */
export function compactionSettingsOf(config: Record<string, string>): CompactionSettings {
  const policy = (CLEANUP_POLICIES as readonly string[]).includes(config['cleanup.policy'] ?? '') ? config['cleanup.policy']! : DEFAULT_CLEANUP_POLICY;
  const policies = policy.split(',');
  const ratio = config['min.cleanable.dirty.ratio'];
  const ratioValue = ratio !== undefined && DECIMAL.test(ratio) ? Number(ratio) : NaN;
  return {
    compact: policies.includes('compact'),
    deleteByRetention: policies.includes('delete'),
    deleteRetentionMs: millisecondsOf(config['delete.retention.ms'], 0) ?? DEFAULT_DELETE_RETENTION_MS,
    minCompactionLagMs: millisecondsOf(config['min.compaction.lag.ms'], 0) ?? DEFAULT_MIN_COMPACTION_LAG_MS,
    maxCompactionLagMs: millisecondsOf(config['max.compaction.lag.ms'], 1) ?? Number.MAX_SAFE_INTEGER,
    minCleanableDirtyRatio: ratioValue >= 0 && ratioValue <= 1 ? ratioValue : DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  };
}

/** A whole number of milliseconds from `min` to 2^63-1, clamped to Number.MAX_SAFE_INTEGER; undefined when absent or not one. */
function millisecondsOf(value: string | undefined, min: number): number | undefined {
  if (value === undefined || !/^(0|[1-9][0-9]{0,18})$/.test(value) || BigInt(value) > KAFKA_MAX_LONG || BigInt(value) < BigInt(min)) return undefined;
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}
