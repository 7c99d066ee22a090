import * as z from 'zod/mini';
import { LIMITS } from '../limits';

/**
 * Topic config keys Sluice understands, Kafka-named. Only keys whose behaviour is
 * implemented are accepted; an unknown key is refused rather than stored and ignored.
 */
export const TOPIC_CONFIG_KEYS = {
  'compression.type': z.enum(['uncompressed', 'gzip', 'zstd'], { error: 'must be "uncompressed", "gzip" or "zstd"' }),
  'message.timestamp.type': z.enum(['CreateTime', 'LogAppendTime'], {
    error: 'must be "CreateTime" or "LogAppendTime"',
  }),
} as const;

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
      if (!parsed.success) ctx.addIssue({ code: 'custom', path: [key], message: parsed.error.issues[0]!.message });
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
