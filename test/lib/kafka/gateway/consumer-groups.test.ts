import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer as PlatformaticConsumer, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { KAFKA_ERRORS } from '../../../../lib/kafka/error-codes';
import { decodeAssignment, encodeSubscription } from '../../../../lib/kafka/messages/consumer-protocol';
import { DESCRIBE_GROUPS } from '../../../../lib/kafka/messages/describe-groups';
import { FIND_COORDINATOR } from '../../../../lib/kafka/messages/find-coordinator';
import { HEARTBEAT } from '../../../../lib/kafka/messages/heartbeat';
import { JOIN_GROUP, type JoinGroupRequest } from '../../../../lib/kafka/messages/join-group';
import { LEAVE_GROUP } from '../../../../lib/kafka/messages/leave-group';
import { LIST_GROUPS } from '../../../../lib/kafka/messages/list-groups';
import { SYNC_GROUP } from '../../../../lib/kafka/messages/sync-group';
import { eventually } from '../../../support/eventually';
import { RawKafkaConnection } from '../../../support/kafka-wire-client';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

/**
 * kafkajs consumer groups (FindCoordinator v2, JoinGroup v5, SyncGroup v3, Heartbeat v3,
 * OffsetCommit v5, OffsetFetch v4, LeaveGroup v3, DescribeGroups v2, ListGroups v2) and
 * @platformatic/kafka's (flexible: FindCoordinator v4, JoinGroup v9, SyncGroup v5,
 * Heartbeat v4, OffsetCommit v8, OffsetFetch v8, LeaveGroup v5) over the local platform, whose stream-driven coordinator computes
 * the assignments: a group of three shares a topic, a member leaving hands its partitions
 * to the others, and a new consumer resumes after what the group committed. Offsets and
 * members are Sluice's own: the HTTP group routes see them, and the other way round.
 */
