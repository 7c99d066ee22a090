import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { chargeQuota } from '../../../auth/quotas';
import { SluiceError } from '../../../core/errors';
import { decodeBatchAt } from '../../../format/batch-codec';
import { fetchBatches, type FetchedBatch } from '../../../log/fetch-records';
import { listOffsets } from '../../../log/list-offsets';
import { topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import { recordSize, type OffsetRecord } from '../../../records/log-record';
import { KAFKA_ERRORS } from '../../error-codes';
import { FETCH_TOPIC_IDS_FROM, type FetchPartitionResponse, type FetchRequest, type FetchResponse } from '../../messages/fetch';
import { encodeRecordBatch, type KafkaRecord } from '../../records/record-batch';
import { kafkaBatchFromStored, storedBatchHeader } from '../../records/stored-batch';
import { topicNamesByIds } from '../topic-ids';
import { requireCaller, type RequestContext, type Session } from '../session';
import { kafkaErrorOf } from './errors';

/** Sluice has no leader elections: every batch's partition leader epoch is 0 (as Metadata answers). */
const LEADER_EPOCH = 0;
/** The longest a fetch waits for records, whatever MaxWaitMs says. */
export const FETCH_WAIT_MAX_MS = LIMITS.fetchWaitMsMax;
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 250;

/**
 * Fetch through lib/log/fetch-records, one call per partition (all at once), each
 * partition's records re-encoded as Kafka batches (encodeFetchedRecords: uncompressed,
 * magic 2, CreateTime with each record's stored timestamp, leader epoch 0), so offsets,
 * keys, values, headers and timestamps are the log's, and the last batch reaches the
 * fetch's nextOffset over what compaction removed.
 *
 * - Limits as a broker applies them: a partition's records stop at PartitionMaxBytes
 *   (within Sluice's own fetch bound, LIMITS.fetchMaxBytesMax) and the response's at
 *   MaxBytes, counted in encoded batch bytes, but the first partition with records is
 *   answered whatever its size (fetch-records answers the first batch whole), so a
 *   consumer always progresses. Partitions past MaxBytes are answered with their offsets
 *   and no records. An empty batch (compaction removed every record the fetch read) is
 *   answered only within MaxBytes and does not count as that first partition.
 * - MinBytes/MaxWaitMs: when no partition has records, the fetch reads again (25 ms,
 *   doubling to 250 ms) until one has, or MaxWaitMs (at most FETCH_WAIT_MAX_MS) ends. An
 *   empty batch alone does not end the wait (the last read's is answered when it ends):
 *   kafkajs does not move past one, and would otherwise ask again at once until records
 *   follow the hole. Clients that do move past it do so one MaxWaitMs later.
 * - Fetch sessions (KIP-227) are not kept: SessionId 0 in every answer tells the client
 *   to send full requests. ForgottenTopicsData is ignored; LastStableOffset is the high
 *   watermark (no transactions); no aborted transactions.
 * - From v13 topics are named by id (lib/kafka/gateway/topic-ids.ts); an id no topic
 *   has is UNKNOWN_TOPIC_ID, and answers carry the ids asked.
 * - READ on each topic, as the HTTP fetch route (TOPIC_AUTHORIZATION_FAILED); a fetch
 *   offset outside logStartOffset..highWatermark is OFFSET_OUT_OF_RANGE; the fetch quota
 *   as HTTP charges it: checked before, charged after with the record bytes; a principal
 *   over it gets offsets but no records, and the throttle time.
 */
export async function handleFetch(request: FetchRequest, { session, header }: RequestContext): Promise<FetchResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  // v13+ names topics by id; an id no topic has now is UNKNOWN_TOPIC_ID (KIP-516).
  const names = header.apiVersion >= FETCH_TOPIC_IDS_FROM ? await topicNamesByIds(ctx, request.topics.map((t) => t.topicId)) : undefined;
  const topics: FetchRequest['topics'] = request.topics.map((t) => ({ ...t, topic: names ? (names.get(t.topicId.toLowerCase()) ?? '') : t.topic }));
  /** Error codes by topic index: the topics answered without reading. */
  const refused = new Map<number, number>();
  const access = new Map<string, Promise<number | undefined>>();
  await Promise.all(
    topics.map(async ({ topic }, index) => {
      if (names && topic === '') return refused.set(index, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);
      if (!z.safeParse(topicNameSchema, topic).success) return refused.set(index, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
      if (!access.has(topic)) {
        access.set(
          topic,
          requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'READ' }).then(
            () => undefined,
            (error: unknown) => kafkaErrorOf(error).errorCode,
          ),
        );
      }
      const deniedCode = await access.get(topic)!;
      if (deniedCode !== undefined) refused.set(index, deniedCode);
    }),
  );
  let throttleTimeMs = 0;
  let readRecords = true;
  try {
    await chargeQuota(ctx, caller, 'fetch', 0);
  } catch (error) {
    const refusal = kafkaErrorOf(error);
    if (refusal.errorCode !== KAFKA_ERRORS.THROTTLING_QUOTA_EXCEEDED) throw error;
    throttleTimeMs = refusal.throttleTimeMs ?? 0;
    readRecords = false;
  }

  const waitMs = Math.min(Math.max(0, request.maxWaitMs), FETCH_WAIT_MAX_MS);
  const deadline = ctx.now() + waitMs;
  let interval = POLL_FIRST_MS;
  let answer = await fetchOnce(session, request, topics, refused, readRecords);
  while (readRecords && answer.recordBytes === 0 && !answer.failed && request.minBytes > 0 && ctx.now() < deadline) {
    await ctx.sleep(Math.min(interval, deadline - ctx.now()));
    interval = Math.min(interval * 2, POLL_MAX_MS);
    answer = await fetchOnce(session, request, topics, refused, readRecords);
  }
  if (answer.recordBytes > 0) await chargeQuota(ctx, caller, 'fetch', answer.recordBytes).catch(() => undefined);
  return { throttleTimeMs, errorCode: KAFKA_ERRORS.NONE, sessionId: 0, responses: answer.responses };
}

