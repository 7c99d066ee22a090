import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FUNCTIONS } from '../../../infra/platform-spec';
import {
  AdminOps,
  allow,
  clusterNeed,
  groupNeed,
  namesOf,
  subscriptionBody,
  topicNeed,
  type AclRuleBody,
  type Fixture,
  type Names,
  type Need,
} from '../../support/access-matrix';
import { apiCaller, inBatches, mentions, outcome, type ApiAnswer, type ApiRequest } from '../../support/api-caller';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Every route of the HTTP API (from FUNCTIONS) against every kind of caller: an admin, a
 * principal with exactly the ACLs the route needs (LITERAL, and PREFIXED where the
 * resource has a name), one whose ALLOW is overruled by a DENY, one without any rule, no
 * token, a bad token. The table below is the specification of what each route needs;
 * a route that is several operations (`ANY /ds/{proxy+}`, the Durable Streams protocol:
 * PUT, POST, GET, HEAD, DELETE and their header and query variants) has a row for each.
 *
 * Every cell of a route that changes something has its own topics and groups
 * (`mx.<function>.<cell>.*`; a read-only route's cells share one set), each cell its own
 * principal, and every rule is created in `before`: creating one through the API drops
 * the ACL cache of the (single-process) local functions, so no check runs against stale
 * rules and none waits out ACL_CACHE_MS.
 */

// ---------------------------------------------------------------------------------------
// The expectations table: what each route needs, how to call it, what it changes.
// ---------------------------------------------------------------------------------------

interface GuardedRow {
  kind: 'guarded';
  /** Every ACL the route needs, in the order listed; the first is the one the DENY cell denies. */
  needs(n: Names): Need[];
  /** Fixtures of one cell, made as admin before any check. */
  setup?(n: Names, admin: AdminOps): Promise<Partial<Fixture> | void>;
  /** A valid call. */
  request(f: Fixture): ApiRequest;
  /** The answer an admin or an allowed caller gets. */
  ok: number;
  /** What the allowed call did, read back as admin. */
  effect?(answer: ApiAnswer, f: Fixture, admin: AdminOps): Promise<void> | void;
  /**
   * The state the route would change, read as admin: equal before and after a refused call.
   * A row without `state` or `unchanged` is read-only, and its cells share one fixture.
   */
  state?(f: Fixture, admin: AdminOps): Promise<unknown>;
  /** For a state that cannot be read without changing it: asserts nothing changed, after a refused call. */
  unchanged?(f: Fixture, admin: AdminOps): Promise<void>;
  /**
   * The other side of "exists or not" for a caller without rights (finding 3): `absent`
   * (the default) calls on names nobody created; `exists` runs `setup` for the cell
   * `other` (create topic: the name is taken); `none` when the resource is the cluster.
   */
  other?: 'absent' | 'exists' | 'none';
  /** Bodies beside the generic bad ones (the route's own invalid fields). */
  badBodies?(f: Fixture): Record<string, unknown>;
  /** Generic bad bodies apply only where the resource is not named by the body itself. */
  genericBadBodies?: boolean;
  /** The answer shows a topic its caller only needs READ for: DESCRIBE denied must refuse it (finding 2). */
  showsTopicOnRead?: boolean;
  /** The prefix the PREFIXED cell's rules name (default `n.prefix`; a stream's topics are under `n.streamPrefix`). */
  prefix?(n: Names): string;
  /** Bad requests beside the bodies above, as changes to the valid one (raw bodies, their content types). */
  badRequests?(f: Fixture): Record<string, Partial<ApiRequest>>;
}

/** A list route: everyone may call it, and it shows only what the caller may DESCRIBE. */
interface ListedRow {
  kind: 'listed';
  resourceType: 'TOPIC' | 'GROUP';
  path: string;
  listed(body: any): string[];
  make(names: string[], admin: AdminOps, n: Names): Promise<void>;
}

/**
 * A route that is several operations by method and headers (`ANY /ds/{proxy+}`, the Durable
 * Streams protocol): each operation is a row of its own, with its own names and principals.
 */
interface OperationsRow {
  kind: 'operations';
  operations: Record<string, GuardedRow>;
}

type Row = GuardedRow | ListedRow | OperationsRow;

const topicPath = (f: Fixture) => `/v1/topics/${f.topic}`;
const groupPath = (f: Fixture) => `/v1/groups/${f.group}`;

const TABLE: Record<string, Row> = {
  'POST /v1/topics': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'CREATE')],
    // Only the `other` cell's name is taken: a caller without rights learns nothing from a 409.
    setup: async (n, admin) => {
      if (n.cell === 'other') await admin.createTopic(n.topic);
    },
    request: (f) => ({ method: 'POST', path: '/v1/topics', body: { name: f.topic } }),
    ok: 201,
    effect: async (_answer, f, admin) => assert.equal(await admin.topicOutcome(f.topic), '200'),
    state: (f, admin) => admin.topicOutcome(f.topic),
    other: 'exists',
    // The body names the resource, so only bodies that still name it can be authorized first.
    genericBadBodies: false,
    badBodies: (f) => ({
      'a misspelled key': { name: f.topic, partitons: 3 },
      'partitions 0': { name: f.topic, partitions: 0 },
      'an unknown config key': { name: f.topic, config: { 'retention.mss': '1' } },
    }),
  },
  'GET /v1/topics': {
    kind: 'listed',
    resourceType: 'TOPIC',
    path: '/v1/topics',
    listed: (body) => body.topics.map((t: { name: string }) => t.name),
    make: async (names, admin) => {
      for (const name of names) await admin.createTopic(name);
    },
  },
  'GET /v1/topics/{topic}': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'DESCRIBE')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'GET', path: topicPath(f) }),
    ok: 200,
    effect: (answer, f) => {
      assert.equal(answer.body.name, f.topic);
      assert.equal(answer.body.partitionOffsets, undefined);
    },
  },
  'GET /v1/topics/{topic}/offsets': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'DESCRIBE')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.produce(n.topic, 1);
    },
    request: (f) => ({ method: 'GET', path: `${topicPath(f)}/offsets` }),
    ok: 200,
    effect: (answer, f) => {
      assert.equal(answer.body.topic, f.topic);
      assert.equal(answer.body.partitions[0].highWatermark, 1);
    },
  },
  'DELETE /v1/topics/{topic}': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'DELETE')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'DELETE', path: topicPath(f) }),
    ok: 204,
    effect: async (_answer, f, admin) => assert.equal(await admin.topicOutcome(f.topic), '404 TOPIC_NOT_FOUND'),
    state: (f, admin) => admin.topicOutcome(f.topic),
  },
  'PATCH /v1/topics/{topic}': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'ALTER_CONFIGS')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'PATCH', path: topicPath(f), body: { config: { 'retention.ms': '86400000' } } }),
    ok: 200,
    effect: async (answer, f, admin) => {
      assert.equal(answer.body.config['retention.ms'], '86400000');
      assert.deepEqual(await admin.topicSettings(f.topic), { partitions: 1, config: { 'retention.ms': '86400000' } });
    },
    state: (f, admin) => admin.topicSettings(f.topic),
    badBodies: () => ({ 'an unknown config key': { config: { 'retention.mss': '1' } }, 'an empty change': { config: {} } }),
  },
  'POST /v1/topics/{topic}/partitions': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'ALTER')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'POST', path: `${topicPath(f)}/partitions`, body: { count: 2 } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.deepEqual(await admin.topicSettings(f.topic), { partitions: 2, config: {} }),
    state: (f, admin) => admin.topicSettings(f.topic),
    badBodies: () => ({ 'a count past the limit': { count: 257 }, 'a misspelled key': { cont: 2 } }),
  },
  'POST /v1/topics/{topic}/records': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'WRITE')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'POST', path: `${topicPath(f)}/records`, body: { records: [{ value: 'matrix', partition: 0 }] } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.equal(await admin.highWatermark(f.topic), 1),
    state: (f, admin) => admin.highWatermark(f.topic),
    badBodies: () => ({ 'a misspelled record key': { records: [{ valu: 'x' }] } }),
  },
  'POST /v1/topics/{topic}/partitions/{partition}/trim': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'DELETE')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.produce(n.topic, 2);
    },
    request: (f) => ({ method: 'POST', path: `${topicPath(f)}/partitions/0/trim`, body: { offset: 1 } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.equal(await admin.logStartOffset(f.topic), 1),
    state: (f, admin) => admin.logStartOffset(f.topic),
    badBodies: () => ({ 'an offset below -1': { offset: -2 }, 'a fractional offset': { offset: 0.5 } }),
  },
  'GET /v1/topics/{topic}/partitions/{partition}/records': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'READ')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.produce(n.topic, 1);
    },
    request: (f) => ({ method: 'GET', path: `${topicPath(f)}/partitions/0/records` }),
    ok: 200,
    effect: (answer) => assert.equal(answer.body.records.length, 1),
  },
  'POST /v1/producers': {
    kind: 'guarded',
    needs: () => [clusterNeed('WRITE')],
    request: (f) => ({ method: 'POST', path: '/v1/producers', body: { name: f.producer } }),
    ok: 200,
    effect: (answer) => assert.equal(answer.body.epoch, 0),
    // Had the refused call registered the name, the admin's first call would get epoch 1.
    unchanged: async (f, admin) => assert.equal((await admin.initProducer(f.producer)).epoch, 0, 'the refused call registered nothing'),
    other: 'none',
  },
  'GET /v1/topics/{topic}/partitions/{partition}/offsets': {
    kind: 'guarded',
    needs: (n) => [topicNeed(n.topic, 'DESCRIBE')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.produce(n.topic, 1);
    },
    request: (f) => ({ method: 'GET', path: `${topicPath(f)}/partitions/0/offsets` }),
    ok: 200,
    effect: (answer) => assert.equal(answer.body.highWatermark, 1),
  },
  'POST /v1/groups/{group}/members': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'READ'), topicNeed(n.topic, 'READ')],
    setup: async (n, admin) => void (await admin.createTopic(n.topic)),
    request: (f) => ({ method: 'POST', path: `${groupPath(f)}/members`, body: { topics: [f.topic] } }),
    ok: 201,
    effect: async (answer, f, admin) => {
      assert.equal(typeof answer.body.memberId, 'string');
      assert.deepEqual(((await admin.members(f.group)) as { memberId: string }[]).map((m) => m.memberId), [answer.body.memberId]);
    },
    state: (f, admin) => admin.members(f.group),
    showsTopicOnRead: true,
  },
  'POST /v1/groups/{group}/members/{member}/heartbeat': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'READ')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      return { memberId: await admin.join(n.group, [n.topic]) };
    },
    request: (f) => ({ method: 'POST', path: `${groupPath(f)}/members/${f.memberId ?? 'member-none'}/heartbeat` }),
    ok: 200,
    effect: (answer, f) => assert.equal(answer.body.memberId, f.memberId),
    // A renewed lease moves expiresAt.
    state: (f, admin) => admin.members(f.group),
  },
  'DELETE /v1/groups/{group}/members/{member}': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'READ')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      return { memberId: await admin.join(n.group, [n.topic]) };
    },
    request: (f) => ({ method: 'DELETE', path: `${groupPath(f)}/members/${f.memberId ?? 'member-none'}` }),
    ok: 204,
    effect: async (_answer, f, admin) => assert.deepEqual(await admin.members(f.group), []),
    state: (f, admin) => admin.members(f.group),
  },
  'POST /v1/groups/{group}/offsets': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'READ'), topicNeed(n.topic, 'READ')],
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.produce(n.topic, 2);
      await admin.commit(n.group, n.topic, 0);
    },
    request: (f) => ({ method: 'POST', path: `${groupPath(f)}/offsets`, body: { offsets: [{ topic: f.topic, partition: 0, offset: 1 }] } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.equal(await admin.committedOffset(f.group, f.topic), 1),
    state: (f, admin) => admin.committedOffset(f.group, f.topic),
    showsTopicOnRead: true,
  },
  'GET /v1/groups/{group}/offsets': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DESCRIBE'), topicNeed(n.topic, 'DESCRIBE', true)],
    setup: groupWithOffsets,
    request: (f) => ({ method: 'GET', path: `${groupPath(f)}/offsets` }),
    ok: 200,
    effect: (answer, f) => assert.ok(answer.body.partitions.some((p: { topic: string }) => p.topic === f.topic), 'the topic is shown'),
  },
  'GET /v1/groups': {
    kind: 'listed',
    resourceType: 'GROUP',
    path: '/v1/groups',
    listed: (body) => body.groups.map((g: { group: string }) => g.group),
    make: async (names, admin, n) => {
      await admin.createTopic(n.topic);
      for (const name of names) await admin.emptyGroup(name, n.topic);
    },
  },
  'GET /v1/groups/{group}': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DESCRIBE'), topicNeed(n.topic, 'DESCRIBE', true)],
    setup: groupWithOffsets,
    request: (f) => ({ method: 'GET', path: groupPath(f) }),
    ok: 200,
    effect: (answer, f) => assert.ok(answer.body.partitions.some((p: { topic: string }) => p.topic === f.topic), 'the topic is shown'),
  },
  'DELETE /v1/groups/{group}': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DELETE')],
    setup: groupWithOffsets,
    request: (f) => ({ method: 'DELETE', path: groupPath(f) }),
    ok: 204,
    effect: async (_answer, f, admin) => assert.equal(await admin.members(f.group), '404 GROUP_NOT_FOUND'),
    state: (f, admin) => admin.committedOffset(f.group, f.topic),
  },
  'POST /v1/groups/{group}/reset-offsets': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'READ'), topicNeed(n.topic, 'READ')],
    setup: groupWithOffsets,
    request: (f) => ({ method: 'POST', path: `${groupPath(f)}/reset-offsets`, body: { topic: f.topic, to: { type: 'earliest' } } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.equal(await admin.committedOffset(f.group, f.topic), 0),
    state: (f, admin) => admin.committedOffset(f.group, f.topic),
    badBodies: (f) => ({ 'an unknown target': { topic: f.topic, to: { type: 'newest' } }, 'a negative offset': { topic: f.topic, to: { type: 'offset', offset: -1 } } }),
    showsTopicOnRead: true,
  },
  'DELETE /v1/groups/{group}/offsets/{topic}': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DELETE'), topicNeed(n.topic, 'READ')],
    setup: groupWithOffsets,
    request: (f) => ({ method: 'DELETE', path: `${groupPath(f)}/offsets/${f.topic}` }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.equal(await admin.committedOffset(f.group, f.topic), null),
    state: (f, admin) => admin.committedOffset(f.group, f.topic),
    showsTopicOnRead: true,
  },
  'PUT /v1/groups/{group}/subscription': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'ALTER'), topicNeed(n.topic, 'READ'), topicNeed(n.deadLetterTopic, 'WRITE')],
    // The dead-letter topic exists, so the allowed call creates no topic.
    setup: async (n, admin) => {
      await admin.createTopic(n.topic);
      await admin.createTopic(n.deadLetterTopic);
    },
    request: (f) => ({ method: 'PUT', path: `${groupPath(f)}/subscription`, body: subscriptionBody(f.topic, f.deadLetterTopic) }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.deepEqual(await admin.subscription(f.group), { topic: f.topic }),
    state: (f, admin) => admin.subscription(f.group),
    badBodies: (f) => ({ 'a misspelled target key': { ...subscriptionBody(f.topic, f.deadLetterTopic), target: { type: 'https', urll: 'https://example.com/' } } }),
    showsTopicOnRead: true,
  },
  'GET /v1/groups/{group}/subscription': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DESCRIBE'), topicNeed(n.topic, 'DESCRIBE')],
    setup: subscribedGroup,
    request: (f) => ({ method: 'GET', path: `${groupPath(f)}/subscription` }),
    ok: 200,
    effect: (answer, f) => assert.equal(answer.body.topic, f.topic),
  },
  'DELETE /v1/groups/{group}/subscription': {
    kind: 'guarded',
    needs: (n) => [groupNeed(n.group, 'DELETE')],
    setup: subscribedGroup,
    request: (f) => ({ method: 'DELETE', path: `${groupPath(f)}/subscription` }),
    ok: 204,
    effect: async (_answer, f, admin) => assert.equal(await admin.subscription(f.group), '404 SUBSCRIPTION_NOT_FOUND'),
    state: (f, admin) => admin.subscription(f.group),
  },
  'POST /v1/acls': {
    kind: 'guarded',
    needs: () => [clusterNeed('ALTER')],
    request: (f) => ({ method: 'POST', path: '/v1/acls', body: bystanderRule(f) }),
    ok: 201,
    effect: async (_answer, f, admin) => assert.equal((await admin.rules()).filter((r) => r.resourceName === bystanderRule(f).resourceName).length, 1),
    state: async (f, admin) => (await admin.rules()).filter((r) => r.resourceName === bystanderRule(f).resourceName),
    other: 'none',
  },
  'GET /v1/acls': {
    kind: 'guarded',
    needs: () => [clusterNeed('DESCRIBE')],
    request: () => ({ method: 'GET', path: '/v1/acls' }),
    ok: 200,
    effect: (answer) => assert.ok(answer.body.rules.length > 0),
    other: 'none',
  },
  'DELETE /v1/acls/{rule}': {
    kind: 'guarded',
    needs: () => [clusterNeed('ALTER')],
    setup: async (n, admin) => ({ ruleId: await admin.createRule(bystanderRule(n)) }),
    request: (f) => ({ method: 'DELETE', path: `/v1/acls/${f.ruleId ?? 'mx-no-such-rule'}` }),
    ok: 204,
    effect: async (_answer, f, admin) => assert.ok(!(await admin.rules()).some((r) => r.ruleId === f.ruleId), 'the rule is gone'),
    state: async (f, admin) => (await admin.rules()).some((r) => r.ruleId === f.ruleId),
    // The rule is not the resource (the cluster is), but an unknown rule id must not answer 404 to an outsider either.
    other: 'absent',
  },
  'PUT /v1/quotas': {
    kind: 'guarded',
    needs: () => [clusterNeed('ALTER')],
    request: (f) => ({ method: 'PUT', path: '/v1/quotas', body: { principal: `${f.prefix}quota`, produceBytesPerSecond: 1_048_576 } }),
    ok: 200,
    effect: async (_answer, f, admin) => assert.ok((await admin.quotas()).some((q) => q.principal === `${f.prefix}quota`)),
    state: async (f, admin) => (await admin.quotas()).filter((q) => q.principal === `${f.prefix}quota`),
    badBodies: (f) => ({ 'a negative rate': { principal: `${f.prefix}quota`, produceBytesPerSecond: -1 } }),
    other: 'none',
  },
  'GET /v1/quotas': {
    kind: 'guarded',
    needs: () => [clusterNeed('DESCRIBE')],
    request: () => ({ method: 'GET', path: '/v1/quotas' }),
    ok: 200,
    effect: (answer) => assert.ok(Array.isArray(answer.body.quotas)),
    other: 'none',
  },
  // The Durable Streams protocol: a stream is the one-partition topic `ds.<path>` to the ACLs (streamTopic), by method.
  'ANY /ds/{proxy+}': {
    kind: 'operations',
    operations: {
      'PUT (create)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'CREATE')],
        prefix: streamPrefix,
        // Only the `other` cell's path is taken: a caller without rights learns nothing from a 200 or 409.
        setup: async (n, admin) => {
          if (n.cell === 'other') await admin.createStream(n.stream);
        },
        request: (f) => ({ method: 'PUT', path: dsPath(f.stream), headers: JSON_STREAM }),
        ok: 201,
        effect: async (_answer, f, admin) => assert.equal(await admin.streamState(f.stream), '200 next 0000000000000000 application/json'),
        state: (f, admin) => admin.streamState(f.stream),
        other: 'exists',
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'PUT with a body (create and append)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'CREATE'), topicNeed(n.streamTopic, 'WRITE')],
        prefix: streamPrefix,
        request: (f) => ({ method: 'PUT', path: dsPath(f.stream), headers: JSON_STREAM, rawBody: '[{"n":1}]' }),
        ok: 201,
        effect: async (_answer, f, admin) => assert.deepEqual(await admin.streamMessages(f.stream), [{ n: 1 }]),
        state: (f, admin) => admin.streamState(f.stream),
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'PUT Stream-Forked-From (fork)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'CREATE'), topicNeed(n.sourceTopic, 'READ')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.sourceStream, { messages: [{ n: 1 }] }),
        request: (f) => ({ method: 'PUT', path: dsPath(f.stream), headers: { 'stream-forked-from': dsPath(f.sourceStream) } }),
        ok: 201,
        effect: async (_answer, f, admin) => assert.deepEqual(await admin.streamMessages(f.stream), [{ n: 1 }]),
        state: async (f, admin) => [await admin.streamState(f.stream), await admin.streamState(f.sourceStream)],
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'PUT Stream-Forked-From with a body (fork and append)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'CREATE'), topicNeed(n.streamTopic, 'WRITE'), topicNeed(n.sourceTopic, 'READ')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.sourceStream, { messages: [{ n: 1 }] }),
        request: (f) => ({ method: 'PUT', path: dsPath(f.stream), headers: { ...JSON_STREAM, 'stream-forked-from': dsPath(f.sourceStream) }, rawBody: '[{"n":2}]' }),
        ok: 201,
        effect: async (_answer, f, admin) => assert.deepEqual(await admin.streamMessages(f.stream), [{ n: 1 }, { n: 2 }]),
        state: async (f, admin) => [await admin.streamState(f.stream), await admin.streamState(f.sourceStream)],
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'POST (append)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'WRITE')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream),
        request: (f) => ({ method: 'POST', path: dsPath(f.stream), headers: JSON_STREAM, rawBody: '[{"n":1}]' }),
        ok: 204,
        effect: async (_answer, f, admin) => assert.deepEqual(await admin.streamMessages(f.stream), [{ n: 1 }]),
        state: (f, admin) => admin.streamState(f.stream),
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'POST Producer-Id (idempotent append)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'WRITE')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream),
        request: (f) => ({ method: 'POST', path: dsPath(f.stream), headers: { ...JSON_STREAM, 'producer-id': 'mx-writer', 'producer-epoch': '0', 'producer-seq': '0' }, rawBody: '[{"n":1}]' }),
        ok: 200,
        effect: async (answer, f, admin) => {
          assert.equal(answer.headers.get('producer-seq'), '0');
          assert.deepEqual(await admin.streamMessages(f.stream), [{ n: 1 }]);
        },
        state: (f, admin) => admin.streamState(f.stream),
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'POST Stream-Closed (close)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'WRITE')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream),
        request: (f) => ({ method: 'POST', path: dsPath(f.stream), headers: { 'stream-closed': 'true' } }),
        ok: 204,
        effect: async (_answer, f, admin) => assert.equal(await admin.streamState(f.stream), '200 next 0000000000000000 closed application/json'),
        state: (f, admin) => admin.streamState(f.stream),
        genericBadBodies: false,
        badRequests: dsBadBodies,
      },
      'GET (catch-up read)': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'READ')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream, { messages: [{ n: 1 }] }),
        request: (f) => ({ method: 'GET', path: `${dsPath(f.stream)}?offset=-1` }),
        ok: 200,
        effect: (answer) => assert.deepEqual(answer.body, [{ n: 1 }]),
      },
      'GET live=long-poll': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'READ')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream, { messages: [{ n: 1 }] }),
        // Data at the offset: answered at once.
        request: (f) => ({ method: 'GET', path: `${dsPath(f.stream)}?offset=0000000000000000&live=long-poll` }),
        ok: 200,
        effect: (answer) => assert.deepEqual(answer.body, [{ n: 1 }]),
      },
      'GET live=sse': {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'READ')],
        prefix: streamPrefix,
        // A closed stream: the events end after the control event that says so, so the whole answer is read.
        setup: async (n, admin) => admin.createStream(n.stream, { messages: [{ n: 1 }], closed: true }),
        request: (f) => ({ method: 'GET', path: `${dsPath(f.stream)}?offset=-1&live=sse` }),
        ok: 200,
        effect: (answer) => {
          assert.equal(answer.headers.get('content-type'), 'text/event-stream');
          assert.match(answer.body, /event: data\ndata:\[\{"n":1\}\]/);
          assert.match(answer.body, /event: control\ndata:.*"streamClosed":true/);
        },
      },
      HEAD: {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'DESCRIBE')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream, { messages: [{ n: 1 }] }),
        request: (f) => ({ method: 'HEAD', path: dsPath(f.stream) }),
        ok: 200,
        effect: (answer) => assert.equal(answer.headers.get('stream-next-offset'), '0000000000000001'),
      },
      DELETE: {
        kind: 'guarded',
        needs: (n) => [topicNeed(n.streamTopic, 'DELETE')],
        prefix: streamPrefix,
        setup: async (n, admin) => admin.createStream(n.stream, { messages: [{ n: 1 }] }),
        request: (f) => ({ method: 'DELETE', path: dsPath(f.stream) }),
        ok: 204,
        effect: async (_answer, f, admin) => assert.equal(await admin.streamState(f.stream), '404'),
        state: (f, admin) => admin.streamState(f.stream),
      },
    },
  },
};

