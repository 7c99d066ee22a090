import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../../lib/kafka/messages/consumer-protocol';
import { DESCRIBE_GROUPS, type DescribeGroupsRequest, type DescribeGroupsResponse } from '../../../../lib/kafka/messages/describe-groups';
import { FIND_COORDINATOR, type FindCoordinatorRequest, type FindCoordinatorResponse } from '../../../../lib/kafka/messages/find-coordinator';
import { HEARTBEAT, type HeartbeatRequest, type HeartbeatResponse } from '../../../../lib/kafka/messages/heartbeat';
import { JOIN_GROUP, type JoinGroupRequest, type JoinGroupResponse } from '../../../../lib/kafka/messages/join-group';
import { LEAVE_GROUP, type LeaveGroupRequest, type LeaveGroupResponse } from '../../../../lib/kafka/messages/leave-group';
import { LIST_GROUPS, type ListGroupsRequest, type ListGroupsResponse } from '../../../../lib/kafka/messages/list-groups';
import { OFFSET_COMMIT, type OffsetCommitRequest, type OffsetCommitResponse } from '../../../../lib/kafka/messages/offset-commit';
import { OFFSET_FETCH, type OffsetFetchRequest, type OffsetFetchResponse } from '../../../../lib/kafka/messages/offset-fetch';
import { SYNC_GROUP, type SyncGroupRequest, type SyncGroupResponse } from '../../../../lib/kafka/messages/sync-group';
import { KafkaDecodeError } from '../../../../lib/kafka/wire/decode-error';
import { KafkaReader } from '../../../../lib/kafka/wire/reader';
import { KafkaWriter } from '../../../../lib/kafka/wire/writer';

const versions = (api: { minVersion: number; maxVersion: number }) => Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
const bytes = (text: string) => Buffer.from(text, 'utf8');

function encode<Req, Res>(api: KafkaApi<Req, Res>, side: 'request' | 'response', version: number, value: Req | Res): Buffer {
  const w = new KafkaWriter();
  if (side === 'request') api.encodeRequest(w, version, value as Req);
  else api.encodeResponse(w, version, value as Res);
  return w.toBuffer();
}

function decode<Req, Res>(api: KafkaApi<Req, Res>, side: 'request' | 'response', version: number, data: Buffer): Req | Res {
  const r = new KafkaReader(data);
  const value = side === 'request' ? api.decodeRequest(r, version) : api.decodeResponse(r, version);
  assert.equal(r.remaining, 0, `${api.name} v${version} ${side}: every byte read`);
  return value;
}

/** Buffers compare by content: decoded bytes are views of the frame. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)));

/**
 * Every version writes and reads back the same bytes, and at the newest version (every
 * field present) decodes to exactly what was written.
 */
function roundTrips<Req, Res>(api: KafkaApi<Req, Res>, request: Req, response: Res): void {
  for (const version of versions(api)) {
    for (const [side, value] of [
      ['request', request],
      ['response', response],
    ] as const) {
      const first = encode(api, side, version, value);
      const again = encode(api, side, version, decode(api, side, version, first));
      assert.deepEqual(again, first, `${api.name} v${version} ${side} is byte-stable`);
    }
  }
  assert.deepEqual(plain(decode(api, 'request', api.maxVersion, encode(api, 'request', api.maxVersion, request))), plain(request));
  assert.deepEqual(plain(decode(api, 'response', api.maxVersion, encode(api, 'response', api.maxVersion, response))), plain(response));
}

const joinRequest: JoinGroupRequest = {
  groupId: 'g1',
  sessionTimeoutMs: 6000,
  rebalanceTimeoutMs: 10000,
  memberId: 'm-1',
  groupInstanceId: 'instance-1',
  protocolType: 'consumer',
  protocols: [
    { name: 'range', metadata: bytes('sub-range') },
    { name: 'roundrobin', metadata: bytes('sub-rr') },
  ],
  reason: 'rebalance',
};
const joinResponse: JoinGroupResponse = {
  throttleTimeMs: 1,
  errorCode: 0,
  generationId: 7,
  protocolType: 'consumer',
  protocolName: 'range',
  leader: 'm-1',
  skipAssignment: true,
  memberId: 'm-2',
  members: [{ memberId: 'm-1', groupInstanceId: 'instance-1', metadata: bytes('meta') }],
};

