import type { IncomingRecord } from '../records/record-encoding';
import type { SluiceContext } from '../core/context';
import { OffsetOutOfRangeError } from '../core/errors';
import { fetchRecords } from '../log/fetch-records';
import { produce } from '../log/produce';
import { LIMITS } from '../protocol/limits';
import type { OffsetRecord } from '../records/log-record';
import { readMeta, readOffset } from '../store/group-store';
import type { DeliveryFailure, DeliveryLease, Subscription } from '../store/subscription-items';
import { acquireLease, commitPastBatch, recordDeliveryFailure, releaseLease, type LeaseRef } from '../store/subscription-store';
import { readHead } from '../store/partition-head-store';
import { getTopic } from '../topics/topic-repository';
import { deliveryId } from './signature';
import type { Deliver } from './targets';
import { recordMetric } from '../observability/metrics';

export interface DeliveryOptions {
  /** Who delivers (one id per dispatcher invocation): the lease holder. */
  holder: string;
  /** Stop starting new work at this time (ms), well inside the function's timeout. */
  deadline: number;
  deliver: Deliver;
}

export interface DeliveryOutcome {
  status: 'caught-up' | 'busy' | 'backoff' | 'deferred' | 'deadline' | 'fenced';
  delivered: number;
  deadLettered: number;
}

/** In-invocation retries wait at most this long; longer backoffs are left to the next dispatch. */
const MAX_INLINE_BACKOFF_MS = 5_000;
const LEASE_MARGIN_MS = 30_000;

/**
 * Delivers one (group, partition) from its committed offset, in offset order, at least
 * once: a batch is committed only after the target acknowledged it. Exclusive: a lease
 * with an epoch is taken first, and every commit is conditional on still holding it,
 * so a second dispatcher can neither deliver concurrently nor commit over the first.
 *
 * A failing batch is split in halves (bisect) until the failure is one record; that
 * record is retried with exponential backoff, and after `retryAttempts` retries or past
 * `maxRecordAgeSeconds` it goes to the dead-letter topic and delivery moves on. These
 * are the controls of Lambda's event source mapping.
 */
export async function deliverPartition(ctx: SluiceContext, subscription: Subscription, partition: number, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { status: 'caught-up', delivered: 0, deadLettered: 0 };
  const ref: LeaseRef = { group: subscription.group, topic: subscription.topic, partition };
  const acquired = await acquireLease(ctx, ref, { holder: options.holder, expiresAt: options.deadline + LEASE_MARGIN_MS, now: ctx.now() });
  if (acquired.kind === 'held') return { ...outcome, status: 'busy' };
  let lease: DeliveryLease = acquired.lease;
  try {
    if (lease.nextAttemptAt > ctx.now()) return { ...outcome, status: 'backoff' };
    for (;;) {
      if (ctx.now() >= options.deadline) return { ...outcome, status: 'deadline' };
      let records = await nextRecords(ctx, subscription, partition);
      if (records.length === 0) return outcome;
      if (records.length < subscription.batchSize && subscription.batchingWindowMs > 0) {
        // Gather a fuller batch, as the event source mapping's batching window does.
        await ctx.sleep(Math.min(subscription.batchingWindowMs, Math.max(0, options.deadline - ctx.now())));
        records = await nextRecords(ctx, subscription, partition);
      }
      const queue: OffsetRecord[][] = [records];
      // Failed requests of a batch being bisected, counted into the next failure written.
      let unrecordedFailures = 0;
      while (queue.length > 0) {
        const batch = queue[0]!;
        try {
          const id = deliveryId({
            group: subscription.group,
            topic: subscription.topic,
            subscriptionCreatedAt: subscription.createdAt,
            partition,
            firstOffset: batch[0]!.offset,
            lastOffset: batch.at(-1)!.offset,
          });
          await options.deliver(subscription.target, subscription.secret, deliveryBody(subscription, partition, batch, lease.attempts + 1), id);
        } catch (error) {
          if (subscription.bisectOnError && batch.length > 1) {
            unrecordedFailures++;
            const half = Math.ceil(batch.length / 2);
            queue.splice(0, 1, batch.slice(0, half), batch.slice(half));
            continue;
          }
          recordMetric('DeliveryFailures', 'Count', 1);
          const attempts: number = lease.attempts + 1;
          const reason = (error instanceof Error ? error.message : String(error)).slice(0, MAX_REASON_LENGTH);
          const failure: DeliveryFailure = { consecutiveFailures: lease.consecutiveFailures + unrecordedFailures + 1, lastError: reason, lastErrorAt: ctx.now() };
          unrecordedFailures = 0;
          const tooOld = subscription.maxRecordAgeSeconds >= 0 && ctx.now() - batch[0]!.timestamp > subscription.maxRecordAgeSeconds * 1000;
          if (attempts > subscription.retryAttempts || tooOld) {
            await deadLetter(ctx, subscription, partition, batch, tooOld ? `record older than ${subscription.maxRecordAgeSeconds} s: ${reason}` : reason);
            // Dead-lettering is not an acknowledgement: the failure count and the reason stay.
            if (!(await commitPast(ctx, ref, lease, batch, failure))) return { ...outcome, status: 'fenced' };
            lease = { ...lease, attempts: 0, nextAttemptAt: 0, ...failure };
            outcome.deadLettered += batch.length;
            recordMetric('DeadLettered', 'Count', batch.length);
            queue.shift();
            continue;
          }
          const backoff = Math.min(60_000, 200 * 2 ** attempts);
          const retryAt = ctx.now() + backoff;
          if ((await recordDeliveryFailure(ctx, ref, lease, { attempts, nextAttemptAt: retryAt, failure })) === 'fenced') return { ...outcome, status: 'fenced' };
          lease = { ...lease, attempts, nextAttemptAt: retryAt, ...failure };
          if (backoff > MAX_INLINE_BACKOFF_MS || retryAt >= options.deadline) return { ...outcome, status: 'deferred' };
          await ctx.sleep(backoff);
          continue;
        }
        if (!(await commitPast(ctx, ref, lease, batch))) return { ...outcome, status: 'fenced' };
        lease = { ...lease, attempts: 0, nextAttemptAt: 0, consecutiveFailures: 0 };
        outcome.delivered += batch.length;
        queue.shift();
      }
    }
  } finally {
    // Fenced: another dispatcher holds it now, and it is theirs to release.
    await releaseLease(ctx, ref, lease);
  }
}

