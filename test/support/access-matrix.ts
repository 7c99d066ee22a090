import assert from 'node:assert/strict';
import { streamTopicName } from '../../lib/protocol/durable-streams';
import type { Api, ApiAnswer, ApiRequest } from './api-caller';

/**
 * The vocabulary of the authorization matrix test (test/infra/local/authorization-matrix.test.ts):
 * what a route needs, the fixtures each cell of the matrix gets, and the admin calls that
 * make and read them.
 */
export type ResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';
export type Operation = 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'DESCRIBE' | 'ALTER' | 'ALTER_CONFIGS';

/** One ACL a route needs. */
export interface Need {
  resourceType: ResourceType;
  resourceName: string;
  operation: Operation;
  /** Without it the route still answers, but leaves the resource out (a view of several). */
  omittedWithout?: boolean;
}

export const topicNeed = (resourceName: string, operation: Operation, omittedWithout = false): Need => ({ resourceType: 'TOPIC', resourceName, operation, omittedWithout });
export const groupNeed = (resourceName: string, operation: Operation): Need => ({ resourceType: 'GROUP', resourceName, operation });
export const clusterNeed = (operation: Operation): Need => ({ resourceType: 'CLUSTER', resourceName: 'cluster', operation });

/** The resource names of one cell: every cell of every row has its own, so no call sees another's effects. */
export interface Names {
  cell: string;
  /** A prefix of every name below (the PREFIXED cell's ACLs use it). */
  prefix: string;
  topic: string;
  group: string;
  deadLetterTopic: string;
  producer: string;
  /** A Durable Streams stream path (after /ds/), a fork's source beside it, and their topics (`ds.` and the path, `/` as `.`). */
  stream: string;
  sourceStream: string;
  streamTopic: string;
  sourceTopic: string;
  /** The prefix of both streams' topics (the PREFIXED cell's ACLs on them use it). */
  streamPrefix: string;
}

/** A cell's names plus what its setup made. */
export interface Fixture extends Names {
  memberId?: string;
  ruleId?: string;
}

export function namesOf(row: string, cell: string): Names {
  const prefix = `mx.${row}.${cell}.`;
  // Row and cell names are [a-z0-9-], which stream paths keep as they are: `mx/<row>/<cell>/s` is topic `ds.mx.<row>.<cell>.s`.
  const stream = `mx/${row}/${cell}/s`;
  const sourceStream = `mx/${row}/${cell}/src`;
  const streamTopic = streamTopicName(stream)!;
  const sourceTopic = streamTopicName(sourceStream)!;
  const streamPrefix = `ds.mx.${row}.${cell}.`;
  assert.ok(streamTopic.startsWith(streamPrefix) && sourceTopic.startsWith(streamPrefix), `stream names of ${row}/${cell} under ${streamPrefix}`);
  return { cell, prefix, topic: `${prefix}t`, group: `${prefix}g`, deadLetterTopic: `${prefix}dlq`, producer: `${prefix}p`, stream, sourceStream, streamTopic, sourceTopic, streamPrefix };
}

/** What POST /v1/acls takes. */
export interface AclRuleBody {
  principal: string;
  resourceType: ResourceType;
  patternType: 'LITERAL' | 'PREFIXED';
  resourceName: string;
  operation: Operation | 'ALL';
  permission: 'ALLOW' | 'DENY';
}

export const allow = (principal: string, need: Need, patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL', resourceName = need.resourceName): AclRuleBody => ({
  principal,
  resourceType: need.resourceType,
  patternType,
  resourceName,
  operation: need.operation,
  permission: 'ALLOW',
});

/** Administration through the API as an admin principal, asserting each call worked. */
export class AdminOps {
  constructor(
    private readonly api: Api,
    private readonly token: string,
  ) {}

  call(request: ApiRequest): Promise<ApiAnswer> {
    return this.api(this.token, request);
  }