function dsPath(stream: string): string {
  return `/ds/${stream}`;
}

function streamPrefix(n: Names): string {
  return n.streamPrefix;
}

const JSON_STREAM = { 'content-type': 'application/json' };

/** Bodies a JSON stream refuses, or of another content type: a caller without rights gets the valid request's 403 for each. */
function dsBadBodies(): Record<string, Partial<ApiRequest>> {
  return {
    'invalid JSON': { headers: JSON_STREAM, rawBody: '{"oops": ' },
    'junk bytes': { headers: JSON_STREAM, rawBody: '\u0000\u00ff\ufffd junk' },
    'an empty JSON array': { headers: JSON_STREAM, rawBody: '[]' },
    'another content type': { headers: { 'content-type': 'text/plain' }, rawBody: 'plain text' },
  };
}

/** A group with a meta item, no live members, and a committed offset on its topic. */
async function groupWithOffsets(n: Names, admin: AdminOps): Promise<void> {
  await admin.createTopic(n.topic);
  await admin.produce(n.topic, 2);
  await admin.emptyGroup(n.group, n.topic);
  await admin.commit(n.group, n.topic, 1);
}

async function subscribedGroup(n: Names, admin: AdminOps): Promise<void> {
  await admin.createTopic(n.topic);
  await admin.createTopic(n.deadLetterTopic);
  await admin.subscribe(n.group, n.topic, n.deadLetterTopic);
}

