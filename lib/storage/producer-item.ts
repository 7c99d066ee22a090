/**
 * Items of the Producers table. Owned here alone.
 *
 * - `producer#<id>`: the producer's current epoch; produce calls check it in their
 *   commit transaction, which is what fences a superseded (zombie) instance.
 * - `name#<name>`: maps a stable producer name (Kafka's transactional.id) to its id,
 *   so re-initialising under the same name bumps the same producer's epoch.
 * - `counter#producer-id`: the last producer id handed out.
 */
export interface ProducerRecord {
  producerId: number;
  epoch: number;
  name?: string;
  updatedAt: number;
}

export const PRODUCER_ID_COUNTER_KEY = { pk: 'counter#producer-id' };

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
    ...(item.name === undefined ? {} : { name: String(item.name) }),
    updatedAt: Number(item.updatedAt ?? 0),
  };
}
