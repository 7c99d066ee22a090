import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTopicConfig, isListConfig, listConfigValue, sluiceConfigChange, sluiceTopicConfig } from '../../../../lib/kafka/gateway/topic-configs';
import { CONFIG_TYPE } from '../../../../lib/kafka/messages/describe-configs';

describe('sluiceConfigChange: an alter request\'s entries as alterTopicConfig\'s change', () => {
  it('sets values and removes keys (null) of Sluice\'s own configs', () => {
    assert.deepEqual(sluiceConfigChange([{ name: 'retention.ms', value: '-1' }, { name: 'compression.type', value: null }, { name: 'message.timestamp.type', value: 'LogAppendTime' }]), {
      change: { 'retention.ms': '-1', 'compression.type': null, 'message.timestamp.type': 'LogAppendTime' },
    });
  });

  it('takes a fixed config at its one value, or removed, as no change', () => {
    assert.deepEqual(sluiceConfigChange([{ name: 'max.message.bytes', value: '1048576' }]), { change: {} });
    assert.deepEqual(sluiceConfigChange([{ name: 'max.message.bytes', value: null }]), { change: {} });
  });

  it('takes the log-compaction configs as Sluice\'s own, cleanup.policy compact included', () => {
    const entries = [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'delete.retention.ms', value: '0' },
      { name: 'min.compaction.lag.ms', value: '60000' },
      { name: 'max.compaction.lag.ms', value: '3600000' },
      { name: 'min.cleanable.dirty.ratio', value: null },
    ];
    assert.deepEqual(sluiceConfigChange(entries), { change: Object.fromEntries(entries.map((e) => [e.name, e.value])) });
  });

  it('takes retention.bytes as one of Sluice\'s own configs', () => {
    assert.deepEqual(sluiceConfigChange([{ name: 'retention.bytes', value: '1048576' }]), { change: { 'retention.bytes': '1048576' } });
  });

  it('names the config it refuses: unknown, a bad value, a fixed one changed, one given twice', () => {
    const problem = (entries: { name: string; value: string | null }[]) => {
      const answer = sluiceConfigChange(entries);
      assert.ok('problem' in answer, JSON.stringify(answer));
      return answer.problem;
    };
    assert.match(problem([{ name: 'segment.bytes', value: '1' }]), /'segment\.bytes' is not supported/);
    // A name the Object prototype has is still unknown.
    assert.match(problem([{ name: 'constructor', value: null }]), /'constructor' is not supported/);
    assert.match(problem([{ name: 'retention.ms', value: '0' }]), /'retention\.ms' must be/);
    assert.match(problem([{ name: 'compression.type', value: 'lz4' }]), /'compression\.type'/);
    assert.match(problem([{ name: 'max.message.bytes', value: '1' }]), /'max\.message\.bytes' can only be 1048576/);
    assert.match(problem([{ name: 'cleanup.policy', value: 'none' }]), /'cleanup\.policy' must be "delete", "compact"/);
    assert.match(problem([{ name: 'max.compaction.lag.ms', value: '0' }]), /'max\.compaction\.lag\.ms' must be at least 1/);
    assert.match(problem([{ name: 'min.cleanable.dirty.ratio', value: '2' }]), /'min\.cleanable\.dirty\.ratio' must be at most 1/);
    assert.match(problem([{ name: 'retention.ms', value: '1000' }, { name: 'retention.ms', value: null }]), /'retention\.ms' is given more than once/);
  });
});

describe('describeTopicConfig: which configs a client may change', () => {
  it('marks Sluice\'s own keys alterable and the fixed ones read-only', () => {
    assert.deepEqual(
      describeTopicConfig({ 'retention.ms': '1000' }).map((e) => [e.name, e.readOnly]),
      [
        ['compression.type', false],
        ['message.timestamp.type', false],
        ['retention.ms', false],
        ['retention.bytes', false],
        ['cleanup.policy', false],
        ['delete.retention.ms', false],
        ['min.compaction.lag.ms', false],
        ['max.compaction.lag.ms', false],
        ['min.cleanable.dirty.ratio', false],
        ['max.message.bytes', true],
      ],
    );
  });

  it("describes the log-compaction configs at Kafka's defaults and types when the topic has none", () => {
    const described = Object.fromEntries(describeTopicConfig({}).map((e) => [e.name, [e.value, e.isDefault, e.type]]));
    assert.deepEqual(
      ['cleanup.policy', 'delete.retention.ms', 'min.compaction.lag.ms', 'max.compaction.lag.ms', 'min.cleanable.dirty.ratio'].map((name) => described[name]),
      [
        ['delete', true, CONFIG_TYPE.LIST],
        ['86400000', true, CONFIG_TYPE.LONG],
        ['0', true, CONFIG_TYPE.LONG],
        ['9223372036854775807', true, CONFIG_TYPE.LONG],
        ['0.5', true, CONFIG_TYPE.DOUBLE],
      ],
    );
  });

  it("describes a topic's own cleanup.policy as set, not default", () => {
    const policy = describeTopicConfig({ 'cleanup.policy': 'compact,delete' }).find((e) => e.name === 'cleanup.policy');
    assert.deepEqual([policy?.value, policy?.isDefault], ['compact,delete', false]);
  });
});

describe('listConfigValue: IncrementalAlterConfigs APPEND and SUBTRACT on a list config', () => {
  it('takes cleanup.policy as Sluice\'s only list config', () => {
    assert.deepEqual(['cleanup.policy', 'retention.ms', 'max.message.bytes', 'constructor'].map(isListConfig), [true, false, false, false]);
  });

  it('APPENDs to the default when the topic has no value', () => {
    assert.equal(listConfigValue('cleanup.policy', {}, 'APPEND', 'compact'), 'delete,compact');
  });

  it('APPENDs only the values the list lacks, each once', () => {
    assert.equal(listConfigValue('cleanup.policy', { 'cleanup.policy': 'compact' }, 'APPEND', 'compact,delete,delete'), 'compact,delete');
  });

  it('SUBTRACTs the values named, keeping the order of the rest', () => {
    assert.equal(listConfigValue('cleanup.policy', { 'cleanup.policy': 'delete,compact' }, 'SUBTRACT', 'delete'), 'compact');
  });

  it('SUBTRACTs down to an empty value, which validation then refuses', () => {
    assert.equal(listConfigValue('cleanup.policy', {}, 'SUBTRACT', 'delete'), '');
    assert.ok('problem' in sluiceConfigChange([{ name: 'cleanup.policy', value: '' }]));
  });
});

describe('sluiceTopicConfig: a CreateTopics request\'s configs as a Sluice topic config', () => {
  it('stores the log-compaction configs as given', () => {
    assert.deepEqual(sluiceTopicConfig([{ name: 'cleanup.policy', value: 'delete,compact' }, { name: 'min.cleanable.dirty.ratio', value: '0.9' }]), {
      config: { 'cleanup.policy': 'delete,compact', 'min.cleanable.dirty.ratio': '0.9' },
    });
  });

  it('refuses a name the Object prototype has as not supported, like any unknown name', () => {
    const answer = sluiceTopicConfig([{ name: 'constructor', value: 'x' }]);
    assert.ok('problem' in answer, JSON.stringify(answer));
    assert.match(answer.problem, /'constructor' is not supported/);
  });
});