describe('JoinGroup codec (v0-v9)', () => {
  it('round-trips every version', () => roundTrips(JOIN_GROUP, joinRequest, joinResponse));

  it('reads v0 without the fields later versions add: rebalance timeout -1, no instance id, no reason', () => {
    const v0 = decode(JOIN_GROUP, 'request', 0, encode(JOIN_GROUP, 'request', 0, joinRequest)) as JoinGroupRequest;
    assert.equal(v0.rebalanceTimeoutMs, -1);
    assert.equal(v0.groupInstanceId, null);
    assert.equal(v0.reason, null);
    assert.deepEqual(v0.protocols.map((p) => p.name), ['range', 'roundrobin']);
  });

  it('lays out a v0 request as the spec does: classic strings, int32 array count, int32 bytes length', () => {
    const expected = new KafkaWriter()
      .string('g1')
      .int32(6000)
      .string('m-1')
      .string('consumer')
      .int32(1)
      .string('range')
      .int32(3)
      .raw(bytes('abc'))
      .toBuffer();
    assert.deepEqual(encode(JOIN_GROUP, 'request', 0, { ...joinRequest, protocols: [{ name: 'range', metadata: bytes('abc') }] }), expected);
  });

  it('writes a null protocol name as the empty string before v7 (non-nullable there) and as null from v7', () => {
    const refused = { ...joinResponse, protocolName: null, protocolType: null, members: [] };
    assert.equal((decode(JOIN_GROUP, 'response', 6, encode(JOIN_GROUP, 'response', 6, refused)) as JoinGroupResponse).protocolName, '');
    assert.equal((decode(JOIN_GROUP, 'response', 7, encode(JOIN_GROUP, 'response', 7, refused)) as JoinGroupResponse).protocolName, null);
  });

  it('refuses every truncation of a v9 request with KafkaDecodeError', () => {
    const full = encode(JOIN_GROUP, 'request', 9, joinRequest);
    for (let end = 0; end < full.length; end++) assert.throws(() => decode(JOIN_GROUP, 'request', 9, full.subarray(0, end)), KafkaDecodeError);
  });
});

describe('SyncGroup codec (v0-v5)', () => {
  const request: SyncGroupRequest = {
    groupId: 'g1',
    generationId: 3,
    memberId: 'm-1',
    groupInstanceId: 'i-1',
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: 'm-1', assignment: bytes('a1') }],
  };
  const response: SyncGroupResponse = { throttleTimeMs: 2, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: bytes('assigned') };
  it('round-trips every version', () => roundTrips(SYNC_GROUP, request, response));
  it('lays out a v0 response as error code and bytes, a v4 one with compact bytes and tagged fields', () => {
    assert.deepEqual(encode(SYNC_GROUP, 'response', 0, response), new KafkaWriter().int16(0).bytes(bytes('assigned')).toBuffer());
    assert.deepEqual(encode(SYNC_GROUP, 'response', 4, response), new KafkaWriter().int32(2).int16(0).compactBytes(bytes('assigned')).taggedFields().toBuffer());
  });
});

describe('Heartbeat codec (v0-v4)', () => {
  const request: HeartbeatRequest = { groupId: 'g1', generationId: 4, memberId: 'm-1', groupInstanceId: 'i-1' };
  const response: HeartbeatResponse = { throttleTimeMs: 3, errorCode: 27 };
  it('round-trips every version', () => roundTrips(HEARTBEAT, request, response));
  it('lays out a v4 request with compact strings and a tagged-field section', () => {
    assert.deepEqual(
      encode(HEARTBEAT, 'request', 4, request),
      new KafkaWriter().compactString('g1').int32(4).compactString('m-1').compactNullableString('i-1').taggedFields().toBuffer(),
    );
    assert.deepEqual(encode(HEARTBEAT, 'response', 0, response), new KafkaWriter().int16(27).toBuffer());
  });
});

