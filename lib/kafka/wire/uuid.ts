import { createHash } from 'node:crypto';

/** Kafka's null uuid (all zeros): "no topic id". */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 16 bytes as a lowercase canonical uuid (8-4-4-4-12 hex digits). */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.byteLength !== 16) throw new RangeError(`a uuid is 16 bytes, got ${bytes.byteLength}`);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A canonical uuid's 16 bytes; throws RangeError for anything else (a caller's bug). */
export function uuidToBytes(uuid: string): Buffer {
  const lower = uuid.toLowerCase();
  if (!CANONICAL.test(lower)) throw new RangeError(`not a canonical uuid: '${uuid}'`);
  return Buffer.from(lower.replaceAll('-', ''), 'hex');
}

/**
 * The Kafka topic id of a Sluice topic, deterministically, so every gateway answers the
 * same id for the same topic: Sluice's topic ids are random UUIDs (`ctx.newId()`), used
 * as they are; any other id (a test's stub) is hashed (the first 16 bytes of its
 * SHA-256). A topic deleted and created again gets a new Sluice id, so a new Kafka id,
 * as in Kafka.
 */
export function kafkaTopicId(sluiceTopicId: string): string {
  const lower = sluiceTopicId.toLowerCase();
  if (CANONICAL.test(lower) && lower !== ZERO_UUID) return lower;
  return uuidFromBytes(createHash('sha256').update(sluiceTopicId, 'utf8').digest().subarray(0, 16));
}