/** A rule for a principal nobody authenticates as, so creating or deleting it changes no one's rights. */
function bystanderRule(n: Names): AclRuleBody {
  return { principal: 'mx.bystander', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: `${n.prefix}r`, operation: 'READ', permission: 'ALLOW' };
}

// ---------------------------------------------------------------------------------------
// The cells: which principal, which rules, which fixtures.
// ---------------------------------------------------------------------------------------

const ADMIN = { principal: 'admin', token: 't-admin' };
const BAD_TOKEN = 'not-a-token-anyone-has';

const routeKeyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
/** Every route, and the function serving it (which names its principals and fixtures). */
const API_ROUTES = FUNCTIONS.flatMap((spec) => (spec.routes ?? []).map((route) => ({ key: routeKeyOf(route), fn: spec.name })));

/**
 * What the matrix checks: a row per route, or per operation of a route with several
 * (`ANY /ds/{proxy+} · PUT (create)`, its names and principals `ds-put-create`).
 */
interface Entry {
  key: string;
  /** Names the entry's principals and fixtures. */
  fn: string;
  row: GuardedRow | ListedRow;
}

const slug = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const ENTRIES: Entry[] = API_ROUTES.flatMap(({ key, fn }): Entry[] => {
  const row = TABLE[key];
  if (!row) return [];
  if (row.kind !== 'operations') return [{ key, fn, row }];
  return Object.entries(row.operations).map(([label, operation]) => ({ key: `${key} · ${label}`, fn: `ds-${slug(label)}`, row: operation }));
});

