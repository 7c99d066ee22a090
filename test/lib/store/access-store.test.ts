import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAclRule } from '../../../lib/auth/acl';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { usageKey } from '../../../lib/store/access-items';
import { addUsage, deleteAclRuleItem, putAclRule, putQuota, queryAclRules, queryQuotas, readQuota } from '../../../lib/store/access-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** The Access table store (ACL rules, quotas, usage windows), against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

const rule = (ruleId: string, createdAt = 1): StoredAclRule => ({
  ruleId,
  principal: 'alice',
  resourceType: 'TOPIC',
  patternType: 'PREFIXED',
  resourceName: 'orders-',
  operation: 'WRITE',
  permission: 'ALLOW',
  createdAt,
});

describe('access store', () => {
  it('stores ACL rules that read back whole, across query pages', async () => {
    const rules = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id, i) => rule(id, i));
    for (const r of rules) assert.equal(await putAclRule(ctx, r), 'created');
    const read = (await queryAclRules(ctx, { pageSize: 2 })).filter((r) => /^r\d$/.test(r.ruleId));
    assert.deepEqual([...read].sort((a, b) => a.createdAt - b.createdAt), rules);
  });

  it('never overwrites a rule id already stored', async () => {
    await putAclRule(ctx, rule('unique', 1));
    assert.equal(await putAclRule(ctx, { ...rule('unique', 2), permission: 'DENY' }), 'exists');
    assert.equal((await queryAclRules(ctx)).find((r) => r.ruleId === 'unique')?.permission, 'ALLOW');
  });

  it('deletes a rule, and answers not-found for a rule that is not there', async () => {
    await putAclRule(ctx, rule('doomed'));
    assert.equal(await deleteAclRuleItem(ctx, 'doomed'), 'deleted');
    assert.equal((await queryAclRules(ctx)).some((r) => r.ruleId === 'doomed'), false);
    assert.equal(await deleteAclRuleItem(ctx, 'doomed'), 'not-found');
  });

  it('stores a quota setting per principal, replaced by the next, with null as unlimited', async () => {
    assert.equal(await readQuota(ctx, 'carol'), undefined);
    await putQuota(ctx, { principal: 'carol', produceBytesPerSecond: 100, fetchBytesPerSecond: null, updatedAt: 1 });
    await putQuota(ctx, { principal: 'carol', produceBytesPerSecond: 200, fetchBytesPerSecond: null, updatedAt: 2 });
    assert.deepEqual(await readQuota(ctx, 'carol'), { principal: 'carol', produceBytesPerSecond: 200, fetchBytesPerSecond: null, updatedAt: 2 });
  });

  it('lists every quota, across query pages', async () => {
    const principals = ['q1', 'q2', 'q3', 'q4', 'q5'];
    for (const principal of principals) await putQuota(ctx, { principal, produceBytesPerSecond: 1, fetchBytesPerSecond: 2, updatedAt: 3 });
    const listed = (await queryQuotas(ctx, { pageSize: 2 })).map((q) => q.principal).filter((p) => principals.includes(p));
    assert.deepEqual(listed.sort(), principals);
  });

  // The window is the current one: an item past its expiry may be gone already (the table's TTL is on, and DynamoDB Local honours it).
  it('adds usage to a window, answering the window total, and expires the window an hour after the next one ends', async () => {
    const usage = { principal: 'dave', kind: 'produce', windowStart: Date.now() - (Date.now() % 10_000), windowMs: 10_000 } as const;
    assert.equal(await addUsage(ctx, { ...usage, bytes: 300 }), 300);
    assert.equal(await addUsage(ctx, { ...usage, bytes: 0 }), 300);
    assert.equal(await addUsage(ctx, { ...usage, bytes: 50 }), 350);
    assert.equal(await addUsage(ctx, { ...usage, kind: 'fetch', bytes: 7 }), 7, 'fetch usage is counted apart');
    const item = (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.access, Key: usageKey('dave', 'produce', usage.windowStart), ConsistentRead: true }))).Item;
    assert.equal(item?.expiresAtSeconds, Math.ceil((usage.windowStart + 20_000) / 1000) + 3600);
  });
});
