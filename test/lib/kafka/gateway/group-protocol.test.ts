import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignorFor, chooseProtocol, kafkaGroupState, leaderOf, memberIdPrefix, protocolFor } from '../../../../lib/kafka/gateway/handlers/group-protocol';
import type { GroupMember } from '../../../../lib/store/group-items';

const member = (memberId: string, names?: string[]): GroupMember => ({
  group: 'g',
  memberId,
  topics: ['t'],
  sessionTimeoutMs: 6000,
  expiresAt: 0,
  joinedAt: 0,
  ...(names && { protocols: names.map((name) => ({ name, metadata: Buffer.from(name) })) }),
});

describe('the Kafka group choices every gateway makes alike', () => {
  it('chooses the first protocol, in the leader\'s order, that every Kafka member offered, eager before cooperative', () => {
    // The leader is 'a' (the lowest id), whatever order the members come in.
    assert.equal(chooseProtocol([member('b', ['roundrobin', 'range']), member('a', ['cooperative-sticky', 'range', 'roundrobin'])]), 'range');
    assert.equal(chooseProtocol([member('b', ['range', 'roundrobin']), member('a', ['roundrobin', 'range'])]), 'roundrobin');
    assert.equal(chooseProtocol([member('a', ['cooperative-sticky', 'range'])]), 'range');
    assert.equal(chooseProtocol([member('a', ['cooperative-sticky'])]), 'cooperative-sticky');
    // HTTP members (no protocols) take no part; with nothing in common, the leader's first eager one.
    assert.equal(chooseProtocol([member('a', ['range']), member('b', ['RoundRobinAssigner']), member('c')]), 'range');
    assert.equal(chooseProtocol([member('c')]), null);
  });

  it('answers each member the metadata of the chosen protocol, or of its own first eager one', () => {
    assert.equal(protocolFor(member('a', ['range', 'roundrobin']), 'roundrobin')!.name, 'roundrobin');
    assert.equal(protocolFor(member('a', ['cooperative-sticky', 'RoundRobinAssigner']), 'range')!.name, 'RoundRobinAssigner');
    assert.equal(protocolFor(member('a'), 'range'), undefined);
  });

  it('makes the lowest Kafka member id the leader', () => {
    assert.equal(leaderOf([member('m-2', ['range']), member('m-1'), member('m-3', ['range'])])!.memberId, 'm-2');
    assert.equal(leaderOf([member('m-1')]), undefined);
  });

  it('maps Kafka assignor names onto Sluice\'s, sticky for the rest', () => {
    assert.equal(assignorFor(['range', 'roundrobin']), 'range');
    assert.equal(assignorFor(['RoundRobinAssigner']), 'roundrobin');
    assert.equal(assignorFor(['cooperative-sticky']), 'sticky');
  });

  it('names states as Kafka does, and member ids after a cleaned client id', () => {
    assert.equal(kafkaGroupState('Rebalancing'), 'PreparingRebalance');
    assert.equal(kafkaGroupState('Stable'), 'Stable');
    assert.equal(memberIdPrefix('my app/1'), 'my-app-1');
    assert.equal(memberIdPrefix(null), 'kafka');
    assert.equal(memberIdPrefix('x'.repeat(300)).length, 64);
  });
});