interface Cell {
  id: string;
  principal: string | null;
  token: string | null;
  rules: AclRuleBody[];
  names: Names;
}

const principalOf = (fn: string, cell: string) => ({ principal: `${fn}.${cell}`, token: `t.${fn}.${cell}` });

function guardedCells(fn: string, row: GuardedRow): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  const readOnly = !row.state && !row.unchanged;
  const add = (id: string, who: { principal: string | null; token: string | null }, rules: (p: string, n: Names, needs: Need[]) => AclRuleBody[] = () => []) => {
    const names = namesOf(fn, readOnly && id !== 'other' ? 'shared' : id);
    cells.set(id, { id, ...who, names, rules: who.principal && who.principal !== ADMIN.principal ? rules(who.principal, names, row.needs(names)) : [] });
  };
  const needs = row.needs(namesOf(fn, 'probe'));
  add('admin', ADMIN);
  add('literal', principalOf(fn, 'literal'), (p, _n, ns) => ns.map((need) => allow(p, need)));
  if (needs.some((need) => need.resourceType !== 'CLUSTER')) {
    add('prefixed', principalOf(fn, 'prefixed'), (p, n, ns) => ns.map((need) => (need.resourceType === 'CLUSTER' ? allow(p, need) : allow(p, need, 'PREFIXED', row.prefix?.(n) ?? n.prefix))));
  }
  add('denied', principalOf(fn, 'denied'), (p, _n, ns) => [...ns.map((need) => ({ ...allow(p, need), operation: 'ALL' as const })), { ...allow(p, ns[0]!), permission: 'DENY' }]);
  add('noacl', principalOf(fn, 'noacl'));
  if (needs.length > 1) needs.forEach((_, i) => add(`without${i}`, principalOf(fn, `without${i}`), (p, _n, ns) => ns.filter((_need, j) => j !== i).map((need) => allow(p, need))));
  if (row.showsTopicOnRead) {
    add('nodescribe', principalOf(fn, 'nodescribe'), (p, n, ns) => [...ns.map((need) => allow(p, need)), { ...allow(p, topicNeed(n.topic, 'DESCRIBE')), permission: 'DENY' }]);
  }
  add('notoken', { principal: null, token: null });
  add('badtoken', { principal: null, token: BAD_TOKEN });
  // The existence variant is called by the no-ACL principal, on names of its own.
  if ((row.other ?? 'absent') !== 'none') add('other', principalOf(fn, 'noacl'));
  return cells;
}

