import type { ResetPolicy, Subscription, SubscriptionDescription, SubscriptionRequest } from '../../lib/client/types';
import { type GlobalOptions, clientFor } from './common';
import { positionsTable } from './groups';
import { isoTime, out, table } from './output';

/** `sluice subscribe`, `sluice subscription describe` and `sluice unsubscribe`: push subscriptions. */

export interface SubscribeOptions {
  https?: string;
  lambda?: string;
  batchSize?: number;
  batchingWindowMs?: number;
  retryAttempts?: number;
  maxRecordAgeSeconds?: number;
  bisect: boolean;
  deadLetterTopic?: string;
  reset?: ResetPolicy;
  secret?: string;
}

export function targetText(subscription: Subscription): string {
  const target = subscription.target;
  return target.type === 'https' ? `POST ${target.url}` : `Lambda function ${target.functionArn}`;
}

export function subscriptionText(s: Subscription): string {
  return (
    `Group:              ${s.group}\n` +
    `Topic:              ${s.topic}\n` +
    `Target:             ${targetText(s)}\n` +
    `Batch size:         ${s.batchSize}\n` +
    `Batching window:    ${s.batchingWindowMs} ms\n` +
    `Retry attempts:     ${s.retryAttempts}\n` +
    `Max record age:     ${s.maxRecordAgeSeconds === -1 ? 'no limit' : `${s.maxRecordAgeSeconds} s`}\n` +
    `Bisect on error:    ${s.bisectOnError ? 'yes' : 'no'}\n` +
    `Dead-letter topic:  ${s.deadLetterTopic}\n` +
    `Created:            ${isoTime(s.createdAt)}\n`
  );
}

export async function subscribe(group: string, topic: string, opts: SubscribeOptions, globals: GlobalOptions): Promise<void> {
  const body: SubscriptionRequest = {
    topic,
    target: opts.https !== undefined ? { type: 'https', url: opts.https } : { type: 'lambda', functionArn: opts.lambda ?? '' },
    ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
    ...(opts.batchingWindowMs !== undefined && { batchingWindowMs: opts.batchingWindowMs }),
    ...(opts.retryAttempts !== undefined && { retryAttempts: opts.retryAttempts }),
    ...(opts.maxRecordAgeSeconds !== undefined && { maxRecordAgeSeconds: opts.maxRecordAgeSeconds }),
    ...(!opts.bisect && { bisectOnError: false }),
    ...(opts.deadLetterTopic !== undefined && { deadLetterTopic: opts.deadLetterTopic }),
    ...(opts.reset !== undefined && { resetPolicy: opts.reset }),
    ...(opts.secret !== undefined && { secret: opts.secret }),
  };
  const created = await clientFor(globals).putSubscription(group, body);
  if (globals.json) return out(`${JSON.stringify(created)}\n`);
  const { secret, ...subscription } = created;
  await out(
    `Group '${group}' now pushes topic '${created.topic}' to ${targetText(created)}.\n\n` +
      subscriptionText(subscription) +
      `\nSecret:             ${secret}\n` +
      // Standard Webhooks libraries take the key as whsec_ + base64; the key is the secret's UTF-8 bytes.
      `Standard Webhooks:  whsec_${Buffer.from(secret, 'utf8').toString('base64')}\n` +
      `The secret is shown only once: keep it to verify each delivery's webhook-signature (or legacy sluice-signature) header.\n`,
  );
}

/** The delivery health lines under the controls: failing or healthy, and the latest error of any partition. */
export function deliveryText(described: SubscriptionDescription): string {
  const { delivery, partitions } = described;
  if (!delivery) return '';
  let text = `Delivery:           ${delivery.failingPartitions > 0 ? `failing on ${delivery.failingPartitions} of ${partitions.length} partitions` : 'healthy'}\n`;
  if (delivery.lastError !== null && delivery.lastErrorAt !== null) {
    text += `Last error:         ${isoTime(delivery.lastErrorAt)} on partition ${delivery.lastErrorPartition}: ${delivery.lastError}\n`;
  }
  return text;
}

/** Per partition: consecutive failures, when the last error was, when the next retry is, and the error; only if some partition has one. */
export function failuresTable(partitions: SubscriptionDescription['partitions']): string {
  const failed = partitions.filter((p) => p.lastError != null || (p.consecutiveFailures ?? 0) > 0).sort((a, b) => a.partition - b.partition);
  if (failed.length === 0) return '';
  return table(
    ['PARTITION', 'CONSECUTIVE-FAILURES', 'LAST-ERROR-AT', 'NEXT-ATTEMPT-AT', 'LAST-ERROR'],
    failed.map((p) => [
      p.partition,
      p.consecutiveFailures ?? 0,
      p.lastErrorAt == null ? '-' : isoTime(p.lastErrorAt),
      p.nextAttemptAt == null ? '-' : isoTime(p.nextAttemptAt),
      p.lastError ?? '-',
    ]),
  );
}

export async function describeSubscription(group: string, globals: GlobalOptions): Promise<void> {
  const described = await clientFor(globals).getSubscription(group);
  if (globals.json) return out(`${JSON.stringify(described)}\n`);
  const { partitions, totalLag, ...subscription } = described;
  let text = subscriptionText(subscription) + deliveryText(described);
  if ((partitions ?? []).length > 0) text += `\n${positionsTable(partitions)}`;
  const failures = failuresTable(partitions ?? []);
  if (failures) text += `\n${failures}`;
  text += `\nTotal lag: ${totalLag}\n`;
  await out(text);
}

export async function unsubscribe(group: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteSubscription(group);
  await out(globals.json ? `${JSON.stringify({ group, deleted: true })}\n` : `Deleted the push subscription of group '${group}'; its committed offsets remain.\n`);
}