describe('LeaveGroup codec (v0-v5)', () => {
  const request: LeaveGroupRequest = { groupId: 'g1', memberId: '', members: [{ memberId: 'm-1', groupInstanceId: null, reason: 'bye' }] };
  const response: LeaveGroupResponse = { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm-1', groupInstanceId: null, errorCode: 25 }] };
  it('round-trips every version', () => roundTrips(LEAVE_GROUP, request, response));
  it('names one member in v0-v2 and a batch from v3', () => {
    const v2 = decode(LEAVE_GROUP, 'request', 2, encode(LEAVE_GROUP, 'request', 2, { ...request, memberId: 'm-9' })) as LeaveGroupRequest;
    assert.equal(v2.memberId, 'm-9');
    assert.deepEqual(v2.members, []);
    const v3 = decode(LEAVE_GROUP, 'request', 3, encode(LEAVE_GROUP, 'request', 3, request)) as LeaveGroupRequest;
    assert.deepEqual(v3.members, [{ memberId: 'm-1', groupInstanceId: null, reason: null }]);
  });
});

describe('FindCoordinator codec (v0-v4)', () => {
  const request: FindCoordinatorRequest = { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] };
  const response: FindCoordinatorResponse = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    nodeId: 0,
    host: '',
    port: 0,
    coordinators: [{ key: 'g1', nodeId: 0, host: 'gw', port: 9092, errorCode: 0, errorMessage: null }],
  };
  it('round-trips every version', () => roundTrips(FIND_COORDINATOR, request, response));
  it('answers one coordinator in v0 (node, host, port) and one per key from v4', () => {
    const one = { ...response, nodeId: 0, host: 'gw', port: 9092, coordinators: [] };
    assert.deepEqual(encode(FIND_COORDINATOR, 'response', 0, one), new KafkaWriter().int16(0).int32(0).string('gw').int32(9092).toBuffer());
    assert.deepEqual(encode(FIND_COORDINATOR, 'request', 0, { key: 'g1', keyType: 0, coordinatorKeys: [] }), new KafkaWriter().string('g1').toBuffer());
  });
});

describe('OffsetCommit codec (v0-v8)', () => {
  const request: OffsetCommitRequest = {
    groupId: 'g1',
    generationId: 5,
    memberId: 'm-1',
    groupInstanceId: 'i-1',
    retentionTimeMs: -1,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, committedOffset: 42, committedLeaderEpoch: 0, commitTimestamp: -1, committedMetadata: 'meta' }] }],
  };
  const response: OffsetCommitResponse = { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 22 }] }] };
  it('round-trips every version', () => roundTrips(OFFSET_COMMIT, request, response));
  it('carries no member in v0 (generation -1, empty member id), a commit timestamp only in v1, a retention time in v2-v4', () => {
    const v0 = decode(OFFSET_COMMIT, 'request', 0, encode(OFFSET_COMMIT, 'request', 0, request)) as OffsetCommitRequest;
    assert.equal(v0.generationId, -1);
    assert.equal(v0.memberId, '');
    const withTimestamp = { ...request, topics: [{ name: 'orders', partitions: [{ ...request.topics[0]!.partitions[0]!, commitTimestamp: 123 }] }], retentionTimeMs: 9 };
    assert.equal((decode(OFFSET_COMMIT, 'request', 1, encode(OFFSET_COMMIT, 'request', 1, withTimestamp)) as OffsetCommitRequest).topics[0]!.partitions[0]!.commitTimestamp, 123);
    assert.equal((decode(OFFSET_COMMIT, 'request', 2, encode(OFFSET_COMMIT, 'request', 2, withTimestamp)) as OffsetCommitRequest).topics[0]!.partitions[0]!.commitTimestamp, -1);
    assert.equal((decode(OFFSET_COMMIT, 'request', 4, encode(OFFSET_COMMIT, 'request', 4, withTimestamp)) as OffsetCommitRequest).retentionTimeMs, 9);
    assert.equal((decode(OFFSET_COMMIT, 'request', 5, encode(OFFSET_COMMIT, 'request', 5, withTimestamp)) as OffsetCommitRequest).retentionTimeMs, -1);
  });
});

