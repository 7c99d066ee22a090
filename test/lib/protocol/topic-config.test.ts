import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alterTopicConfigRequestSchema, createTopicRequestSchema } from '../../../lib/protocol/requests';
import { parseInput } from '../../../lib/core/validate';
import { ValidationError } from '../../../lib/core/errors';
import { DEFAULT_RETENTION_ENV_VAR, DEFAULT_RETENTION_MS, defaultRetentionMsFromEnv, retentionMsFor } from '../../../lib/retention/retention-settings';
import { parseRetentionMs, retentionMsOf, UNLIMITED_RETENTION } from '../../../lib/protocol/topic-config';

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail('expected a ValidationError');
}

const createWith = (config: Record<string, unknown>) => parseInput(createTopicRequestSchema, { name: 'orders', config });

describe('retention.ms topic config', () => {
  for (const value of ['1', '60000', '604800000', '9007199254740991', '9223372036854775807', '-1']) {
    it(`accepts ${value}`, () => {
      assert.deepEqual(createWith({ 'retention.ms': value }).config, { 'retention.ms': value });
    });
  }

  for (const value of ['0', '-2', '1.5', '1e3', '+5', '007', ' 60000', '60000 ', 'seven days', '', '-1.0']) {
    it(`refuses ${JSON.stringify(value)} with a 400 naming the key`, () => {
      const error = refusal(() => createWith({ 'retention.ms': value }));
      assert.equal(error.status, 400);
      assert.equal(error.details.field, 'config.retention.ms');
      assert.match(error.message, /config\.retention\.ms: must be a whole number of milliseconds, at least 1 \(as a string\), or -1 for unlimited/);
    });
  }

  it('refuses a value past 2^63-1 with a 400 naming the key and the limit (as a string, past what JSON numbers hold)', () => {
    const error = refusal(() => createWith({ 'retention.ms': '9223372036854775808' }));
    assert.equal(error.details.field, 'config.retention.ms');
    assert.equal(error.details.limit, '9223372036854775807');
    assert.match(error.message, /must be at most 9223372036854775807/);
  });

  it('refuses a number instead of a string, naming the key', () => {
    const error = refusal(() => createWith({ 'retention.ms': 604800000 }));
    assert.equal(error.details.field, 'config.retention.ms');
  });

  it('keeps the other keys as they were', () => {
    const config = { 'retention.ms': '86400000', 'compression.type': 'zstd', 'message.timestamp.type': 'LogAppendTime' };
    assert.deepEqual(createWith(config).config, config);
  });

  it('parses Kafka-style values; past 2^53-1 ms it is as good as unlimited and comes back as the largest safe integer', () => {
    assert.equal(parseRetentionMs('604800000'), 604_800_000);
    assert.equal(parseRetentionMs('-1'), UNLIMITED_RETENTION);
    assert.equal(parseRetentionMs('9223372036854775807'), Number.MAX_SAFE_INTEGER);
    assert.equal(parseRetentionMs('0'), undefined);
    assert.equal(retentionMsOf({}), undefined);
    assert.equal(retentionMsOf({ 'retention.ms': '1000' }), 1000);
  });
});

describe('default retention', () => {
  it("is Kafka's seven days unless the environment says otherwise", () => {
    assert.equal(DEFAULT_RETENTION_MS, 7 * 24 * 3600 * 1000);
    assert.equal(defaultRetentionMsFromEnv({}), DEFAULT_RETENTION_MS);
    assert.equal(defaultRetentionMsFromEnv({ [DEFAULT_RETENTION_ENV_VAR]: '3600000' }), 3_600_000);
    assert.equal(defaultRetentionMsFromEnv({ [DEFAULT_RETENTION_ENV_VAR]: '-1' }), UNLIMITED_RETENTION);
  });

  it('refuses a default that retention.ms would refuse, naming the variable', () => {
    assert.throws(() => defaultRetentionMsFromEnv({ [DEFAULT_RETENTION_ENV_VAR]: '0' }), /SLUICE_DEFAULT_RETENTION_MS must be/);
    assert.throws(() => defaultRetentionMsFromEnv({ [DEFAULT_RETENTION_ENV_VAR]: '7d' }), /SLUICE_DEFAULT_RETENTION_MS must be/);
  });

  it("applies to topics without retention.ms; a topic's own value, -1 included, wins", () => {
    assert.equal(retentionMsFor({}, 5000), 5000);
    assert.equal(retentionMsFor({ 'retention.ms': '1000' }, 5000), 1000);
    assert.equal(retentionMsFor({ 'retention.ms': '-1' }, 5000), UNLIMITED_RETENTION);
    assert.equal(retentionMsFor({ 'retention.ms': '1000' }, UNLIMITED_RETENTION), 1000);
  });
});

describe('a config change (PATCH /v1/topics/{topic})', () => {
  const alterWith = (config: unknown) => parseInput(alterTopicConfigRequestSchema, JSON.parse(JSON.stringify({ config })));

  it('takes a value for every key create takes, and null to remove it', () => {
    const change = { 'retention.ms': '-1', 'compression.type': 'zstd', 'message.timestamp.type': null };
    assert.deepEqual(alterWith(change).config, change);
  });

  for (const [title, config, field] of [
    ['an unknown key, even to remove it', { 'cleanup.policy': null }, 'config.cleanup.policy'],
    // The record parser drops a `__proto__` key, so nothing is left to change.
    ['a change whose only key is __proto__', JSON.parse('{"__proto__": "1"}'), 'config'],
    ['a value create refuses', { 'retention.ms': '007' }, 'config.retention.ms'],
    ['a value that is not a string or null', { 'compression.type': 1 }, 'config.compression.type'],
    ['no key', {}, 'config'],
  ] as const) {
    it(`refuses ${title} with a 400 naming ${field}`, () => {
      assert.equal(refusal(() => parseInput(alterTopicConfigRequestSchema, { config })).details.field, field);
    });
  }

  it('refuses a value past the config value limit, naming it', () => {
    const error = refusal(() => alterWith({ 'compression.type': 'x'.repeat(1025) }));
    assert.deepEqual([error.details.field, error.details.limit], ['config.compression.type', 1024]);
  });
});