/** List routes: one literal name, two under a prefix, one outside both. */
function listedNames(fn: string) {
  const base = `mx.${fn}`;
  return { literal: `${base}.lit`, prefix: `${base}.pre.`, preA: `${base}.pre.a`, preB: `${base}.pre.b`, outside: `${base}.out` };
}

function listedCells(fn: string, row: ListedRow): Map<string, Cell> {
  const n = listedNames(fn);
  const describeOn = (p: string, resourceName: string, patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL', permission: 'ALLOW' | 'DENY' = 'ALLOW'): AclRuleBody => ({
    principal: p,
    resourceType: row.resourceType,
    patternType,
    resourceName,
    operation: 'DESCRIBE',
    permission,
  });
  const cells = new Map<string, Cell>();
  const add = (id: string, who: { principal: string | null; token: string | null }, rules: (p: string) => AclRuleBody[] = () => []) =>
    cells.set(id, { id, ...who, names: namesOf(fn, id), rules: who.principal && who.principal !== ADMIN.principal ? rules(who.principal) : [] });
  add('admin', ADMIN);
  add('literal', principalOf(fn, 'literal'), (p) => [describeOn(p, n.literal)]);
  add('prefixed', principalOf(fn, 'prefixed'), (p) => [describeOn(p, n.prefix, 'PREFIXED')]);
  add('denied', principalOf(fn, 'denied'), (p) => [describeOn(p, n.prefix, 'PREFIXED'), describeOn(p, n.preA, 'LITERAL', 'DENY')]);
  add('noacl', principalOf(fn, 'noacl'));
  add('notoken', { principal: null, token: null });
  add('badtoken', { principal: null, token: BAD_TOKEN });
  return cells;
}

const CELLS = new Map<string, Map<string, Cell>>();
for (const { key, fn, row } of ENTRIES) CELLS.set(key, row.kind === 'guarded' ? guardedCells(fn, row) : listedCells(fn, row));

// Producer-id theft (produce route) and the penetration test's group, with principals of their own.
const OWNER = { principal: 'producer-owner', token: 't-producer-owner' };
const THIEF = { principal: 'producer-thief', token: 't-producer-thief' };
const STOLEN_TOPIC = 'mx.stolen-producer.t';
const ALICE = { principal: 'alice', token: 't-alice' };
// A subscription whose dead-letter topic does not exist yet creates it: that needs CREATE on it.
const DLQ_WITHOUT_CREATE = { ...principalOf('put-subscription', 'nocreate'), names: namesOf('put-subscription', 'nocreate') };
const DLQ_WITH_CREATE = { ...principalOf('put-subscription', 'create'), names: namesOf('put-subscription', 'create') };
const subscribeNeeds = (n: Names) => [groupNeed(n.group, 'ALTER'), topicNeed(n.topic, 'READ'), topicNeed(n.deadLetterTopic, 'WRITE')];

