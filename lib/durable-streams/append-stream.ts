import type { SluiceContext } from '../core/context';
import { produce } from '../log/produce';
import { closedByOf, type StreamAppend } from '../log/stream-append-check';
import { ProducerEpochStaleError, ProducerSequenceGapError } from '../log/stream-append-errors';
import { closeHead, readHead } from '../store/partition-head-store';
import { readCommitItems } from '../store/commit-transaction';
import type { IncomingRecord } from '../records/record-encoding';
import type { OpenStream } from './stream-registry';

export type AppendOutcome =
  /** Written (or, with no records, closed): the stream's tail after it, and whether it is closed now. */
  | { kind: 'appended'; nextOffset: number; closed: boolean }
  /** A retry of an append already accepted: nothing written; what that append left. */
  | { kind: 'duplicate'; nextOffset: number; closed: boolean; lastSeq: number };

/**
 * Appends to a stream through the log's own produce path: one S3 object, one
 * conditional transaction, durable before the answer. Closure, `Stream-Seq` and the
 * protocol's producer are checked and written in that same transaction
 * (lib/log/stream-append-check.ts). With no records the request is a close.
 */
export async function appendToStream(ctx: SluiceContext, stream: OpenStream, records: readonly IncomingRecord[], append: StreamAppend): Promise<AppendOutcome> {
  if (records.length === 0) return closeStream(ctx, stream, append);
  const result = await produce(ctx, stream.topic.name, records.map((r) => ({ ...r, partition: 0 })), { stream: append });
  if (result.streamDuplicate) return { kind: 'duplicate', nextOffset: result.streamDuplicate.nextOffset, closed: result.streamDuplicate.closed, lastSeq: result.streamDuplicate.lastSeq };
  const last = result.records.at(-1)!;
  return { kind: 'appended', nextOffset: last.offset + 1, closed: append.close === true };
}

/**
 * A close without data. The producer, if named, is checked as for an append (a stale
 * epoch is fenced, a retry of the close is a duplicate) and recorded on the head as the
 * closer; its sequence needs no item of its own, since nothing can follow a close.
 */
async function closeStream(ctx: SluiceContext, stream: OpenStream, append: StreamAppend): Promise<AppendOutcome> {
  const { topicId } = stream.topic;
  const producer = append.producer;
  if (producer) {
    const items = await readCommitItems(ctx, topicId, [0], undefined, producer.id);
    const state = items.streamProducer;
    if (state && producer.epoch < state.epoch) throw new ProducerEpochStaleError(producer.epoch, state.epoch);
    // On an open stream the sequence must follow on (a gap is refused); closing a closed stream again is idempotent.
    if (items.heads.get(0)?.closedAt === undefined && state && producer.epoch === state.epoch && producer.seq > state.lastSeq + 1) {
      throw new ProducerSequenceGapError(state.lastSeq + 1, producer.seq);
    }
  }
  const outcome = await closeHead(ctx, stream.topic, 0, { at: ctx.now(), ...(producer ? { by: closedByOf(producer) } : {}) });
  return { kind: 'appended', nextOffset: outcome.head.nextOffset, closed: true };
}

/** The stream's tail and closure, as HEAD and the create's comparison need them. */
export async function streamTail(ctx: SluiceContext, stream: OpenStream): Promise<{ nextOffset: number; closed: boolean; head: Awaited<ReturnType<typeof readHead>> }> {
  const head = await readHead(ctx, stream.topic.topicId, 0);
  return { nextOffset: head.nextOffset, closed: head.closedAt !== undefined, head };
}
