import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_SUBSCRIPTION_FORM, subscriptionRequest, type SubscriptionForm } from '../../../../lib/console/model/subscription-form';

const FORM: SubscriptionForm = { ...EMPTY_SUBSCRIPTION_FORM, group: ' billing ', topic: 'orders', target: 'https://example.com/hook' };

describe('the create-subscription form', () => {
  it('leaves empty numbers out, so the server’s defaults apply', () => {
    assert.deepEqual(subscriptionRequest(FORM), {
      ok: true,
      group: 'billing',
      request: { topic: 'orders', target: { type: 'https', url: 'https://example.com/hook' }, bisectOnError: true, resetPolicy: 'latest' },
    });
  });

  it('sends the numbers given, a Lambda target and a dead-letter topic', () => {
    const built = subscriptionRequest({ ...FORM, targetType: 'lambda', target: 'arn:aws:lambda:eu-west-1:123456789012:function:f', batchSize: '7', maxRecordAgeSeconds: '-1', deadLetterTopic: 'dead' });
    assert.ok(built.ok);
    assert.deepEqual(built.request.target, { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' });
    assert.equal(built.request.batchSize, 7);
    assert.equal(built.request.maxRecordAgeSeconds, -1);
    assert.equal(built.request.deadLetterTopic, 'dead');
  });

  it('names the first field missing or not a whole number', () => {
    const field = (form: Partial<SubscriptionForm>) => {
      const built = subscriptionRequest({ ...FORM, ...form });
      return built.ok ? undefined : built.field;
    };
    assert.equal(field({ group: ' ' }), 'group');
    assert.equal(field({ topic: '' }), 'topic');
    assert.equal(field({ target: '' }), 'target');
    assert.equal(field({ retryAttempts: '2.5' }), 'retryAttempts');
  });
});