const TOKENS = new Map<string, string>([[ADMIN.principal, ADMIN.token]]);
for (const cells of CELLS.values()) for (const cell of cells.values()) if (cell.principal && cell.token) TOKENS.set(cell.principal, cell.token);
for (const who of [OWNER, THIEF, ALICE, DLQ_WITHOUT_CREATE, DLQ_WITH_CREATE]) TOKENS.set(who.principal, who.token);
process.env.SLUICE_AUTH_MODE = 'token';
process.env.SLUICE_AUTH_TOKENS = [...TOKENS].map(([principal, token]) => `${principal}=${token}`).join(',');
process.env.SLUICE_ADMIN_PRINCIPALS = ADMIN.principal;

let env: TestPlatform;
const api = apiCaller(() => env.url);
const admin = new AdminOps(api, ADMIN.token);
const fixtures = new Map<string, Fixture>();
const fixtureOf = (key: string, cell: string): Fixture => {
  const fixture = fixtures.get(`${key} ${cell}`);
  assert.ok(fixture, `no fixture for ${key} ${cell}`);
  return fixture;
};

before(async () => {
  env = await startTestPlatform();
  const jobs: (() => Promise<void>)[] = [];
  for (const { key, fn, row } of ENTRIES) {
    const cells = CELLS.get(key)!;
    if (row.kind === 'listed') {
      const n = listedNames(fn);
      jobs.push(() => row.make([n.literal, n.preA, n.preB, n.outside], admin, namesOf(fn, 'list')));
      continue;
    }
    // One setup per distinct set of names (a read-only row's cells share theirs).
    const byNames = new Map<string, Cell[]>();
    for (const cell of cells.values()) byNames.set(cell.names.cell, [...(byNames.get(cell.names.cell) ?? []), cell]);
    for (const [namesCell, sharing] of byNames) {
      const runsSetup = namesCell !== 'other' || row.other === 'exists';
      jobs.push(async () => {
        const names = sharing[0]!.names;
        const made = runsSetup && row.setup ? await row.setup(names, admin) : undefined;
        for (const cell of sharing) fixtures.set(`${key} ${cell.id}`, { ...names, ...(made ?? {}) });
      });
    }
  }
  jobs.push(async () => {
    await admin.createTopic(STOLEN_TOPIC);
  });
  jobs.push(billingFixture);
  for (const { names } of [DLQ_WITHOUT_CREATE, DLQ_WITH_CREATE]) jobs.push(async () => void (await admin.createTopic(names.topic)));
  await inBatches(jobs, 4, (job) => job());

  const rules: AclRuleBody[] = [];
  for (const cells of CELLS.values()) for (const cell of cells.values()) rules.push(...cell.rules);
  rules.push(
    allow(OWNER.principal, clusterNeed('WRITE')),
    allow(OWNER.principal, topicNeed(STOLEN_TOPIC, 'WRITE')),
    allow(THIEF.principal, topicNeed(STOLEN_TOPIC, 'WRITE')),
    allow(ALICE.principal, groupNeed('billing', 'READ')),
    allow(ALICE.principal, groupNeed('billing', 'DESCRIBE')),
    allow(ALICE.principal, topicNeed('ledger', 'DESCRIBE')),
    ...subscribeNeeds(DLQ_WITHOUT_CREATE.names).map((need) => allow(DLQ_WITHOUT_CREATE.principal, need)),
    ...subscribeNeeds(DLQ_WITH_CREATE.names).map((need) => allow(DLQ_WITH_CREATE.principal, need)),
    allow(DLQ_WITH_CREATE.principal, topicNeed(DLQ_WITH_CREATE.names.deadLetterTopic, 'CREATE')),
  );
  // Deduplicated: the `other` cell shares the no-ACL principal (and it has no rules anyway).
  const unique = [...new Map(rules.map((rule) => [JSON.stringify(rule), rule])).values()];
  await inBatches(unique, 4, async (rule) => void (await admin.createRule(rule)));
});

after(async () => {
  await env?.stop();
});

// ---------------------------------------------------------------------------------------
// Assertions shared by the cells.
// ---------------------------------------------------------------------------------------

const needText = (need: Need) => `${need.resourceType} ${need.operation}`;
const sameNeed = (error: any, need: Need) =>
  error?.resourceType === need.resourceType && error?.resourceName === need.resourceName && error?.operation === need.operation;

/** A HEAD answer has no body: its refusal is its status alone. */
function assertBodiless(answer: ApiAnswer, status: number): void {
  assert.equal(answer.status, status, `expected ${status}, got ${answer.status}`);
  assert.equal(answer.body, undefined, 'a HEAD answer has no body');
}

function assertDenied(answer: ApiAnswer, principal: string, needs: Need[], method?: string): void {
  if (method === 'HEAD') return assertBodiless(answer, 403);
  const error = answer.body?.error;
  assert.equal(answer.status, 403, `expected 403, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(error.code, 'ACCESS_DENIED');
  assert.equal(error.principal, principal);
  assert.ok(
    needs.some((need) => sameNeed(error, need)),
    `the 403 names ${needs.map((n) => `${n.operation} ${n.resourceType} '${n.resourceName}'`).join(' or ')}; got ${JSON.stringify(error)}`,
  );
}

function assertUnauthenticated(answer: ApiAnswer, method?: string): void {
  if (method === 'HEAD') return assertBodiless(answer, 401);
  assert.equal(answer.status, 401, `expected 401, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body?.error?.code, 'UNAUTHENTICATED');
}

/** Calls as `token`, checks the answer, then that the state the route would change did not. */
async function refusedChangesNothing(row: GuardedRow, f: Fixture, token: string | null, check: (answer: ApiAnswer) => void): Promise<void> {
  const before = row.state ? await row.state(f, admin) : undefined;
  const answer = await api(token, row.request(f));
  const after = row.state ? await row.state(f, admin) : undefined;
  check(answer);
  assert.deepEqual(after, before, 'the refused call changed nothing');
  if (row.unchanged) await row.unchanged(f, admin);
}

/** Invalid JSON and bodies that are not objects, then the route's valid body with an unknown key. */
function badBodies(row: GuardedRow, f: Fixture): Record<string, ApiRequest> {
  const valid = row.request(f);
  const variants: Record<string, ApiRequest> = {};
  if (row.genericBadBodies !== false) {
    for (const raw of ['{"oops": ', 'null', '[]', '"x"', '1', 'true']) variants[raw.startsWith('{') ? 'invalid JSON' : raw] = { ...valid, body: undefined, rawBody: raw };
    variants['an unknown key'] = { ...valid, body: { ...((valid.body as object | undefined) ?? {}), bogusKey: 1 } };
  }
  for (const [label, body] of Object.entries(row.badBodies?.(f) ?? {})) variants[label] = { ...valid, body };
  for (const [label, change] of Object.entries(row.badRequests?.(f) ?? {})) variants[label] = { ...valid, ...change, headers: { ...valid.headers, ...change.headers } };
  return variants;
}

