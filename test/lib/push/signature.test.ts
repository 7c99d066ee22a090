import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { deliveryId, signDelivery, signatureHeaders, standardWebhooksSecret, verifyDelivery, type DeliveryIdentity } from '../../../lib/push/signature';

/** A body as deliver-partition builds it, with non-ASCII in it to catch any re-encoding. */
const BODY = JSON.stringify({
  group: 'billing',
  topic: 'orders',
  partition: 3,
  deliveryAttempt: 2,
  records: [{ offset: 41, timestamp: 1_765_000_000_000, key: Buffer.from('clé').toString('base64'), value: Buffer.from('{"total":"12 €"}').toString('base64'), headers: [] }],
});

const IDENTITY: DeliveryIdentity = { group: 'billing', topic: 'orders', subscriptionCreatedAt: 1_765_000_000_000, partition: 3, firstOffset: 41, lastOffset: 41 };

describe('push delivery signature', () => {
  it('is accepted by the standardwebhooks library configured with the whsec_ form of the secret', () => {
    const secret = 'Zx3-random-secret_of_the_subscription';
    const headers = signatureHeaders(secret, deliveryId(IDENTITY), BODY, Date.now());
    assert.deepEqual(new Webhook(standardWebhooksSecret(secret)).verify(BODY, headers), JSON.parse(BODY));
  });

  it('is refused by the standardwebhooks library for another secret or a changed body', () => {
    const headers = signatureHeaders('the-right-secret-123', 'msg_1', BODY, Date.now());
    assert.throws(() => new Webhook(standardWebhooksSecret('the-wrong-secret-123')).verify(BODY, headers), /No matching signature/);
    assert.throws(() => new Webhook(standardWebhooksSecret('the-right-secret-123')).verify(BODY.replace('"partition":3', '"partition":4'), headers), /No matching signature/);
  });

  it('gives webhook-timestamp in Unix seconds', () => {
    assert.equal(signatureHeaders('s'.repeat(16), 'msg_1', BODY, 1_765_000_123_999)['webhook-timestamp'], '1765000123');
  });

  it('keeps the legacy sluice-signature, which verifyDelivery accepts', () => {
    const now = Date.now();
    const headers = signatureHeaders('the-right-secret-123', 'msg_1', BODY, now);
    assert.equal(headers['sluice-signature'], signDelivery('the-right-secret-123', BODY, now));
    assert.ok(verifyDelivery('the-right-secret-123', BODY, headers['sluice-signature']!, now));
  });

  it('writes the secret as whsec_ and the base64 of its UTF-8 bytes', () => {
    assert.equal(standardWebhooksSecret('clé-secrète'), `whsec_${Buffer.from('clé-secrète', 'utf8').toString('base64')}`);
  });
});

describe('delivery id', () => {
  it('is the same for the same records of the same subscription', () => {
    assert.equal(deliveryId(IDENTITY), deliveryId({ ...IDENTITY }));
  });

  it('differs when any part of what identifies the delivery differs', () => {
    const others: DeliveryIdentity[] = [
      { ...IDENTITY, group: 'billing2' },
      { ...IDENTITY, topic: 'orders2' },
      { ...IDENTITY, subscriptionCreatedAt: IDENTITY.subscriptionCreatedAt + 1 },
      { ...IDENTITY, partition: 4 },
      { ...IDENTITY, firstOffset: 40 },
      { ...IDENTITY, lastOffset: 42 },
      // Names that would run together if joined by a separator they may contain.
      { ...IDENTITY, group: 'billing.orders', topic: '' },
    ];
    const ids = new Set([IDENTITY, ...others].map(deliveryId));
    assert.equal(ids.size, others.length + 1);
  });

  it('is a short header-safe token', () => {
    assert.match(deliveryId({ ...IDENTITY, group: 'a group with spaces and ünïcode'.repeat(20) }), /^msg_[A-Za-z0-9_-]{32}$/);
  });
});
