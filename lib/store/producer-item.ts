import { ANONYMOUS } from '../auth/principal';

/**
 * Items of the Producers table. Owned here alone.
 *
 * - `producer#<id>`: the producer's current epoch and the principal that initialised
 *   it; produce calls check both in their commit transaction, which is what fences a
 *   superseded (zombie) instance and keeps other principals off the id.
 * - `name#<name>`: maps a stable producer name (Kafka's transactional.id) to its id and
 *   the principal that registered it, so re-initialising under the same name bumps the
 *   same producer's epoch, and only its owner may.
 *
 * Ids were once issued by a `counter#producer-id` item; nothing reads it any more.
 * Items written before principals were stored belong to `anonymous`.
 */
export interface ProducerRecord {
  producerId: number;
  epoch: number;
  principal: string;
  name?: string;
  updatedAt: number;
}

export interface ProducerNameRecord {
  producerId: number;
  principal: string;
}

/** Kafka's producer epoch is an int16. */
export const MAX_PRODUCER_EPOCH = 32767;

export function producerKey(producerId: number): { pk: string } {
  return { pk: `producer#${producerId}` };
}

export function producerNameKey(name: string): { pk: string } {
  return { pk: `name#${name}` };
}

export function fromProducerItem(item: Record<string, unknown> | undefined): ProducerRecord | undefined {
  if (!item) return undefined;
  return {
    producerId: Number(item.producerId),
    epoch: Number(item.epoch),
    principal: ownerOf(item),
    ...(item.name === undefined ? {} : { name: String(item.name) }),
    updatedAt: Number(item.updatedAt ?? 0),
  };
}

export function fromProducerNameItem(item: Record<string, unknown> | undefined): ProducerNameRecord | undefined {
  if (!item) return undefined;
  return { producerId: Number(item.producerId), principal: ownerOf(item) };
}

function ownerOf(item: Record<string, unknown>): string {
  return item.principal === undefined ? ANONYMOUS : String(item.principal);
}
