import * as z from 'zod/mini';
import { LIMITS } from '../../protocol/limits';
import {
  DEFAULT_CLEANUP_POLICY,
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_MAX_COMPACTION_LAG_MS,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  DEFAULT_MIN_COMPACTION_LAG_MS,
  TOPIC_CONFIG_KEYS,
  topicConfigChangeSchema,
  topicConfigSchema,
} from '../../protocol/topic-config';
import { defaultRetentionMsFromEnv } from '../../retention/retention-settings';
import { CONFIG_TYPE } from '../messages/describe-configs';

/**
 * Sluice's topic settings in Kafka's names, for CreateTopics, DescribeConfigs,
 * AlterConfigs and IncrementalAlterConfigs.
 *
 * Sluice's own keys (lib/protocol/topic-config.ts: compression.type,
 * message.timestamp.type, retention.ms, retention.bytes, and the log-compaction keys
 * cleanup.policy, delete.retention.ms, min.compaction.lag.ms, max.compaction.lag.ms,
 * min.cleanable.dirty.ratio) are Kafka-named already and pass through with the HTTP API's
 * validation; they can be changed after creation. A Kafka config that describes what
 * Sluice always does (max.message.bytes) is described, and accepted at creation with
 * exactly that value, but nothing is stored for it. Anything else is refused by name
 * rather than stored and ignored, as the HTTP API refuses it.
 */
export const FIXED_TOPIC_CONFIGS: Readonly<Record<string, { value: string; type: number; doc: string }>> = {
  'max.message.bytes': { value: String(LIMITS.recordValueMaxBytes), type: CONFIG_TYPE.INT, doc: "Sluice's largest record value, in bytes (keys: 64 KiB)." },
};

const SLUICE_CONFIGS: Readonly<Record<keyof typeof TOPIC_CONFIG_KEYS, { type: number; doc: string; default: () => string }>> = {
  'compression.type': { type: CONFIG_TYPE.STRING, doc: 'How Sluice compresses the topic in storage: uncompressed, gzip or zstd.', default: () => 'uncompressed' },
  'message.timestamp.type': { type: CONFIG_TYPE.STRING, doc: "CreateTime (the producer's) or LogAppendTime (Sluice's, at append).", default: () => 'CreateTime' },
  'retention.ms': { type: CONFIG_TYPE.LONG, doc: 'How long records are kept, by timestamp (-1: forever); else the platform default.', default: () => String(defaultRetentionMsFromEnv()) },
  'retention.bytes': { type: CONFIG_TYPE.LONG, doc: 'The most a partition keeps, in stored bytes; the oldest batches go first (-1: no limit).', default: () => '-1' },
  'cleanup.policy': {
    type: CONFIG_TYPE.LIST,
    doc: 'delete (retention.ms and retention.bytes apply), compact (keep the last record of each key; neither applies), or compact,delete (both).',
    default: () => DEFAULT_CLEANUP_POLICY,
  },
  'delete.retention.ms': { type: CONFIG_TYPE.LONG, doc: 'How long a compacted topic keeps a tombstone (a null value), in ms.', default: () => String(DEFAULT_DELETE_RETENTION_MS) },
  'min.compaction.lag.ms': { type: CONFIG_TYPE.LONG, doc: 'How long a record stays uncompacted after it is written, at least, in ms.', default: () => String(DEFAULT_MIN_COMPACTION_LAG_MS) },
  'max.compaction.lag.ms': { type: CONFIG_TYPE.LONG, doc: 'How long a record stays uncompacted after it is written, at most, in ms.', default: () => DEFAULT_MAX_COMPACTION_LAG_MS },
  'min.cleanable.dirty.ratio': {
    type: CONFIG_TYPE.DOUBLE,
    doc: 'The share of a partition not yet compacted (0 to 1) at which it is compacted.',
    default: () => String(DEFAULT_MIN_CLEANABLE_DIRTY_RATIO),
  },
};

/** Whether a config is one of Sluice's list-typed keys (cleanup.policy): the ones IncrementalAlterConfigs may APPEND to and SUBTRACT from. */
export function isListConfig(name: string): boolean {
  return Object.hasOwn(SLUICE_CONFIGS, name) && SLUICE_CONFIGS[name as keyof typeof SLUICE_CONFIGS].type === CONFIG_TYPE.LIST;
}

/**
 * IncrementalAlterConfigs' APPEND or SUBTRACT on a list config, as Kafka's broker computes
 * it: the list is the topic's value, else the default; APPEND adds the values it lacks at
 * the end, SUBTRACT removes the values named. The result is then validated as a SET would
 * be (so a cleanup.policy subtracted to nothing is refused). `name` must be a list config.
 */
