import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { chargeQuota } from '../../../auth/quotas';
import { headerKeySchema, topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import { timestampType } from '../../../protocol/topic-config';
import type { IncomingRecord } from '../../../records/record-encoding';
import { cachedTopic, refreshTopic } from '../../../topics/topic-repository';
import { KAFKA_ERRORS } from '../../error-codes';
import type { ProducePartitionResponse, ProduceRequest, ProduceResponse } from '../../messages/produce';
import { decodeRecordBatches, type KafkaRecordBatch } from '../../records/record-batch';
import { KafkaDecodeError } from '../../wire/decode-error';
import type { PartitionRecords } from '../produce-batcher';
import { NO_RESPONSE, requireCaller, type RequestContext } from '../session';
import { kafkaErrorOf } from './errors';

/**
 * Produce: each partition's batches are decoded (lib/kafka/records), checked, and handed
 * to the gateway's batcher, which writes them with other connections' records through
 * lib/log/produce (one object, one transaction per window and topic). A partition is
 * answered with its first record's offset once the call holding it has committed.
 *
 * Checks, in order, as the HTTP produce route makes them: WRITE on the topic for the
 * connection's principal (TOPIC_AUTHORIZATION_FAILED), the topic and partition
 * (UNKNOWN_TOPIC_OR_PARTITION), the batches (CORRUPT_MESSAGE for bad bytes or CRC,
 * UNSUPPORTED_FOR_MESSAGE_FORMAT for magic < 2), Sluice's record limits
 * (MESSAGE_TOO_LARGE for a key or value, INVALID_RECORD for headers,
 * RECORD_LIST_TOO_LARGE past produceRecordsMax records), then the principal's produce
 * quota over the request's record bytes (THROTTLING_QUOTA_EXCEEDED with the throttle
 * time; nothing is written).
 *
 * Idempotent batches (producerId >= 0, from InitProducerId) map onto Sluice's idempotent
 * produce: the producer id, epoch and each partition's base sequence are the call's
 * claim (lib/log/sequence-check: the same fencing and sequence rules as the HTTP API),
 * written as a call of its own; an exact retry is answered with the original offsets;
 * refusals are Kafka's codes (INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER,
 * DUPLICATE_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID). Refused with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (non-retriable, surfaced as is by every client):
 * transactional batches and a TransactionalId. Control batches are INVALID_RECORD.
 * Null values are kept (Sluice stores them).
 *
 * acks 0 is answered with nothing, as the protocol says; 1 and -1 both mean "committed"
 * (Sluice has no replicas to wait for: a commit is durable). Any other acks is
 * INVALID_REQUIRED_ACKS.
 */
export async function handleProduce(request: ProduceRequest, { session }: RequestContext): Promise<ProduceResponse | typeof NO_RESPONSE> {
  const caller = requireCaller(session);
  const { ctx } = session;
  let throttleTimeMs = 0;
  const answers = request.topics.map((topic) => topic.partitions.map((p): ProducePartitionResponse => refused(p.index, KAFKA_ERRORS.NONE)));
  const accepted: { topic: string; t: number; partitions: { at: number; records: PartitionRecords; producer: BatchProducer | undefined }[]; logAppendTime: boolean }[] = [];

  await Promise.all(
    request.topics.map(async (topic, t) => {
      const fail = (errorCode: number, message: string | null = null) => {
        answers[t] = topic.partitions.map((p) => refused(p.index, errorCode, message));
      };
      if (![0, 1, -1].includes(request.acks)) return fail(KAFKA_ERRORS.INVALID_REQUIRED_ACKS);
      try {
        await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic.name, operation: 'WRITE' });
      } catch (error) {
        const { errorCode, message } = kafkaErrorOf(error);
        return fail(errorCode, message);
      }
      if (request.transactionalId !== null) return fail(KAFKA_ERRORS.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'transactions are not supported by the Sluice gateway');
      if (!z.safeParse(topicNameSchema, topic.name).success) return fail(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      let stored;
      try {
        stored = await cachedTopic(ctx, topic.name);
        if (topic.partitions.some((p) => p.index >= stored!.partitions)) stored = await refreshTopic(ctx, topic.name);
      } catch (error) {
        const { errorCode, message } = kafkaErrorOf(error);
        return fail(errorCode, message);
      }
      const partitions: { at: number; records: PartitionRecords; producer: BatchProducer | undefined }[] = [];
      const seen = new Set<number>();
      topic.partitions.forEach((p, at) => {
        const answer = (errorCode: number, message: string | null = null) => (answers[t]![at] = refused(p.index, errorCode, message));
        if (p.index < 0 || p.index >= stored.partitions) return answer(KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
        if (seen.has(p.index)) return answer(KAFKA_ERRORS.INVALID_REQUEST, `partition ${p.index} is named twice`);
        seen.add(p.index);
        const checked = recordsOf(p.records, p.index);
        if ('errorCode' in checked) return answer(checked.errorCode, checked.message);
        partitions.push({ at, records: { partition: p.index, records: checked.records }, producer: checked.producer });
      });
      if (partitions.length > 0) accepted.push({ topic: topic.name, t, partitions, logAppendTime: timestampType(stored.config) === 'LogAppendTime' });
    }),
  );

  const bytes = accepted.reduce((sum, a) => sum + a.partitions.reduce((s, p) => s + p.records.records.reduce((r, rec) => r + recordBytes(rec), 0), 0), 0);
  if (bytes > 0) {
    try {
      await chargeQuota(ctx, caller, 'produce', bytes);
    } catch (error) {
      const refusal = kafkaErrorOf(error);
      throttleTimeMs = refusal.throttleTimeMs ?? 0;
      for (const a of accepted) for (const p of a.partitions) answers[a.t]![p.at] = refused(p.records.partition, refusal.errorCode, refusal.message);
      accepted.length = 0;
    }
  }

  await Promise.all(
    accepted.flatMap((a) => {
      // One submission per producer (plain batches together; an idempotent producer's partitions as one claim).
      const groups = new Map<string, typeof a.partitions>();
      for (const p of a.partitions) {
        const key = p.producer ? `${p.producer.id}/${p.producer.epoch}` : 'plain';
        groups.set(key, [...(groups.get(key) ?? []), p]);
      }
      return [...groups.values()].flatMap((group) => {
        const first = group[0]!.producer;
        const producer = first && { id: first.id, epoch: first.epoch, principal: caller.principal, sequences: new Map(group.map((p) => [p.records.partition, p.producer!.sequence])) };
        const appends = session.batcher.submit(
          a.topic,
          group.map((p) => p.records),
          producer,
        );
        return appends.map(async (append, i) => {
          const { at, records } = group[i]!;
          try {
            const { baseOffset, firstTimestamp } = await append;
            answers[a.t]![at] = { ...refused(records.partition, KAFKA_ERRORS.NONE), baseOffset, logAppendTimeMs: a.logAppendTime ? firstTimestamp : -1 };
          } catch (error) {
            const { errorCode, message } = kafkaErrorOf(error);
            if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka produce to '${a.topic}'/${records.partition} failed: ${(error as Error)?.stack ?? String(error)}`);
            answers[a.t]![at] = refused(records.partition, errorCode, message);
          }
        });
      });
    }),
  );

  if (request.acks === 0) return NO_RESPONSE;
  return { topics: request.topics.map((topic, t) => ({ name: topic.name, partitions: answers[t]! })), throttleTimeMs };
}

function refused(index: number, errorCode: number, errorMessage: string | null = null): ProducePartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

/** The latest date JavaScript can represent, as the HTTP API's timestamp rule. */
const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;

/** An idempotent partition's producer and the base sequence of its first batch. */
interface BatchProducer {
  id: number;
  epoch: number;
  sequence: number;
}

type Checked = { records: IncomingRecord[]; producer: BatchProducer | undefined } | { errorCode: number; message: string };

/** One partition's RECORDS as Sluice records, or why they are refused. */
function recordsOf(bytes: Buffer | null, partition: number): Checked {
  if (bytes === null || bytes.length === 0) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: 'no records' };
  let batches: KafkaRecordBatch[];
  try {
    batches = decodeRecordBatches(bytes);
  } catch (error) {
    if (!(error instanceof KafkaDecodeError)) throw error;
    const errorCode = error.code === 'unsupported-format' ? KAFKA_ERRORS.UNSUPPORTED_FOR_MESSAGE_FORMAT : KAFKA_ERRORS.CORRUPT_MESSAGE;
    return { errorCode, message: error.message };
  }
  const records: IncomingRecord[] = [];
  let producer: BatchProducer | undefined;
  for (const [i, batch] of batches.entries()) {
    if (batch.isTransactional) return { errorCode: KAFKA_ERRORS.UNSUPPORTED_FOR_MESSAGE_FORMAT, message: 'transactions are not supported by the Sluice gateway' };
    if (i === 0 && batch.producerId >= 0) producer = { id: batch.producerId, epoch: batch.producerEpoch, sequence: batch.baseSequence };
    // Several batches for one partition: one producer, sequences following on, as a broker requires.
    const expected = producer && producer.sequence + records.length;
    if (i > 0 && (batch.producerId >= 0) !== (producer !== undefined)) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: 'idempotent and plain batches mixed in one partition' };
    if (producer && (batch.producerId !== producer.id || batch.producerEpoch !== producer.epoch || batch.baseSequence !== expected)) {
      return { errorCode: KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `batch ${i} does not follow on from the one before it (producer ${producer.id}, sequence ${expected})` };
    }
    if (batch.isControl) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: 'control batches cannot be produced' };
    for (const r of batch.records) {
      if (r.key && r.key.length > LIMITS.recordKeyMaxBytes) return { errorCode: KAFKA_ERRORS.MESSAGE_TOO_LARGE, message: `a key is over ${LIMITS.recordKeyMaxBytes} bytes` };
      if (r.value && r.value.length > LIMITS.recordValueMaxBytes) return { errorCode: KAFKA_ERRORS.MESSAGE_TOO_LARGE, message: `a value is over ${LIMITS.recordValueMaxBytes} bytes` };
      if (r.headers.length > LIMITS.recordHeadersMax) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: `a record has more than ${LIMITS.recordHeadersMax} headers` };
      // The HTTP API's rules for header keys (not empty, a bounded UTF-8 length) and timestamps.
      const badKey = r.headers.find((h) => !z.safeParse(headerKeySchema, h.key).success);
      if (badKey) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: `header key '${badKey.key.slice(0, 64)}' is empty or too long` };
      if (r.timestamp > MAX_TIMESTAMP_MS) return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message: `timestamp ${r.timestamp} is not a valid date` };
      // A record without a timestamp (-1) is stamped with the append time, as the HTTP API stamps one.
      records.push({ key: r.key, value: r.value, headers: r.headers, partition, ...(r.timestamp >= 0 ? { timestamp: r.timestamp } : {}) });
    }
  }
  if (records.length > LIMITS.produceRecordsMax) {
    return { errorCode: KAFKA_ERRORS.RECORD_LIST_TOO_LARGE, message: `one partition of one request may hold at most ${LIMITS.produceRecordsMax} records` };
  }
  return { records, producer };
}

function recordBytes(record: IncomingRecord): number {
  let size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.byteLength ?? 0);
  return size;
}