interface PartitionRead {
  response: FetchPartitionResponse;
  /** When the log was read: the record set to answer (see kafkaRecordSet). */
  read?: KafkaRecordSet;
}

interface Pass {
  responses: FetchResponse['responses'];
  /** Record bytes answered (as the quota counts them). */
  recordBytes: number;
  /** A partition answered an error: the fetch does not wait. */
  failed: boolean;
}

async function fetchOnce(session: Session, request: FetchRequest, topics: FetchRequest['topics'], refused: ReadonlyMap<number, number>, readRecords: boolean): Promise<Pass> {
  const { ctx } = session;
  let failed = false;
  const read = await Promise.all(
    topics.map((topic, index) =>
      Promise.all(
        topic.partitions.map(async (p): Promise<PartitionRead> => {
          const deniedCode = refused.get(index);
          if (deniedCode !== undefined) {
            failed = true;
            return { response: empty(p.partition, deniedCode) };
          }
          try {
            if (!readRecords || p.partitionMaxBytes <= 0) {
              const offsets = await listOffsets(ctx, topic.topic, p.partition);
              if (p.fetchOffset < offsets.logStartOffset || p.fetchOffset > offsets.highWatermark) {
                failed = true;
                return { response: { ...empty(p.partition, KAFKA_ERRORS.OFFSET_OUT_OF_RANGE), ...marks(offsets.highWatermark, offsets.logStartOffset) } };
              }
              return { response: { ...empty(p.partition, KAFKA_ERRORS.NONE), ...marks(offsets.highWatermark, offsets.logStartOffset) } };
            }
            if (p.fetchOffset < 0) {
              failed = true;
              return { response: empty(p.partition, KAFKA_ERRORS.OFFSET_OUT_OF_RANGE) };
            }
            const result = await fetchBatches(ctx, {
              topic: topic.topic,
              partition: p.partition,
              offset: p.fetchOffset,
              maxRecords: LIMITS.fetchMaxRecordsMax,
              maxBytes: Math.min(p.partitionMaxBytes, LIMITS.fetchMaxBytesMax),
            });
            return {
              response: { ...empty(p.partition, KAFKA_ERRORS.NONE), ...marks(result.highWatermark, result.logStartOffset) },
              read: kafkaRecordSet(result.batches, p.fetchOffset, result.nextOffset),
            };
          } catch (error) {
            failed = true;
            const { errorCode } = kafkaErrorOf(error);
            if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka fetch of '${topic.topic}'/${p.partition} failed: ${(error as Error)?.stack ?? String(error)}`);
            const response = empty(p.partition, errorCode);
            // An offset out of range tells the client where the log is, as a broker does.
            if (error instanceof SluiceError && error.code === 'OFFSET_OUT_OF_RANGE') {
              Object.assign(response, marks(Number(error.details.highWatermark), Number(error.details.logStartOffset)));
            }
            return { response };
          }
        }),
      ),
    ),
  );

  // The response's MaxBytes, in partition order: the first partition with records always gets them.
  let left = Math.max(0, request.maxBytes);
  let answered = false;
  let recordBytes = 0;
  const responses = topics.map((topic, t) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: read[t]!.map(({ response, read: set }) => {
      if (!set || set.bytes.length === 0) return response;
      // An empty batch (no records) is answered only within MaxBytes, and leaves the
      // first-partition-with-records rule to a partition with records.
      if (set.bytes.length > left && (answered || set.records === 0)) return response;
      if (set.records > 0) answered = true;
      left = Math.max(0, left - set.bytes.length);
      recordBytes += set.recordBytes;
      return { ...response, records: set.bytes };
    }),
  }));
  return { responses, recordBytes, failed };
}

function empty(partitionIndex: number, errorCode: number): FetchPartitionResponse {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: [],
    preferredReadReplica: -1,
    // Empty, not null: brokers answer a zero-length record set, and librdkafka refuses a null one ("invalid MessageSetSize -1").
    records: Buffer.alloc(0),
  };
}

function marks(highWatermark: number, logStartOffset: number): Pick<FetchPartitionResponse, 'highWatermark' | 'lastStableOffset' | 'logStartOffset'> {
  return { highWatermark, lastStableOffset: highWatermark, logStartOffset };
}

const INT32_MAX = 0x7fffffff;

/** A partition's answer: Kafka batches, how many records they answer, and those records' bytes (as the quota counts them). */
export interface KafkaRecordSet {
  bytes: Buffer;
  records: number;
  recordBytes: number;
}

/**
 * The Kafka record set for stored batches read from `fetchOffset`, up to `nextOffset`. A
 * batch wholly inside that range, uncompressed and CreateTime (attributes 0), is answered
 * as stored, with only its header changed (kafkaBatchFromStored): no record decoded or
 * encoded again. Any other (the batch holding `fetchOffset` when it starts below it, one
 * `nextOffset` ends inside, a compressed or LogAppendTime one) is decoded and its records
 * in range answered through encodeFetchedRecords, as before: uncompressed, never a record
 * below the offset asked, whatever the client does with those.
 */
export function kafkaRecordSet(batches: readonly FetchedBatch[], fetchOffset: number, nextOffset: number): KafkaRecordSet {
  const parts: Buffer[] = [];
  let records = 0;
  let recordBytes = 0;
  let pending: OffsetRecord[] = [];
  let pendingFrom = fetchOffset;
  const flush = (until: number) => {
    if (pending.length > 0 || until > pendingFrom) parts.push(encodeFetchedRecords(pending, pendingFrom, until));
    pending = [];
  };
  for (const batch of batches) {
    const header = storedBatchHeader(batch.bytes);
    const last = header ? batch.baseOffset + header.lastOffsetDelta : -1;
    if (header && header.attributes === 0 && batch.baseOffset >= fetchOffset && last < nextOffset) {
      flush(batch.baseOffset);
      parts.push(kafkaBatchFromStored(batch.bytes, LEADER_EPOCH));
      records += header.recordCount;
      // The index item's record bytes would do, but the batch does not carry them: count as the quota does.
      recordBytes += batch.bytes.byteLength;
      pendingFrom = last + 1;
      continue;
    }
    for (const record of decodeBatchAt(batch.bytes, batch.baseOffset)) {
      if (record.offset < fetchOffset || record.offset >= nextOffset) continue;
      pending.push(record);
      records++;
      recordBytes += recordSize(record);
    }
  }
  flush(nextOffset);
  return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), records, recordBytes };
}

/**
 * A fetch's answer from `fetchOffset` as magic-2 batches, concatenated: `records` (offsets
 * increasing, with holes where compaction removed records) up to `nextOffset`, where the
 * next fetch should start (past the last record when compaction removed what followed it).
 *
 * The records go in one batch, holes and all, each record's offsetDelta its offset less
 * the batch's base offset (the first record's), as a batch compaction rewrote: one batch
 * header instead of one per run of contiguous offsets (a log compacted to every other
 * record would otherwise take a 61-byte header per record), and Kafka clients read holes
 * inside a batch (every compacted topic has them). A new batch starts only where an
 * offsetDelta would pass int32.
 *
 * Kafka clients move their fetch position past a batch's last offset (baseOffset +
 * lastOffsetDelta): librdkafka (rdkafka_msgset_reader.c: msetr_next_offset = LastOffset
 * + 1, "to avoid getting stuck on compacted MessageSets", KAFKA-5443), Java
 * (CompletedFetch: nextFetchOffset = currentBatch.nextOffset()) and @platformatic/kafka
 * (messages-stream.js: the last batch's firstOffset + lastOffsetDelta + 1). So the last
 * batch's lastOffsetDelta reaches nextOffset - 1, and with no records but nextOffset past
 * fetchOffset the answer is one batch with no records from fetchOffset to nextOffset - 1,
 * as brokers answer a batch whose records compaction all removed (Kafka keeps such
 * batches: DefaultRecordBatch.writeEmptyHeader). A span past int32 is capped: the client
 * moves as far as it reaches and asks again from there.
 *
 * kafkajs (2.2.4) reads neither: it asks next from its last message's offset + 1, so it
 * skips holes between records but asks again inside a trailing hole until records follow
 * it (fetch-records reads on over holes to the next record, which kafkajs then takes).
 *
 * Nothing to answer (no records and nextOffset not past fetchOffset): an empty buffer.
 */
export function encodeFetchedRecords(records: readonly OffsetRecord[], fetchOffset: number, nextOffset: number): Buffer {
  const batches: Buffer[] = [];
  if (records.length === 0) {
    if (nextOffset > fetchOffset) {
      batches.push(encodeRecordBatch({ partitionLeaderEpoch: LEADER_EPOCH, records: [], baseOffset: fetchOffset, lastOffsetDelta: Math.min(nextOffset - 1 - fetchOffset, INT32_MAX) }));
    }
    return Buffer.concat(batches);
  }
  let start = 0;
  while (start < records.length) {
    const baseOffset = records[start]!.offset;
    let end = start + 1;
    while (end < records.length && records[end]!.offset - baseOffset <= INT32_MAX) end++;
    const lastOffset = records[end - 1]!.offset;
    // The last batch covers the offsets up to nextOffset that compaction left without records.
    const lastOffsetDelta = end === records.length ? Math.min(Math.max(lastOffset, nextOffset - 1) - baseOffset, INT32_MAX) : lastOffset - baseOffset;
    batches.push(encodeRecordBatch({ partitionLeaderEpoch: LEADER_EPOCH, records: records.slice(start, end).map(kafkaRecord), lastOffsetDelta }));
    start = end;
  }
  return Buffer.concat(batches);
}

function kafkaRecord(r: OffsetRecord): KafkaRecord {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength),
    value: r.value === null ? null : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value.buffer, h.value.byteOffset, h.value.byteLength) })),
  };
}