describe('Kafka consumer groups with kafkajs, over the local platform', () => {
  let test: TestPlatform;
  let bootstrap: string;

  before(async () => {
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
  });
  after(async () => {
    await test?.stop();
  });

  const kafka = (clientId: string) => new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const createTopic = async (name: string, partitions: number) => assert.equal((await call(test.url, 'POST', '/v1/topics', { name, partitions })).status, 201);

  /** A kafkajs group member that records what it consumed and the assignment of its last join. */
  interface Member {
    name: string;
    consumer: Consumer;
    consumed: { partition: number; offset: number; value: string }[];
    assignment: number[];
    memberId: string;
  }

  async function startMember(name: string, group: string, topic: string): Promise<Member> {
    const consumer = kafka(name).consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
    const member: Member = { name, consumer, consumed: [], assignment: [], memberId: '' };
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      member.assignment = [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      member.memberId = event.payload.memberId;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        member.consumed.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    return member;
  }

  const describeGroup = async (group: string) => (await call(test.url, 'GET', `/v1/groups/${group}`)).body;

  /** The group is settled on exactly these members, and each consumer holds what Sluice assigned it. */
  async function settled(group: string, members: Member[], partitions: number): Promise<boolean> {
    const described = await describeGroup(group);
    if (described?.state !== 'Stable' || described.members !== members.length) return false;
    const assigned = members.flatMap((m) => m.assignment).sort((a, b) => a - b);
    if (assigned.length !== partitions || assigned.some((p, i) => p !== i)) return false;
    return members.every((m) => {
      const detail = described.memberDetails.find((d: { memberId: string }) => d.memberId === m.memberId);
      const stored = (detail?.assignment ?? []).flatMap((a: { partitions: number[] }) => a.partitions).sort((a: number, b: number) => a - b);
      return detail !== undefined && stored.join() === m.assignment.join();
    });
  }

  async function produce(topic: string, from: number, count: number): Promise<void> {
    const producer = kafka('kg-producer').producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
    } finally {
      await producer.disconnect();
    }
  }

  const values = (members: Member[]) => members.flatMap((m) => m.consumed.map((c) => c.value));
  const expected = (from: number, count: number) => Array.from({ length: count }, (_, i) => `v${from + i}`).sort();

  it('shares a topic among three members, hands a leaving member its partitions to the rest, and resumes after the commits', async () => {
    const topic = 'kg-orders';
    const group = 'kg-three';
    await createTopic(topic, 6);
    const members = await Promise.all(['kg-a', 'kg-b', 'kg-c'].map((name) => startMember(name, group, topic)));
    try {
      await eventually(() => settled(group, members, 6), 'three kafkajs members settle on a split of the 6 partitions');

      await produce(topic, 0, 60);
      await eventually(async () => values(members).length >= 60, 'the 60 records are consumed');
      assert.deepEqual(values(members).sort(), expected(0, 60), 'every record exactly once among the three');
      for (const m of members) for (const c of m.consumed) assert.ok(m.assignment.includes(c.partition), `${m.name} read only its own partitions`);
      const offsets = async () => (await call(test.url, 'GET', `/v1/groups/${group}/offsets`)).body;
      await eventually(async () => (await offsets()).partitions.every((p: { committedOffset: number | null; highWatermark: number }) => p.committedOffset === p.highWatermark), 'kafkajs commits every offset it consumed');

      // One member leaves: the other two rebalance and take over its partitions.
      const [leaving, ...staying] = members as [Member, Member, Member];
      const before = values(staying).length;
      await leaving.consumer.disconnect();
      await eventually(() => settled(group, staying, 6), 'the two remaining members take over the leaver’s partitions');
      await produce(topic, 60, 30);
      await eventually(async () => values(staying).length >= before + 30, 'the 30 new records are consumed by the remaining two');
      assert.deepEqual(values(staying).slice(0).filter((v) => Number(v.slice(1)) >= 60).sort(), expected(60, 30), 'every new record exactly once');
      assert.equal(values(members).length, 90, 'no record read twice across the rebalance');
      await eventually(async () => (await offsets()).partitions.every((p: { committedOffset: number | null; highWatermark: number }) => p.committedOffset === p.highWatermark), 'the remaining members commit');
    } finally {
      await Promise.all(members.map((m) => m.consumer.disconnect().catch(() => undefined)));
    }

    // A new consumer of the group starts after what was committed, not from the beginning.
    await eventually(async () => (await describeGroup(group)).members === 0, 'the group empties');
    await produce(topic, 90, 10);
    const resumed = await startMember('kg-d', group, topic);
    try {
      await eventually(async () => resumed.consumed.length >= 10, 'the new consumer reads the 10 records produced after the commits');
      assert.deepEqual(values([resumed]).sort(), expected(90, 10));
    } finally {
      await resumed.consumer.disconnect();
    }
  });

  it('shares offsets and members with the HTTP API: Kafka commits read over HTTP, HTTP commits read by Kafka, Kafka members described', async () => {
    const topic = 'kg-interplay';
    const group = 'kg-shared';
    await createTopic(topic, 2);
    // A standalone HTTP commit (no members yet), which Kafka's OffsetFetch then answers.
    const committed = await call(test.url, 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 1, offset: 3, metadata: 'from http' }] });
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    const admin = kafka('kg-admin').admin();
    await admin.connect();
    try {
      const fetched = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const partitions = fetched[0]!.partitions.sort((a, b) => a.partition - b.partition);
      assert.deepEqual(
        partitions.map((p) => ({ partition: p.partition, offset: p.offset })),
        [
          { partition: 0, offset: '-1' },
          { partition: 1, offset: '3' },
        ],
      );
      assert.equal(partitions[1]!.metadata, 'from http');

      // A Kafka member shows in `describe` over HTTP and over Kafka, and its commits over HTTP.
      await produce(topic, 0, 8);
      const member = await startMember('kg-interplay-client', group, topic);
      try {
        await eventually(() => settled(group, [member], 2), 'the Kafka member settles');
        const described = await describeGroup(group);
        assert.equal(described.memberDetails[0].clientId, 'kg-interplay-client');
        assert.deepEqual(described.memberDetails[0].protocols, ['RoundRobinAssigner']);
        const overKafka = await admin.describeGroups([group]);
        const kafkaGroup = overKafka.groups[0]!;
        assert.equal(kafkaGroup.state, 'Stable');
        assert.equal(kafkaGroup.protocolType, 'consumer');
        assert.equal(kafkaGroup.protocol, 'RoundRobinAssigner');
        assert.deepEqual(
          kafkaGroup.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId })),
          [{ memberId: member.memberId, clientId: 'kg-interplay-client' }],
        );
        const listed = await admin.listGroups();
        assert.ok(listed.groups.some((g) => g.groupId === group && g.protocolType === 'consumer'));
        // Partition 1 resumes after the HTTP commit (offset 3); partition 0 had none and starts from the beginning.
        await eventually(async () => member.consumed.length >= 8 - 3, 'the member reads what the commits leave');
        assert.deepEqual(member.consumed.filter((c) => c.partition === 1).map((c) => c.offset)[0], 3);
        await eventually(async () => {
          const positions = (await call(test.url, 'GET', `/v1/groups/${group}/offsets`)).body.partitions;
          return positions.every((p: { committedOffset: number | null; highWatermark: number }) => p.committedOffset === p.highWatermark);
        }, 'the Kafka member’s commits show over HTTP');
        // While the group has a live member, a standalone HTTP commit is refused, as for any Sluice group.
        assert.equal((await call(test.url, 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 0, offset: 0 }] })).status, 409);
      } finally {
        await member.consumer.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('@platformatic/kafka (flexible versions: JoinGroup v9, SyncGroup v5, OffsetCommit v8, OffsetFetch v8, LeaveGroup v5): two members join, commit and leave', async () => {
    // Its message stream fetches by topic id (Fetch v13+), which the gateway does not speak yet: the group APIs are driven directly.
    const topic = 'kg-flexible';
    const group = 'kg-platformatic';
    await createTopic(topic, 4);
    const consumers = [0, 1].map(
      (n) =>
        new PlatformaticConsumer({
          groupId: group,
          clientId: `kg-platformatic-${n}`,
          bootstrapBrokers: [bootstrap],
          deserializers: stringDeserializers,
          sessionTimeout: 6_000,
          heartbeatInterval: 300,
          rebalanceTimeout: 10_000,
          retries: 5,
        }),
    );
    try {
      for (const consumer of consumers) consumer.topics.trackAll(topic);
      const memberIds = await Promise.all(consumers.map((consumer) => consumer.joinGroup({ sessionTimeout: 6_000, heartbeatInterval: 300, rebalanceTimeout: 10_000 })));
      await eventually(async () => {
        const described = await describeGroup(group);
        return described?.state === 'Stable' && described.members === 2;
      }, 'both @platformatic/kafka members settle');
      const described = await describeGroup(group);
      assert.deepEqual(described.memberDetails.map((m: { memberId: string }) => m.memberId).sort(), [...memberIds].sort());
      const owned = (memberId: string): number[] =>
        described.memberDetails.find((m: { memberId: string }) => m.memberId === memberId).assignment.flatMap((a: { partitions: number[] }) => a.partitions);
      assert.deepEqual([...owned(memberIds[0]!), ...owned(memberIds[1]!)].sort(), [0, 1, 2, 3]);

      // Each member commits its own partitions (fenced by the generation it joined); both read every commit back.
      await eventually(async () => {
        try {
          await Promise.all(
            consumers.map((consumer, i) => consumer.commit({ offsets: owned(memberIds[i]!).map((partition) => ({ topic, partition, offset: BigInt(10 + partition), leaderEpoch: 0 })) })),
          );
          return true;
        } catch {
          return false; // a commit racing a heartbeat-driven rejoin is refused; the next try holds the current generation
        }
      }, 'both members commit their partitions');
      const committed = await consumers[0]!.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1, 2, 3] }] });
      assert.deepEqual(committed.get(topic), [10n, 11n, 12n, 13n]);
      const overHttp = (await call(test.url, 'GET', `/v1/groups/${group}/offsets`)).body.partitions.map((p: { committedOffset: number }) => p.committedOffset);
      assert.deepEqual(overHttp, [10, 11, 12, 13]);

      await Promise.all(consumers.map((consumer) => consumer.leaveGroup()));
      await eventually(async () => (await describeGroup(group)).members === 0, 'both members left');
    } finally {
      await Promise.all(consumers.map((c) => c.close(true) as unknown as Promise<void>).map((closing) => closing.catch(() => undefined)));
    }
  });

  it('answers malformed or hostile group requests with error codes on an open connection (the gateway\'s own codec, flexible and classic versions)', async () => {
    await createTopic('kg-raw', 2);
    const connection = await RawKafkaConnection.connect(test.platform.kafka!.port);
    try {
      const join = (overrides: Partial<JoinGroupRequest>): JoinGroupRequest => ({
        groupId: 'kg-raw-group', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId: '', groupInstanceId: null, protocolType: 'consumer', reason: null,
        protocols: [{ name: 'cooperative-sticky', metadata: encodeSubscription({ topics: ['kg-raw'] }) }, { name: 'range', metadata: encodeSubscription({ topics: ['kg-raw'] }) }],
        ...overrides,
      });
      const joined = async (version: number, overrides: Partial<JoinGroupRequest>) => (await connection.request(JOIN_GROUP, version, join(overrides))).body;
      assert.equal((await joined(9, { groupId: 'bad/name' })).errorCode, KAFKA_ERRORS.INVALID_GROUP_ID);
      assert.equal((await joined(9, { protocolType: 'connect' })).errorCode, KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
      assert.equal((await joined(9, { protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]) }] })).errorCode, KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
      assert.equal((await joined(9, { protocols: [{ name: 'range', metadata: Buffer.alloc(70 * 1024) }] })).errorCode, KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
      assert.equal((await joined(5, { sessionTimeoutMs: 10 })).errorCode, KAFKA_ERRORS.INVALID_SESSION_TIMEOUT);
      const unknown = await joined(5, { memberId: 'nobody' });
      assert.deepEqual([unknown.errorCode, unknown.memberId], [KAFKA_ERRORS.UNKNOWN_MEMBER_ID, '']);
      const hostileId = 'x'.repeat(5000);
      assert.equal((await connection.request(HEARTBEAT, 4, { groupId: 'kg-raw-group', generationId: 1, memberId: hostileId, groupInstanceId: null })).body.errorCode, KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
      const sync = (memberId: string, generationId: number) => connection.request(SYNC_GROUP, 5, { groupId: 'kg-raw-group', generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
      assert.equal((await sync(hostileId, 1)).body.errorCode, KAFKA_ERRORS.UNKNOWN_MEMBER_ID);

      // A well-formed join (flexible v9) is answered once the coordinator covers the member, with the eager protocol and itself as leader.
      const ok = await joined(9, {});
      assert.equal(ok.errorCode, 0);
      assert.equal(ok.protocolName, 'range', 'eager before cooperative-sticky');
      assert.equal(ok.leader, ok.memberId);
      assert.deepEqual(ok.members.map((m) => m.memberId), [ok.memberId]);
      const assigned = await sync(ok.memberId, ok.generationId);
      assert.equal(assigned.body.errorCode, 0);
      assert.deepEqual(decodeAssignment(assigned.body.assignment).assignedPartitions, [{ topic: 'kg-raw', partitions: [0, 1] }]);
      assert.equal((await sync(ok.memberId, ok.generationId + 5)).body.errorCode, KAFKA_ERRORS.ILLEGAL_GENERATION);
      assert.equal((await connection.request(HEARTBEAT, 4, { groupId: 'kg-raw-group', generationId: ok.generationId, memberId: ok.memberId, groupInstanceId: null })).body.errorCode, 0);
      // A rejoin under the known id is the same member: nothing to rebalance, the same generation.
      const again = await joined(6, { memberId: ok.memberId });
      assert.deepEqual([again.errorCode, again.memberId, again.generationId], [0, ok.memberId, ok.generationId]);

      const coordinators = await connection.request(FIND_COORDINATOR, 4, { key: '', keyType: 0, coordinatorKeys: ['kg-raw-group', 'bad/name'] });
      assert.deepEqual(
        coordinators.body.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
        [
          ['kg-raw-group', 0, 0],
          ['bad/name', KAFKA_ERRORS.INVALID_GROUP_ID, -1],
        ],
      );
      const listed = await connection.request(LIST_GROUPS, 5, { statesFilter: ['stable'], typesFilter: [] });
      assert.ok(listed.body.groups.some((g) => g.groupId === 'kg-raw-group' && g.groupState === 'Stable'));
      const described = await connection.request(DESCRIBE_GROUPS, 5, { groups: ['kg-raw-group', 'kg-never-seen'], includeAuthorizedOperations: false });
      assert.deepEqual(
        described.body.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolData, g.members.length]),
        [
          ['kg-raw-group', 0, 'Stable', 'range', 1],
          ['kg-never-seen', 0, 'Dead', '', 0],
        ],
      );
      const left = await connection.request(LEAVE_GROUP, 5, { groupId: 'kg-raw-group', memberId: '', members: [{ memberId: ok.memberId, groupInstanceId: null, reason: null }, { memberId: 'nobody', groupInstanceId: null, reason: null }] });
      assert.deepEqual(left.body.members.map((m) => m.errorCode), [0, KAFKA_ERRORS.UNKNOWN_MEMBER_ID]);
    } finally {
      connection.socket.destroy();
    }
  });
});
