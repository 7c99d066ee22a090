import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How push deliveries are signed, so a receiver can tell they come from Sluice and
 * reject forged and replayed requests. Two schemes, both with the subscription's secret:
 *
 * - Standard Webhooks (https://www.standardwebhooks.com/): `webhook-id`,
 *   `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 *   "<id>.<timestamp>.<body>">`, which the Standard Webhooks libraries verify. Their
 *   secrets are `whsec_<base64 of the key bytes>`; a Sluice secret is a string of 16–256
 *   characters, and its key bytes are its UTF-8 bytes, so a receiver configures
 *   `standardWebhooksSecret(secret)`: `whsec_` + base64 of them.
 * - The older `sluice-signature: t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, still sent
 *   beside it for one version so receivers can move over; then it goes.
 */
export const SIGNATURE_HEADER = 'sluice-signature';

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
const WHSEC_PREFIX = 'whsec_';

/** The legacy `sluice-signature` value. */
export function signDelivery(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a legacy `sluice-signature` value, and that its time is within `toleranceMs` of `now`. */
export function verifyDelivery(secret: string, body: string, header: string, now: number, toleranceMs = 5 * 60_000): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > toleranceMs || !parts.v1) return false;
  const expected = Buffer.from(signDelivery(secret, body, timestamp).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The subscription's secret as Standard Webhooks libraries take it: `whsec_` + base64 of its UTF-8 bytes. */
export function standardWebhooksSecret(secret: string): string {
  return WHSEC_PREFIX + Buffer.from(secret, 'utf8').toString('base64');
}

/** What identifies one delivery: the same records of the same subscription, however often it is retried. */
export interface DeliveryIdentity {
  group: string;
  topic: string;
  /** When the subscription was created (ms): a subscription made again later, over offsets that start again, gets new ids. */
  subscriptionCreatedAt: number;
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

/**
 * The `webhook-id` of a delivery: stable across retries of the same batch (the offsets
 * name its records), so a receiver can drop a repeat of what it already took (delivery is
 * at least once). A batch split by bisection is other records, so each half has its own.
 * Hashed, so names of any length or alphabet make a short header value.
 */
export function deliveryId(identity: DeliveryIdentity): string {
  const { group, topic, subscriptionCreatedAt, partition, firstOffset, lastOffset } = identity;
  const digest = createHash('sha256').update(JSON.stringify([group, topic, subscriptionCreatedAt, partition, firstOffset, lastOffset])).digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}

/** The Standard Webhooks headers of a delivery `id` of `body` sent at `timestampMs`. */
export function standardWebhookHeaders(secret: string, id: string, body: string, timestampMs: number): Record<string, string> {
  const seconds = Math.floor(timestampMs / 1000);
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${seconds}.${body}`).digest('base64');
  return { [WEBHOOK_ID_HEADER]: id, [WEBHOOK_TIMESTAMP_HEADER]: String(seconds), [WEBHOOK_SIGNATURE_HEADER]: `v1,${signature}` };
}

/** Every signature header of a delivery: Standard Webhooks' and the legacy `sluice-signature`. */
export function signatureHeaders(secret: string, id: string, body: string, timestampMs: number): Record<string, string> {
  return { ...standardWebhookHeaders(secret, id, body, timestampMs), [SIGNATURE_HEADER]: signDelivery(secret, body, timestampMs) };
}
