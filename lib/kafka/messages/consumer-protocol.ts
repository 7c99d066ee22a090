import { KafkaDecodeError } from '../wire/decode-error';
import { KafkaReader } from '../wire/reader';
import { KafkaWriter } from '../wire/writer';

/**
 * The "consumer" protocol type's embedded messages (ConsumerProtocolSubscription.json,
 * ConsumerProtocolAssignment.json): what consumers put in JoinGroup's protocol metadata
 * and SyncGroup's assignment bytes. Never flexible; each starts with its int16 version.
 *
 * Subscription: Topics [string], UserData nullable bytes, then OwnedPartitions (v1+),
 * GenerationId (v2+), RackId (v3+). Sluice reads the topics and user data and ignores
 * the rest, so any later version (which only appends fields) parses too.
 * Assignment: AssignedPartitions [Topic string, Partitions [int32]], UserData nullable bytes.
 * The gateway writes version 0, which every consumer reads.
 */
export interface ConsumerSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
}

export interface ConsumerAssignment {
  version: number;
  assignedPartitions: { topic: string; partitions: number[] }[];
  userData: Buffer | null;
}

export function decodeSubscription(bytes: Uint8Array): ConsumerSubscription {
  const reader = new KafkaReader(bytes);
  const version = reader.int16('subscription version');
  if (version < 0) throw new KafkaDecodeError('invalid-value', `subscription version ${version} is negative`, 0);
  const topics = reader.array((r) => r.string('subscribed topic'), 'subscribed topics', 2);
  // Version 0 of some clients ends after the topics; a missing UserData is null.
  const userData = reader.remaining > 0 ? reader.nullableBytes('user data') : null;
  return { version, topics, userData: userData === null ? null : Buffer.from(userData) };
}

export function encodeSubscription(subscription: { topics: readonly string[]; userData?: Uint8Array | null }): Buffer {
  const writer = new KafkaWriter();
  writer.int16(0).array(subscription.topics, (w, topic) => w.string(topic)).nullableBytes(subscription.userData ?? null);
  return writer.toBuffer();
}

export function encodeAssignment(partitions: readonly { topic: string; partitions: readonly number[] }[], userData: Uint8Array | null = null): Buffer {
  const writer = new KafkaWriter();
  writer
    .int16(0)
    .array(partitions, (w, { topic, partitions: numbers }) => w.string(topic).array(numbers, (p, n) => p.int32(n)))
    .nullableBytes(userData);
  return writer.toBuffer();
}

export function decodeAssignment(bytes: Uint8Array): ConsumerAssignment {
  const reader = new KafkaReader(bytes);
  if (reader.remaining === 0) return { version: 0, assignedPartitions: [], userData: null };
  const version = reader.int16('assignment version');
  const assignedPartitions = reader.array(
    (r) => ({ topic: r.string('assigned topic'), partitions: r.array((p) => p.int32('partition'), 'partitions', 4) }),
    'assigned partitions',
    6,
  );
  const userData = reader.remaining > 0 ? reader.nullableBytes('user data') : null;
  return { version, assignedPartitions, userData: userData === null ? null : Buffer.from(userData) };
}
