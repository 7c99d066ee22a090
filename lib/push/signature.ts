import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `sluice-signature` header on push deliveries: `t=<ms>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` with the subscription's secret. A receiver recomputes it and checks
 * `t` is recent, which rejects forged and replayed requests.
 */
export const SIGNATURE_HEADER = 'sluice-signature';

export function signDelivery(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verifyDelivery(secret: string, body: string, header: string, now: number, toleranceMs = 5 * 60_000): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > toleranceMs || !parts.v1) return false;
  const expected = Buffer.from(signDelivery(secret, body, timestamp).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