export function listConfigValue(name: string, config: Record<string, string>, operation: 'APPEND' | 'SUBTRACT', value: string): string {
  const current = (config[name] ?? SLUICE_CONFIGS[name as keyof typeof SLUICE_CONFIGS].default()).split(',');
  const values = value.split(',');
  const next = operation === 'APPEND' ? [...current, ...values.filter((v, i) => !current.includes(v) && values.indexOf(v) === i)] : current.filter((v) => !values.includes(v));
  return next.join(',');
}

/** One config as described: its value, whether it is the default, its Kafka type and a line of documentation. */
export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
  type: number;
  doc: string;
  /** False for Sluice's own keys (alterTopicConfig changes them), true for the fixed ones. */
  readOnly: boolean;
}

/** Every config of a topic in Kafka's names: its own settings, the defaults of the rest, then the fixed ones. */
export function describeTopicConfig(config: Record<string, string>): TopicConfigEntry[] {
  const entries: TopicConfigEntry[] = Object.entries(SLUICE_CONFIGS).map(([name, known]) => {
    const own = config[name];
    return { name, value: own ?? known.default(), isDefault: own === undefined, type: known.type, doc: known.doc, readOnly: false };
  });
  for (const [name, fixed] of Object.entries(FIXED_TOPIC_CONFIGS)) entries.push({ name, value: fixed.value, isDefault: true, type: fixed.type, doc: fixed.doc, readOnly: true });
  return entries;
}

/**
 * A CreateTopics request's configs as a Sluice topic config, or the first problem
 * (answered INVALID_CONFIG, naming the config). A null value means "the default", as in
 * Kafka, so it sets nothing.
 */
export function sluiceTopicConfig(configs: readonly { name: string; value: string | null }[]): { config: Record<string, string> } | { problem: string } {
  const config: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { name, value } of configs) {
    if (seen.has(name)) return { problem: `config '${name}' is given more than once` };
    seen.add(name);
    if (value === null) continue;
    const fixed = Object.hasOwn(FIXED_TOPIC_CONFIGS, name) ? FIXED_TOPIC_CONFIGS[name]! : undefined;
    if (fixed) {
      if (value !== fixed.value) return { problem: `config '${name}' can only be ${fixed.value} in Sluice: ${fixed.doc}` };
      continue;
    }
    if (!Object.hasOwn(TOPIC_CONFIG_KEYS, name)) {
      const known = [...Object.keys(TOPIC_CONFIG_KEYS), ...Object.entries(FIXED_TOPIC_CONFIGS).map(([key, f]) => `${key}=${f.value}`)];
      return { problem: `config '${name}' is not supported by Sluice; topics take ${known.join(', ')}` };
    }
    config[name] = value;
  }
  // The HTTP API's own validation of the values (and of the count and lengths).
  const parsed = z.safeParse(topicConfigSchema, config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0];
    return { problem: key === undefined ? `configs: ${issue.message}` : `config '${String(key)}' ${issue.message}` };
  }
  return { config };
}

/** The names of a topic's configs as Kafka calls them: Sluice's own, then the fixed ones. */
function knownConfigs(): string {
  return [...Object.keys(TOPIC_CONFIG_KEYS), ...Object.entries(FIXED_TOPIC_CONFIGS).map(([key, f]) => `${key}=${f.value}`)].join(', ');
}

/**
 * An alter request's entries (a value sets, null removes: the default applies again) as
 * the change alterTopicConfig takes, or the first problem (answered INVALID_CONFIG, naming
 * the config). Values are validated as the HTTP PATCH validates them. A fixed config may
 * be set to its one value or removed, which changes nothing, as at creation; set to
 * anything else, or any unknown key, is refused by name.
 */
export function sluiceConfigChange(entries: readonly { name: string; value: string | null }[]): { change: Record<string, string | null> } | { problem: string } {
  const change: Record<string, string | null> = {};
  const seen = new Set<string>();
  for (const { name, value } of entries) {
    if (seen.has(name)) return { problem: `config '${name}' is given more than once` };
    seen.add(name);
    const fixed = Object.hasOwn(FIXED_TOPIC_CONFIGS, name) ? FIXED_TOPIC_CONFIGS[name]! : undefined;
    if (fixed) {
      if (value !== null && value !== fixed.value) return { problem: `config '${name}' can only be ${fixed.value} in Sluice: ${fixed.doc}` };
      continue;
    }
    if (!Object.hasOwn(TOPIC_CONFIG_KEYS, name)) return { problem: `config '${name}' is not supported by Sluice; topics take ${knownConfigs()}` };
    change[name] = value;
  }
  if (Object.keys(change).length === 0) return { change };
  const parsed = z.safeParse(topicConfigChangeSchema, change);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0];
    return { problem: key === undefined ? `configs: ${issue.message}` : `config '${String(key)}' ${issue.message}` };
  }
  return { change };
}