describe('OffsetFetch codec (v1-v8)', () => {
  const request: OffsetFetchRequest = {
    groupId: '',
    topics: null,
    groups: [
      { groupId: 'g1', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] },
      { groupId: 'g2', topics: null },
    ],
    requireStable: true,
  };
  const partition = { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, metadata: 'm', errorCode: 0 };
  const response: OffsetFetchResponse = {
    throttleTimeMs: 0,
    topics: [],
    errorCode: 0,
    groups: [{ groupId: 'g1', topics: [{ name: 'orders', partitions: [partition] }], errorCode: 0 }],
  };
  it('round-trips every version', () => roundTrips(OFFSET_FETCH, request, response));
  it('asks one group in v1-v7 (null topics from v2: every partition) and answers its topics with a group error from v2', () => {
    const single: OffsetFetchRequest = { groupId: 'g1', topics: null, groups: [], requireStable: false };
    assert.equal((decode(OFFSET_FETCH, 'request', 2, encode(OFFSET_FETCH, 'request', 2, single)) as OffsetFetchRequest).topics, null);
    // v1 cannot say null: the empty array.
    assert.deepEqual((decode(OFFSET_FETCH, 'request', 1, encode(OFFSET_FETCH, 'request', 1, single)) as OffsetFetchRequest).topics, []);
    const answer: OffsetFetchResponse = { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [partition] }], errorCode: 30, groups: [] };
    assert.equal((decode(OFFSET_FETCH, 'response', 1, encode(OFFSET_FETCH, 'response', 1, answer)) as OffsetFetchResponse).errorCode, 0);
    assert.deepEqual(plain(decode(OFFSET_FETCH, 'response', 7, encode(OFFSET_FETCH, 'response', 7, answer))), plain(answer));
  });
});

describe('ListGroups and DescribeGroups codecs', () => {
  it('round-trips ListGroups v0-v5', () => {
    const request: ListGroupsRequest = { statesFilter: ['Stable'], typesFilter: ['classic'] };
    const response: ListGroupsResponse = { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }] };
    roundTrips(LIST_GROUPS, request, response);
  });
  it('round-trips DescribeGroups v0-v5', () => {
    const request: DescribeGroupsRequest = { groups: ['g1', 'g2'], includeAuthorizedOperations: true };
    const response: DescribeGroupsResponse = {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g1',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [{ memberId: 'm-1', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', memberMetadata: bytes('md'), memberAssignment: bytes('as') }],
          authorizedOperations: -2147483648,
        },
      ],
    };
    roundTrips(DESCRIBE_GROUPS, request, response);
  });
});

describe('ConsumerProtocol subscription and assignment', () => {
  it('round-trips a version 0 subscription and assignment', () => {
    assert.deepEqual(decodeSubscription(encodeSubscription({ topics: ['a', 'b'], userData: bytes('u') })), { version: 0, topics: ['a', 'b'], userData: bytes('u') });
    const assignment = [{ topic: 'a', partitions: [0, 2] }];
    assert.deepEqual(decodeAssignment(encodeAssignment(assignment)), { version: 0, assignedPartitions: assignment, userData: null });
  });

  it('reads the topics of a later subscription version (v1 owned partitions, v2 generation, v3 rack) and ignores the rest', () => {
    const v3 = new KafkaWriter()
      .int16(3)
      .array(['orders'], (w, t) => w.string(t))
      .nullableBytes(null)
      .array([{ topic: 'orders', partitions: [1] }], (w, o) => w.string(o.topic).array(o.partitions, (p, n) => p.int32(n)))
      .int32(4)
      .nullableString('rack-a')
      .toBuffer();
    assert.deepEqual(decodeSubscription(v3), { version: 3, topics: ['orders'], userData: null });
  });

  it('lays out the assignment as the spec does: int16 version, [topic, [int32]], nullable user data', () => {
    assert.deepEqual(
      encodeAssignment([{ topic: 't', partitions: [5] }]),
      new KafkaWriter().int16(0).int32(1).string('t').int32(1).int32(5).int32(-1).toBuffer(),
    );
  });

  it('refuses malformed subscriptions with KafkaDecodeError', () => {
    assert.throws(() => decodeSubscription(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff])), KafkaDecodeError);
    assert.throws(() => decodeSubscription(Buffer.from([0])), KafkaDecodeError);
  });
});
