import * as z from 'zod/mini';
import { LIMITS } from './limits';

/** Kafka's largest `retention.ms` and `retention.bytes` (a Java long). */
const KAFKA_MAX_RETENTION_MS = 9223372036854775807n;
const KAFKA_MAX_LONG = KAFKA_MAX_RETENTION_MS;

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

export const topicConfigSchema = z.record(z.string(), z.string({ error: 'must be a string' }).check(z.maxLength(LIMITS.configValueMaxLength))).check(
  z.superRefine((config, ctx) => {
    const entries = Object.entries(config);
    if (entries.length > LIMITS.configEntriesMax) {
      ctx.addIssue({ code: 'too_big', maximum: LIMITS.configEntriesMax, origin: 'object', message: `must have at most ${LIMITS.configEntriesMax} entries` });
      return;
    }
    for (const [key, value] of entries) {
      const valueSchema = TOPIC_CONFIG_KEYS[key as keyof typeof TOPIC_CONFIG_KEYS];
      if (!valueSchema) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown config key; known keys are ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}` });
        continue;
      }
      const parsed = valueSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        ctx.addIssue({ code: 'custom', path: [key], message: issue.message, ...('params' in issue && issue.params ? { params: issue.params } : {}) });
      }
    }
  }),
);

/**
 * A config change (`PATCH /v1/topics/{topic}`): a value sets the key, validated exactly as
 * at create; null removes it (the default applies again). Every key Sluice knows may
 * change, as all three are dynamic in Kafka: a new `compression.type` or
 * `message.timestamp.type` applies to batches written from then on (each batch records
 * its own), a new `retention.ms` at retention's next run. An unknown key is refused as at create.
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
      for (const [key, value] of entries) {
        if (!Object.hasOwn(TOPIC_CONFIG_KEYS, key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `unknown config key; known keys are ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}` });
          continue;
        }
        if (value === null) continue;
        const parsed = TOPIC_CONFIG_KEYS[key as keyof typeof TOPIC_CONFIG_KEYS].safeParse(value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          ctx.addIssue({ code: 'custom', path: [key], message: issue.message, ...('params' in issue && issue.params ? { params: issue.params } : {}) });
        }
      }
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