  async expect(status: number, request: ApiRequest): Promise<any> {
    const answer = await this.call(request);
    assert.equal(answer.status, status, `${request.method} ${request.path} as admin: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  createTopic(name: string): Promise<unknown> {
    return this.expect(201, { method: 'POST', path: '/v1/topics', body: { name } });
  }

  async produce(topic: string, count: number): Promise<void> {
    const records = Array.from({ length: count }, (_, i) => ({ value: `seed-${i}`, partition: 0 }));
    await this.expect(200, { method: 'POST', path: `/v1/topics/${topic}/records`, body: { records } });
  }

  async logStartOffset(topic: string): Promise<number> {
    return (await this.expect(200, { method: 'GET', path: `/v1/topics/${topic}/partitions/0/offsets` })).logStartOffset;
  }

  async highWatermark(topic: string): Promise<number> {
    return (await this.expect(200, { method: 'GET', path: `/v1/topics/${topic}/partitions/0/offsets` })).highWatermark;
  }

  /** Joins with the longest session, so the member outlives the test file. */
  async join(group: string, topics: string[]): Promise<string> {
    return (await this.expect(201, { method: 'POST', path: `/v1/groups/${group}/members`, body: { topics, sessionTimeoutMs: 300_000 } })).memberId;
  }

  async leave(group: string, memberId: string): Promise<void> {
    await this.expect(204, { method: 'DELETE', path: `/v1/groups/${group}/members/${memberId}` });
  }

  /** A group that exists (it has a meta item) with no live members. */
  async emptyGroup(group: string, topic: string): Promise<void> {
    await this.leave(group, await this.join(group, [topic]));
  }

  /** A standalone commit (the group must have no live members). */
  async commit(group: string, topic: string, offset: number): Promise<void> {
    await this.expect(200, { method: 'POST', path: `/v1/groups/${group}/offsets`, body: { offsets: [{ topic, partition: 0, offset }] } });
  }

  /** The committed offset of the topic's partition 0 in the group, or the answer's outcome when there is none. */
  async committedOffset(group: string, topic: string): Promise<unknown> {
    const answer = await this.call({ method: 'GET', path: `/v1/groups/${group}/offsets` });
    if (answer.status !== 200) return `${answer.status} ${answer.body?.error?.code}`;
    return answer.body.partitions.find((p: { topic: string; partition: number }) => p.topic === topic && p.partition === 0)?.committedOffset ?? null;
  }

  /** The group's live members and their lease expiry, or the answer's outcome when the group is missing. */
  async members(group: string): Promise<unknown> {
    const answer = await this.call({ method: 'GET', path: `/v1/groups/${group}` });
    if (answer.status !== 200) return `${answer.status} ${answer.body?.error?.code}`;
    return answer.body.memberDetails.map((m: { memberId: string; expiresAt: number }) => ({ memberId: m.memberId, expiresAt: m.expiresAt }));
  }

  async subscribe(group: string, topic: string, deadLetterTopic: string): Promise<void> {
    await this.expect(200, { method: 'PUT', path: `/v1/groups/${group}/subscription`, body: subscriptionBody(topic, deadLetterTopic) });
  }

  /** The group's subscription (its topic), or the answer's outcome when there is none. */
  async subscription(group: string): Promise<unknown> {
    const answer = await this.call({ method: 'GET', path: `/v1/groups/${group}/subscription` });
    return answer.status === 200 ? { topic: answer.body.topic } : `${answer.status} ${answer.body?.error?.code}`;
  }

  /** The topic's partition count and config, or the answer's outcome when it is missing. */
  async topicSettings(topic: string): Promise<unknown> {
    const answer = await this.call({ method: 'GET', path: `/v1/topics/${topic}` });
    return answer.status === 200 ? { partitions: answer.body.partitions, config: answer.body.config } : `${answer.status} ${answer.body?.error?.code}`;
  }

  /** Whether the topic exists, as the outcome of describing it. */
  async topicOutcome(topic: string): Promise<string> {
    const answer = await this.call({ method: 'GET', path: `/v1/topics/${topic}` });
    return `${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
  }

  async createRule(rule: AclRuleBody): Promise<string> {
    return (await this.expect(201, { method: 'POST', path: '/v1/acls', body: rule })).ruleId;
  }

  async rules(): Promise<{ ruleId: string; principal: string; resourceName: string }[]> {
    return (await this.expect(200, { method: 'GET', path: '/v1/acls' })).rules;
  }

  async quotas(): Promise<{ principal: string }[]> {
    return (await this.expect(200, { method: 'GET', path: '/v1/quotas' })).quotas;
  }

  async initProducer(name?: string): Promise<{ producerId: number; epoch: number }> {
    return this.expect(200, { method: 'POST', path: '/v1/producers', ...(name === undefined ? {} : { body: { name } }) });
  }

  /** Creates a Durable Streams stream (JSON unless told), with `messages` as its first records and closed if asked. */
  async createStream(path: string, { messages = [], closed = false, contentType = 'application/json' }: { messages?: unknown[]; closed?: boolean; contentType?: string } = {}): Promise<void> {
    const headers: Record<string, string> = { 'content-type': contentType, ...(closed ? { 'stream-closed': 'true' } : {}) };
    await this.expect(201, { method: 'PUT', path: `/ds/${path}`, headers, ...(messages.length > 0 ? { rawBody: JSON.stringify(messages) } : {}) });
  }

  /** A stream's metadata as HEAD answers it: status, next offset, closure and content type (`404` when there is none). */
  async streamState(path: string): Promise<string> {
    const answer = await this.call({ method: 'HEAD', path: `/ds/${path}` });
    if (answer.status !== 200) return String(answer.status);
    const closed = answer.headers.get('stream-closed') === 'true' ? ' closed' : '';
    return `200 next ${answer.headers.get('stream-next-offset')}${closed} ${answer.headers.get('content-type')}`;
  }

  /** A stream's messages from the start (a JSON stream's), or the outcome when it cannot be read. */
  async streamMessages(path: string): Promise<unknown> {
    const answer = await this.call({ method: 'GET', path: `/ds/${path}?offset=-1` });
    return answer.status === 200 ? answer.body : `${answer.status} ${answer.body?.error?.code}`;
  }
}

/** A push subscription nothing is ever delivered to (its topic stays empty). */
export function subscriptionBody(topic: string, deadLetterTopic: string): Record<string, unknown> {
  return { topic, target: { type: 'https', url: 'https://example.com/sluice-matrix-hook' }, deadLetterTopic };
}
