import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alterTopicConfigRequestSchema, createTopicRequestSchema } from '../../../lib/protocol/requests';
import { parseInput } from '../../../lib/core/validate';
import { ValidationError } from '../../../lib/core/errors';
import { DEFAULT_RETENTION_ENV_VAR, DEFAULT_RETENTION_MS, defaultRetentionMsFromEnv, retentionMsFor } from '../../../lib/retention/retention-settings';
import {
  compactionSettingsOf,
  DEFAULT_CLEANUP_POLICY,
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_MAX_COMPACTION_LAG_MS,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  DEFAULT_MIN_COMPACTION_LAG_MS,
  parseRetentionMs,
  retentionMsOf,
  UNLIMITED_RETENTION,
} from '../../../lib/protocol/topic-config';

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
    ['an unknown key, even to remove it', { 'segment.bytes': null }, 'config.segment.bytes'],
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

const LONG_MAX = '9223372036854775807';

describe('cleanup.policy topic config', () => {
  for (const value of ['delete', 'compact', 'compact,delete', 'delete,compact']) {
    it(`accepts ${value}, stored as given`, () => {
      assert.deepEqual(createWith({ 'cleanup.policy': value }).config, { 'cleanup.policy': value });
    });
  }

  for (const value of ['Delete', 'compact, delete', 'compact,compact', 'delete,', '', 'none']) {
    it(`refuses ${JSON.stringify(value)} with a 400 naming the key and the policies it takes`, () => {
      const error = refusal(() => createWith({ 'cleanup.policy': value }));
      assert.equal(error.status, 400);
      assert.equal(error.details.field, 'config.cleanup.policy');
      assert.match(error.message, /config\.cleanup\.policy: must be "delete", "compact", "compact,delete" or "delete,compact"/);
    });
  }
});

// delete.retention.ms and min.compaction.lag.ms: Kafka longs, at least 0.
for (const key of ['delete.retention.ms', 'min.compaction.lag.ms']) {
  describe(`${key} topic config`, () => {
    for (const value of ['0', '86400000', LONG_MAX]) {
      it(`accepts ${value}`, () => {
        assert.deepEqual(createWith({ [key]: value }).config, { [key]: value });
      });
    }

    it('refuses a negative value with a 400 naming the key and the limit 0', () => {
      const error = refusal(() => createWith({ [key]: '-1' }));
      assert.deepEqual([error.status, error.details.field, error.details.limit], [400, `config.${key}`, 0]);
      assert.match(error.message, /must be at least 0$/);
    });

    it('refuses a value past 2^63-1 with a 400 naming the limit, as a string', () => {
      const error = refusal(() => createWith({ [key]: '9223372036854775808' }));
      assert.deepEqual([error.details.field, error.details.limit], [`config.${key}`, LONG_MAX]);
      assert.match(error.message, /must be at most 9223372036854775807/);
    });

    for (const value of ['1.5', '1e3', '+5', '007', '-0', ' 1', 'a day', '']) {
      it(`refuses ${JSON.stringify(value)} as not a whole number, naming the limit 0`, () => {
        const error = refusal(() => createWith({ [key]: value }));
        assert.equal(error.details.field, `config.${key}`);
        assert.match(error.message, /must be a whole number of milliseconds, at least 0 \(as a string\)/);
      });
    }
  });
}

describe('max.compaction.lag.ms topic config', () => {
  for (const value of ['1', '3600000', LONG_MAX]) {
    it(`accepts ${value}`, () => {
      assert.deepEqual(createWith({ 'max.compaction.lag.ms': value }).config, { 'max.compaction.lag.ms': value });
    });
  }

  it('refuses 0 with a 400 naming the key and the limit 1', () => {
    const error = refusal(() => createWith({ 'max.compaction.lag.ms': '0' }));
    assert.deepEqual([error.status, error.details.field, error.details.limit], [400, 'config.max.compaction.lag.ms', 1]);
    assert.match(error.message, /must be at least 1$/);
  });

  it('refuses a value past 2^63-1 with a 400 naming the limit, as a string', () => {
    const error = refusal(() => createWith({ 'max.compaction.lag.ms': '9223372036854775808' }));
    assert.deepEqual([error.details.field, error.details.limit], ['config.max.compaction.lag.ms', LONG_MAX]);
  });

  it('refuses a min.compaction.lag.ms above it, as Kafka does, naming min.compaction.lag.ms and the max as the limit', () => {
    const error = refusal(() => createWith({ 'min.compaction.lag.ms': '5000', 'max.compaction.lag.ms': '1000' }));
    assert.deepEqual([error.details.field, error.details.limit], ['config.min.compaction.lag.ms', '1000']);
    assert.match(error.message, /must be at most max\.compaction\.lag\.ms \(1000\)/);
  });

  it('accepts a min.compaction.lag.ms equal to it', () => {
    const config = { 'min.compaction.lag.ms': '1000', 'max.compaction.lag.ms': '1000' };
    assert.deepEqual(createWith(config).config, config);
  });
});

