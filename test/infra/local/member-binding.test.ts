import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { WATCH_BOUND_LEASE_MS } from '../../../lib/protocol/watch';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { memberKey } from '../../../lib/store/group-items';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { eventually } from '../../support/eventually';
import { TestWatchClient } from '../../support/watch-client';

/**
 * Group membership kept by the member's watch connection (lib/groups/member-binding.ts),
 * over the local platform's WebSocket emulation against DynamoDB Local: `bind`, the
 * coordinator's `rebalance` notice, `$disconnect` starting the session timeout, and a
 * rebind within it. Token authentication with ACLs.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,stranger=t-stranger';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';
// The handlers' INFO lines would bury the test's own output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

let env: TestPlatform;
const ctx = () => contextFromEnv();
const TOPIC = 'bound-topic';
/** The shortest session timeout the API takes, so lapsing is quick to see. */
const SESSION_MS = 1000;

async function as(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const connect = (token = 't-reader') => TestWatchClient.open(`${env.platform.watchUrl}?token=${token}`);

async function join(group: string, sessionTimeoutMs = 30_000): Promise<string> {
  const joined = await as('t-reader', 'POST', `/v1/groups/${group}/members`, { topics: [TOPIC], sessionTimeoutMs });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  return joined.body.memberId as string;
}

async function memberItem(group: string, memberId: string): Promise<Record<string, any> | undefined> {
  return (await ctx().ddb.send(new GetCommand({ TableName: ctx().tables.groups, Key: memberKey(group, memberId), ConsistentRead: true }))).Item;
}

async function bind(client: TestWatchClient, group: string, memberId: string): Promise<any> {
  client.send({ action: 'bind', group, memberId });
  return client.next((m) => m.type === 'bound' || m.type === 'watch-error');
}

before(async () => {
  env = await startTestPlatform();
  assert.equal((await as('t-admin', 'POST', '/v1/topics', { name: TOPIC, partitions: 2 })).status, 201);
  const rules = [
    { resourceType: 'TOPIC', resourceName: TOPIC },
    { resourceType: 'GROUP', resourceName: 'g-', patternType: 'PREFIXED' },
  ];
  for (const rule of rules) {
    const created = await as('t-admin', 'POST', '/v1/acls', { principal: 'reader', operation: 'READ', permission: 'ALLOW', ...rule });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
});

after(async () => {
  await env?.stop();
});

describe('group members bound to their watch connection (local WebSocket API)', { timeout: 60_000 }, () => {
  it('binds a member: answers bound with the generation, and the member item names the connection with a lease past the session timeout', async () => {
    const memberId = await join('g-bind');
    const client = await connect();
    try {
      const before = Date.now();
      const answer = await bind(client, 'g-bind', memberId);
      assert.equal(answer.type, 'bound', JSON.stringify(answer));
      assert.deepEqual({ group: answer.group, memberId: answer.memberId }, { group: 'g-bind', memberId });
      assert.equal(typeof answer.generation, 'number');
      const item = await memberItem('g-bind', memberId);
      assert.equal(typeof item?.connectionId, 'string');
      assert.ok(item!.expiresAt >= before + WATCH_BOUND_LEASE_MS, `lease ${item!.expiresAt - before} ms`);
    } finally {
      client.close();
    }
  });

  it('posts rebalance with the new generation to a bound member when another member joins', async () => {
    const first = await join('g-notice');
    const client = await connect();
    try {
      assert.equal((await bind(client, 'g-notice', first)).type, 'bound');
      // Let the coordinator handle the first join, so the notice below is the second member's.
      await eventually(async () => (await as('t-reader', 'POST', `/v1/groups/g-notice/members/${first}/heartbeat`)).body.rebalanceInProgress === false, 'first member settled');
      const settled = (await as('t-reader', 'POST', `/v1/groups/g-notice/members/${first}/heartbeat`)).body.generation as number;
      await join('g-notice');
      const notice = await client.next((m) => m.type === 'rebalance' && m.generation > settled);
      assert.deepEqual(notice, { type: 'rebalance', group: 'g-notice', generation: settled + 1 });
    } finally {
      client.close();
    }
  });

  it('starts the session timeout when the bound connection closes: no connection on the member, its lease the session timeout from the close', async () => {
    const memberId = await join('g-close', SESSION_MS);
    const client = await connect();
    assert.equal((await bind(client, 'g-close', memberId)).type, 'bound');
    const closedAt = Date.now();
    client.close();
    await client.closed;
    await eventually(async () => (await memberItem('g-close', memberId))?.connectionId === undefined, 'binding released');
    const item = await memberItem('g-close', memberId);
    assert.ok(item!.expiresAt >= closedAt + SESSION_MS && item!.expiresAt <= Date.now() + SESSION_MS, `lease ends ${item!.expiresAt - closedAt} ms after the close`);
  });

  it('keeps the membership of a member that binds again on a new connection within its session timeout, while one that does not lapses', async () => {
    const rebinds = await join('g-rebind', SESSION_MS);
    const vanishes = await join('g-rebind', SESSION_MS);
    const first = await connect();
    assert.equal((await bind(first, 'g-rebind', rebinds)).type, 'bound');
    assert.equal((await bind(first, 'g-rebind', vanishes)).type, 'bound');
    first.close();
    await first.closed;
    await env.platform.watch.disconnected();
    const second = await connect();
    try {
      assert.equal((await bind(second, 'g-rebind', rebinds)).type, 'bound');
      await delay(SESSION_MS * 1.5);
      assert.equal((await as('t-reader', 'POST', `/v1/groups/g-rebind/members/${rebinds}/heartbeat`)).status, 200);
      assert.equal((await as('t-reader', 'POST', `/v1/groups/g-rebind/members/${vanishes}/heartbeat`)).status, 404);
    } finally {
      second.close();
    }
  });

  it('moves the binding to the newest connection: the older one closing leaves the member bound to the new one', async () => {
    const memberId = await join('g-move', SESSION_MS);
    const older = await connect();
    const newer = await connect();
    try {
      assert.equal((await bind(older, 'g-move', memberId)).type, 'bound');
      assert.equal((await bind(newer, 'g-move', memberId)).type, 'bound');
      const boundTo = (await memberItem('g-move', memberId))?.connectionId;
      older.close();
      await older.closed;
      await env.platform.watch.disconnected();
      assert.equal((await memberItem('g-move', memberId))?.connectionId, boundTo);
    } finally {
      newer.close();
    }
  });

  it('refuses to bind for a principal without READ on the group (ACCESS_DENIED naming the member), and binds nothing', async () => {
    const memberId = await join('g-acl');
    const client = await connect('t-stranger');
    try {
      const answer = await bind(client, 'g-acl', memberId);
      assert.equal(answer.type, 'watch-error');
      assert.equal(answer.error.code, 'ACCESS_DENIED');
      assert.deepEqual({ group: answer.group, memberId: answer.memberId }, { group: 'g-acl', memberId });
      assert.equal((await memberItem('g-acl', memberId))?.connectionId, undefined);
    } finally {
      client.close();
    }
  });

  it('refuses to bind a member the group does not have with UNKNOWN_MEMBER', async () => {
    const client = await connect();
    try {
      const answer = await bind(client, 'g-unknown', 'member-nobody');
      assert.equal(answer.type, 'watch-error');
      assert.equal(answer.error.code, 'UNKNOWN_MEMBER');
    } finally {
      client.close();
    }
  });

  it('refuses a bind without a member id with INVALID_REQUEST naming memberId', async () => {
    const client = await connect();
    try {
      client.send({ action: 'bind', group: 'g-bad' });
      const answer = await client.next((m) => m.type === 'watch-error');
      assert.equal(answer.error.code, 'INVALID_REQUEST');
      assert.equal(answer.error.field, 'memberId');
    } finally {
      client.close();
    }
  });

  it('refuses a bind with a group name that is not one with INVALID_REQUEST naming group', async () => {
    const client = await connect();
    try {
      client.send({ action: 'bind', group: 'no spaces/allowed', memberId: 'm-1' });
      const answer = await client.next((m) => m.type === 'watch-error');
      assert.equal(answer.error.code, 'INVALID_REQUEST');
      assert.equal(answer.error.field, 'group');
    } finally {
      client.close();
    }
  });
});
