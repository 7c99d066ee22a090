import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTopicConfig, sluiceConfigChange } from '../../../../lib/kafka/gateway/topic-configs';

describe('sluiceConfigChange: an alter request\'s entries as alterTopicConfig\'s change', () => {
  it('sets values and removes keys (null) of Sluice\'s own configs', () => {
    assert.deepEqual(sluiceConfigChange([{ name: 'retention.ms', value: '-1' }, { name: 'compression.type', value: null }, { name: 'message.timestamp.type', value: 'LogAppendTime' }]), {
      change: { 'retention.ms': '-1', 'compression.type': null, 'message.timestamp.type': 'LogAppendTime' },
    });
  });

  it('takes a fixed config at its one value, or removed, as no change', () => {
    assert.deepEqual(sluiceConfigChange([{ name: 'cleanup.policy', value: 'delete' }, { name: 'max.message.bytes', value: null }]), { change: {} });
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
    assert.match(problem([{ name: 'cleanup.policy', value: 'compact' }]), /'cleanup\.policy' can only be delete/);
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
        ['cleanup.policy', true],
        ['max.message.bytes', true],
      ],
    );
  });
});