const MAX_REASON_LENGTH = 1000;

/**
 * Commits the group offset past a batch, only while this dispatcher still holds the
 * lease: past a delivered batch (the failure count back to 0; the last error and its
 * time stay, as history), or past a dead-lettered one with the `failure` that sent it
 * there. False when it no longer may: fenced by another dispatcher, or cancelled for
 * another reason, when the next dispatch delivers the batch again (at least once).
 */
async function commitPast(ctx: SluiceContext, ref: LeaseRef, lease: DeliveryLease, batch: OffsetRecord[], failure?: DeliveryFailure): Promise<boolean> {
  return (await commitPastBatch(ctx, ref, lease, { nextOffset: batch.at(-1)!.offset + 1, now: ctx.now(), failure })) === 'committed';
}

/** The records after the committed offset (or from the reset policy's end), one batch's worth. */
async function nextRecords(ctx: SluiceContext, subscription: Subscription, partition: number): Promise<OffsetRecord[]> {
  const committed = await readOffset(ctx, subscription.group, subscription.topic, partition);
  let offset: number;
  if (committed) {
    offset = committed.offset;
  } else {
    const meta = await readMeta(ctx, subscription.group);
    const head = await readHead(ctx, (await getTopic(ctx, subscription.topic)).topicId, partition);
    offset = meta?.resetPolicy === 'earliest' ? head.logStartOffset : head.nextOffset;
  }
  const read = (from: number) =>
    fetchRecords(ctx, { topic: subscription.topic, partition, offset: from, maxRecords: subscription.batchSize, maxBytes: LIMITS.fetchMaxBytesMax });
  try {
    return (await read(offset)).records;
  } catch (error) {
    // Records before the log start are gone; resume at the earliest still readable.
    if (error instanceof OffsetOutOfRangeError && offset < Number(error.details.logStartOffset)) return (await read(Number(error.details.logStartOffset))).records;
    throw error;
  }
}

function deliveryBody(subscription: Subscription, partition: number, batch: OffsetRecord[], attempt: number): string {
  const b64 = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('base64'));
  return JSON.stringify({
    group: subscription.group,
    topic: subscription.topic,
    partition,
    deliveryAttempt: attempt,
    records: batch.map((r) => ({
      offset: r.offset,
      timestamp: r.timestamp,
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
    })),
  });
}

/** Writes undeliverable records to the dead-letter topic, with where they came from and why. */
async function deadLetter(ctx: SluiceContext, subscription: Subscription, partition: number, batch: OffsetRecord[], reason: string): Promise<void> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const records: IncomingRecord[] = batch.map((r) => ({
    key: r.key,
    value: r.value,
    timestamp: r.timestamp,
    headers: [
      ...r.headers,
      { key: 'sluice.dlq.group', value: text(subscription.group) },
      { key: 'sluice.dlq.topic', value: text(subscription.topic) },
      { key: 'sluice.dlq.partition', value: text(String(partition)) },
      { key: 'sluice.dlq.offset', value: text(String(r.offset)) },
      { key: 'sluice.dlq.error', value: text(reason.slice(0, MAX_REASON_LENGTH)) },
    ],
  }));
  await produce(ctx, subscription.deadLetterTopic, records);
}