/** Sends every bad body; answers the ones whose outcome is not `expected`. */
async function mismatches(row: GuardedRow, f: Fixture, token: string | null, expected: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const [label, request] of Object.entries(badBodies(row, f))) {
    const answer = await api(token, request);
    if (outcome(answer) !== expected) wrong.push(`${label}: ${outcome(answer)}${answer.body?.error?.field ? ` (field ${answer.body.error.field})` : ''}`);
  }
  return wrong;
}

// ---------------------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------------------

describe('the expectations table', () => {
  it('has a row for every route in FUNCTIONS', () => {
    assert.deepEqual(
      API_ROUTES.filter((route) => !TABLE[route.key]).map((route) => route.key),
      [],
    );
  });

  it('has no row for a route FUNCTIONS does not have', () => {
    const known = new Set(API_ROUTES.map((route) => route.key));
    assert.deepEqual(
      Object.keys(TABLE).filter((key) => !known.has(key)),
      [],
    );
  });
});

for (const { key } of API_ROUTES) {
  if (!TABLE[key]) it(`${key} · has a row in the expectations table`, () => assert.fail(`no row for ${key}: add what it needs to TABLE`));
}

for (const { key, fn, row } of ENTRIES) {
  const cells = CELLS.get(key)!;
  if (row.kind === 'listed') describe(key, () => listedTests(key, fn, row, cells));
  else describe(key, () => guardedTests(key, row, cells));
}