describe('min.cleanable.dirty.ratio topic config', () => {
  for (const value of ['0', '0.5', '1', '1.0', '.25', '0.000001']) {
    it(`accepts ${value}`, () => {
      assert.deepEqual(createWith({ 'min.cleanable.dirty.ratio': value }).config, { 'min.cleanable.dirty.ratio': value });
    });
  }

  it('refuses a value above 1 with a 400 naming the limit 1', () => {
    const error = refusal(() => createWith({ 'min.cleanable.dirty.ratio': '1.01' }));
    assert.deepEqual([error.status, error.details.field, error.details.limit], [400, 'config.min.cleanable.dirty.ratio', 1]);
    assert.match(error.message, /must be at most 1$/);
  });

  for (const value of ['-0.1', '-0']) {
    it(`refuses ${value} with a 400 naming the limit 0`, () => {
      const error = refusal(() => createWith({ 'min.cleanable.dirty.ratio': value }));
      assert.deepEqual([error.details.field, error.details.limit], ['config.min.cleanable.dirty.ratio', 0]);
      assert.match(error.message, /must be at least 0$/);
    });
  }

  for (const value of ['half', '5e-1', '0.5 ', '1.', 'NaN', '']) {
    it(`refuses ${JSON.stringify(value)} as not a decimal from 0 to 1`, () => {
      const error = refusal(() => createWith({ 'min.cleanable.dirty.ratio': value }));
      assert.equal(error.details.field, 'config.min.cleanable.dirty.ratio');
      assert.match(error.message, /must be a decimal number from 0 to 1/);
    });
  }
});

describe('a config change of the log-compaction keys', () => {
  const alterWith = (config: unknown) => parseInput(alterTopicConfigRequestSchema, JSON.parse(JSON.stringify({ config })));

  it('takes a value for each of them, and null to remove one', () => {
    const change = {
      'cleanup.policy': 'compact',
      'delete.retention.ms': '0',
      'min.compaction.lag.ms': null,
      'max.compaction.lag.ms': LONG_MAX,
      'min.cleanable.dirty.ratio': '0.1',
    };
    assert.deepEqual(alterWith(change).config, change);
  });

  it('refuses a value create refuses, with the same message', () => {
    const error = refusal(() => alterWith({ 'max.compaction.lag.ms': '0' }));
    assert.deepEqual([error.details.field, error.details.limit], ['config.max.compaction.lag.ms', 1]);
  });

  it('refuses min.compaction.lag.ms above max.compaction.lag.ms when the change names both', () => {
    const error = refusal(() => alterWith({ 'min.compaction.lag.ms': '2', 'max.compaction.lag.ms': '1' }));
    assert.equal(error.details.field, 'config.min.compaction.lag.ms');
  });

  it('judges a removed max.compaction.lag.ms at its default, which no min exceeds', () => {
    assert.deepEqual(alterWith({ 'min.compaction.lag.ms': LONG_MAX, 'max.compaction.lag.ms': null }).config, { 'min.compaction.lag.ms': LONG_MAX, 'max.compaction.lag.ms': null });
  });
});

describe('compactionSettingsOf', () => {
  it("answers Kafka's defaults for a topic without the keys", () => {
    assert.deepEqual(compactionSettingsOf({}), {
      compact: false,
      deleteByRetention: true,
      deleteRetentionMs: 86_400_000,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      minCleanableDirtyRatio: 0.5,
    });
  });

  it("exports Kafka's defaults as constants", () => {
    assert.deepEqual(
      [DEFAULT_CLEANUP_POLICY, DEFAULT_DELETE_RETENTION_MS, DEFAULT_MIN_COMPACTION_LAG_MS, DEFAULT_MAX_COMPACTION_LAG_MS, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO],
      ['delete', 86_400_000, 0, LONG_MAX, 0.5],
    );
  });

  for (const [policy, compact, deleteByRetention] of [
    ['delete', false, true],
    ['compact', true, false],
    ['compact,delete', true, true],
    ['delete,compact', true, true],
  ] as const) {
    it(`reads cleanup.policy=${policy} as compact ${compact}, delete by retention ${deleteByRetention}`, () => {
      const settings = compactionSettingsOf({ 'cleanup.policy': policy });
      assert.deepEqual([settings.compact, settings.deleteByRetention], [compact, deleteByRetention]);
    });
  }

  it('parses the numeric keys', () => {
    const settings = compactionSettingsOf({ 'delete.retention.ms': '0', 'min.compaction.lag.ms': '60000', 'max.compaction.lag.ms': '3600000', 'min.cleanable.dirty.ratio': '.25' });
    assert.deepEqual([settings.deleteRetentionMs, settings.minCompactionLagMs, settings.maxCompactionLagMs, settings.minCleanableDirtyRatio], [0, 60_000, 3_600_000, 0.25]);
  });

  it('clamps milliseconds past 2^53-1 to Number.MAX_SAFE_INTEGER', () => {
    const settings = compactionSettingsOf({ 'delete.retention.ms': LONG_MAX, 'min.compaction.lag.ms': '9007199254740993', 'max.compaction.lag.ms': LONG_MAX });
    assert.deepEqual([settings.deleteRetentionMs, settings.minCompactionLagMs, settings.maxCompactionLagMs], [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
  });

  it('falls back to the defaults for values validation would refuse', () => {
    assert.deepEqual(
      compactionSettingsOf({ 'cleanup.policy': 'none', 'delete.retention.ms': '-1', 'min.compaction.lag.ms': 'soon', 'max.compaction.lag.ms': '0', 'min.cleanable.dirty.ratio': '2' }),
      compactionSettingsOf({}),
    );
  });
});