function guardedTests(key: string, row: GuardedRow, cells: Map<string, Cell>): void {
  const cell = (id: string) => cells.get(id)!;
  const needs = row.needs(cell('literal').names);
  const needsText = needs.map(needText).join(' + ');
  const method = row.request(cell('noacl').names).method;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const unchanged = row.state || row.unchanged ? ', nothing changed' : '';

  for (const id of ['admin', 'literal', 'prefixed']) {
    if (!cells.has(id)) continue;
    const label = id === 'admin' ? 'admin' : `allowed by ${id === 'literal' ? 'LITERAL' : 'PREFIXED'} ${needsText}`;
    it(`${key} · ${label} → ${row.ok}`, async () => {
      const f = fixtureOf(key, id);
      const answer = await api(cell(id).token, row.request(f));
      assert.equal(answer.status, row.ok, JSON.stringify(answer.body));
      await row.effect?.(answer, f, admin);
    });
  }

  it(`${key} · ALLOW ALL but DENY ${needText(needs[0]!)} → 403 ACCESS_DENIED${unchanged}`, async () => {
    const f = fixtureOf(key, 'denied');
    await refusedChangesNothing(row, f, cell('denied').token, (answer) => assertDenied(answer, cell('denied').principal!, [row.needs(f)[0]!], method));
  });

  it(`${key} · no ACL → 403 ACCESS_DENIED${unchanged}`, async () => {
    const f = fixtureOf(key, 'noacl');
    const hard = row.needs(f).filter((need) => !need.omittedWithout);
    await refusedChangesNothing(row, f, cell('noacl').token, (answer) => assertDenied(answer, cell('noacl').principal!, hard, method));
  });

  needs.forEach((need, i) => {
    if (!cells.has(`without${i}`)) return;
    const id = `without${i}`;
    if (need.omittedWithout) {
      it(`${key} · without ${needText(need)} → ${row.ok}, the ${need.resourceType.toLowerCase()} left out (finding 2)`, async () => {
        const f = fixtureOf(key, id);
        const answer = await api(cell(id).token, row.request(f));
        assert.equal(answer.status, row.ok, JSON.stringify(answer.body));
        const hidden = row.needs(f)[i]!.resourceName;
        assert.ok(!mentions(answer.body, hidden), `'${hidden}' is not shown: ${JSON.stringify(answer.body)}`);
      });
    } else {
      it(`${key} · without ${needText(need)} → 403 naming it${unchanged}${need.resourceType === 'TOPIC' ? ' (finding 2)' : ''}`, async () => {
        const f = fixtureOf(key, id);
        await refusedChangesNothing(row, f, cell(id).token, (answer) => assertDenied(answer, cell(id).principal!, [row.needs(f)[i]!], method));
      });
    }
  });

  if (cells.has('nodescribe')) {
    it(`${key} · READ on the topic but DESCRIBE denied → 403 on the topic${unchanged} (finding 2)`, async () => {
      const f = fixtureOf(key, 'nodescribe');
      await refusedChangesNothing(row, f, cell('nodescribe').token, (answer) => {
        assert.equal(answer.status, 403, `expected 403, got ${answer.status} ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, 'ACCESS_DENIED');
        assert.equal(answer.body.error.resourceType, 'TOPIC');
        assert.equal(answer.body.error.resourceName, f.topic);
      });
    });
  }

  for (const id of ['notoken', 'badtoken']) {
    it(`${key} · ${id === 'notoken' ? 'no token' : 'a bad token'} → 401 UNAUTHENTICATED${unchanged}`, async () => {
      await refusedChangesNothing(row, fixtureOf(key, id), cell(id).token, (answer) => assertUnauthenticated(answer, method));
    });
  }

  const variants = Object.keys(badBodies(row, cell('noacl').names)).join(', ');
  if (hasBody && variants) {
    for (const id of ['noacl', 'denied']) {
      it(`${key} · ${id === 'noacl' ? 'no ACL' : 'denied'}, any body (${variants}) → the same 403 (finding 3)`, async () => {
        assert.deepEqual(await mismatches(row, fixtureOf(key, id), cell(id).token, '403 ACCESS_DENIED'), []);
      });
    }
    it(`${key} · no token, any body → 401 before the body is read`, async () => {
      assert.deepEqual(await mismatches(row, fixtureOf(key, 'notoken'), null, '401 UNAUTHENTICATED'), []);
    });
  }

  if (cells.has('other')) {
    const what = row.other === 'exists' ? 'a topic that already exists' : 'resources that do not exist';
    it(`${key} · no ACL, on ${what} → the same 403 (finding 3)`, async () => {
      const answer = await api(cell('other').token, row.request(fixtureOf(key, 'other')));
      if (method === 'HEAD') assertBodiless(answer, 403);
      else assert.equal(outcome(answer), '403 ACCESS_DENIED', JSON.stringify(answer.body));
    });
  }
}

function listedTests(key: string, fn: string, row: ListedRow, cells: Map<string, Cell>): void {
  const n = listedNames(fn);
  const list = async (id: string) => {
    const answer = await api(cells.get(id)!.token, { method: 'GET', path: row.path });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return row.listed(answer.body);
  };
  const kind = row.resourceType.toLowerCase();

  it(`${key} · admin → 200 with every ${kind}`, async () => {
    const names = await list('admin');
    for (const name of [n.literal, n.preA, n.preB, n.outside]) assert.ok(names.includes(name), `${name} is listed`);
  });

  it(`${key} · DESCRIBE on one ${kind} (LITERAL) → 200 with exactly that one`, async () => {
    assert.deepEqual(await list('literal'), [n.literal]);
  });

  it(`${key} · DESCRIBE on a prefix (PREFIXED) → 200 with exactly the ${kind}s under it`, async () => {
    assert.deepEqual((await list('prefixed')).sort(), [n.preA, n.preB]);
  });

  it(`${key} · DESCRIBE on a prefix but DENY DESCRIBE on one → 200 without the denied one`, async () => {
    assert.deepEqual(await list('denied'), [n.preB]);
  });

  it(`${key} · no ACL → 200 with none`, async () => {
    assert.deepEqual(await list('noacl'), []);
  });

  for (const id of ['notoken', 'badtoken']) {
    it(`${key} · ${id === 'notoken' ? 'no token' : 'a bad token'} → 401 UNAUTHENTICATED`, async () => {
      assertUnauthenticated(await api(cells.get(id)!.token, { method: 'GET', path: row.path }));
    });
  }
}

// ---------------------------------------------------------------------------------------
// Another principal's producer id.
// ---------------------------------------------------------------------------------------

describe('POST /v1/topics/{topic}/records · another principal\'s producer id', () => {
  it('is refused with 403 naming producer.id, writes nothing, and the owner\'s sequence 0 still commits', async () => {
    const issued = await api(OWNER.token, { method: 'POST', path: '/v1/producers' });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const producer = { id: issued.body.producerId, epoch: issued.body.epoch, sequences: { '0': 0 } };
    const before = await admin.highWatermark(STOLEN_TOPIC);

    const stolen = await api(THIEF.token, { method: 'POST', path: `/v1/topics/${STOLEN_TOPIC}/records`, body: { producer, records: [{ value: 'thief', partition: 0 }] } });
    assert.equal(await admin.highWatermark(STOLEN_TOPIC), before, 'the thief wrote nothing');
    assert.equal(stolen.status, 403, JSON.stringify(stolen.body));
    assert.equal(stolen.body.error.field, 'producer.id');

    const own = await api(OWNER.token, { method: 'POST', path: `/v1/topics/${STOLEN_TOPIC}/records`, body: { producer, records: [{ value: 'owner', partition: 0 }] } });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.duplicate, false, 'the owner\'s first batch is committed, not answered as a duplicate');
    assert.equal(own.body.records[0].offset, before);
    const fetched = await admin.expect(200, { method: 'GET', path: `/v1/topics/${STOLEN_TOPIC}/partitions/0/records?offset=${before}&encoding=utf8` });
    assert.deepEqual(
      fetched.records.map((r: { value: string }) => r.value),
      ['owner'],
    );
  });
});

// ---------------------------------------------------------------------------------------
// A subscription that would create its dead-letter topic.
// ---------------------------------------------------------------------------------------

describe('PUT /v1/groups/{group}/subscription · a dead-letter topic that does not exist yet', () => {
  const subscribe = (who: { token: string; names: Names }) =>
    api(who.token, { method: 'PUT', path: `/v1/groups/${who.names.group}/subscription`, body: subscriptionBody(who.names.topic, who.names.deadLetterTopic) });

  it('without TOPIC CREATE on it → 403 naming it, no topic and no subscription made', async () => {
    const { names } = DLQ_WITHOUT_CREATE;
    const answer = await subscribe(DLQ_WITHOUT_CREATE);
    assert.equal(await admin.topicOutcome(names.deadLetterTopic), '404 TOPIC_NOT_FOUND', 'no dead-letter topic was created');
    assert.equal(await admin.subscription(names.group), '404 SUBSCRIPTION_NOT_FOUND');
    assertDenied(answer, DLQ_WITHOUT_CREATE.principal, [topicNeed(names.deadLetterTopic, 'CREATE')]);
  });

  it('with TOPIC CREATE on it as well → 200, and the dead-letter topic exists', async () => {
    const answer = await subscribe(DLQ_WITH_CREATE);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(await admin.topicOutcome(DLQ_WITH_CREATE.names.deadLetterTopic), '200');
  });
});

// ---------------------------------------------------------------------------------------
// Finding 1: group views show only the topics their caller may describe.
// ---------------------------------------------------------------------------------------

/** Group `billing` with committed offsets on `secret` (alice may not describe it) and `ledger` (she may). */
async function billingFixture(): Promise<void> {
  for (const topic of ['secret', 'ledger']) {
    await admin.createTopic(topic);
    await admin.produce(topic, 3);
  }
  await admin.leave('billing', await admin.join('billing', ['secret', 'ledger']));
  await admin.commit('billing', 'secret', 1);
  await admin.commit('billing', 'ledger', 2);
}

describe('finding 1: alice with READ and DESCRIBE on group billing, nothing on topic secret', () => {
  const asAlice = (path: string) => api(ALICE.token, { method: 'GET', path });
  const shown = (body: any) => (body?.partitions ?? []).map((p: { topic: string; partition: number; committedOffset: number | null; lag: number }) => ({
    topic: p.topic,
    partition: p.partition,
    committedOffset: p.committedOffset,
    lag: p.lag,
  }));

  it('GET /v1/groups/billing/offsets?topic=secret shows nothing of secret', async () => {
    const answer = await asAlice('/v1/groups/billing/offsets?topic=secret');
    assert.deepEqual(
      shown(answer.body).filter((p: { topic: string }) => p.topic === 'secret'),
      [],
      JSON.stringify(answer.body),
    );
    assert.ok(answer.body?.totalLag === undefined || answer.body.totalLag === 0, `no lag of secret is shown: ${JSON.stringify(answer.body)}`);
  });

  it('GET /v1/groups/billing/offsets?topic=secret answers exactly as ?topic=nope (a topic that does not exist)', async () => {
    const secret = await asAlice('/v1/groups/billing/offsets?topic=secret');
    const nope = await asAlice('/v1/groups/billing/offsets?topic=nope');
    assert.equal(outcome(secret), outcome(nope));
  });

  it('GET /v1/groups/billing leaves secret out and shows ledger', async () => {
    const answer = await asAlice('/v1/groups/billing');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(!mentions(answer.body, 'secret'), JSON.stringify(answer.body));
    assert.ok(shown(answer.body).some((p: { topic: string }) => p.topic === 'ledger'), 'ledger is shown');
  });

  it('GET /v1/groups/billing and GET /v1/groups/billing/offsets agree on every partition and the total lag', async () => {
    const group = await asAlice('/v1/groups/billing');
    const offsets = await asAlice('/v1/groups/billing/offsets');
    assert.equal(group.status, 200);
    assert.equal(offsets.status, 200);
    assert.ok(!mentions(offsets.body, 'secret'), JSON.stringify(offsets.body));
    assert.deepEqual(shown(offsets.body), shown(group.body));
    assert.equal(offsets.body.totalLag, group.body.totalLag);
  });
});
