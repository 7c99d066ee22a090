import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkResponse } from '../../fuzz/check';
import { startFuzzTarget } from '../../fuzz/environment';
import { TOKENS } from '../../fuzz/fixtures';
import type { WireResponse } from '../../fuzz/http';
import { renderReport } from '../../fuzz/report';
import { DS_ROUTE } from '../../../lib/protocol/durable-streams';
import { methodsAt, pathMatches } from '../../fuzz/mutations';
import { coverageGaps, platformRoutes, routeKey } from '../../fuzz/routes';
import { makePlans, runFuzz, type FuzzTarget, type Plan } from '../../fuzz/runner';
import { diffStates } from '../../fuzz/state';

/**
 * The HTTP API fuzz check (test/fuzz/, `npm run check:fuzz` for the large run) at a
 * small size: invalid requests to every route of the real local platform, each one
 * mutation of a valid request, must get a well-formed 4xx and change nothing.
 */
const SIZE = 200;
const FIXED_SEED = 20_260_601;
const RANDOM_SEED = 1 + Math.floor(Math.random() * (2 ** 31 - 2));
const DS_SIZE = 300;

describe('the fuzz table', () => {
  it('has a case for every route the platform serves, and none for a route it does not serve', () => {
    assert.deepEqual(coverageGaps(), { missing: [], stale: [] });
  });

  it('names a served route it has no case for', () => {
    assert.deepEqual(coverageGaps([...platformRoutes(), { method: 'POST', path: '/v1/brand-new' }]).missing, ['POST /v1/brand-new']);
  });

  it(`reaches every route within ${SIZE} requests`, () => {
    const plans = makePlans(platformRoutes(), { requests: SIZE, seed: FIXED_SEED, nobodyShare: 0.15 });
    assert.deepEqual(new Set(plans.map((p) => p.key)), new Set(platformRoutes().map(routeKey)));
  });
});

describe('the fuzz checks', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): WireResponse => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    text: JSON.stringify(body),
  });
  const kinds = (response: WireResponse, expect: Parameters<typeof checkResponse>[0]['expect'], allowed: string[] = []) =>
    checkResponse({ response, expect, allowed }).map((p) => p.kind);
  const error = (details: Record<string, unknown> = {}) => ({ error: { code: 'INVALID_REQUEST', message: 'x', retriable: false, ...details } });

  it('passes a 400 naming the mutated field and the crossed limit', () => {
    assert.deepEqual(kinds(json(400, error({ field: 'maxRecords', limit: 1 })), { status: [400], field: 'maxRecords', limit: 1 }), []);
  });

  it('flags a 5xx, an accepted request, a 400 without field or limit, a wrong field, and a 405 without Allow', () => {
    assert.deepEqual(kinds(json(500, { message: 'Internal Server Error' }), { status: [400] }), ['server-error', 'malformed-error', 'malformed-error']);
    assert.deepEqual(kinds(json(200, {}), { status: [400] }), ['accepted']);
    assert.deepEqual(kinds(json(400, error()), { status: [400], field: 'name', limit: 249 }), ['malformed-error', 'malformed-error']);
    assert.deepEqual(kinds(json(400, error({ field: 'body' })), { status: [400], field: 'partitons' }), ['wrong-field']);
    assert.deepEqual(kinds(json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'x', retriable: false } }), { status: [405], code: 'METHOD_NOT_ALLOWED' }, ['GET']), ['malformed-error']);
  });

  it('matches a greedy route parameter ({proxy+}) over one or more segments, and answers an ANY route\'s methods for a 405\'s Allow', () => {
    assert.ok(pathMatches('/ds/{proxy+}', '/ds/a'));
    assert.ok(pathMatches('/ds/{proxy+}', '/ds/a/b/c'));
    assert.ok(!pathMatches('/ds/{proxy+}', '/ds/'));
    assert.ok(!pathMatches('/ds/{proxy+}', '/ds'));
    assert.deepEqual(methodsAt(platformRoutes(), '/ds/a/b').sort(), ['DELETE', 'GET', 'HEAD', 'POST', 'PUT']);
  });

  it('passes a 403 with the code a mutation expects (a stale producer epoch), a tolerated 2xx, and a HEAD answer\'s status alone', () => {
    const stale = json(403, { error: { code: 'PRODUCER_EPOCH_STALE', message: 'x', retriable: false, field: 'Producer-Epoch' } });
    assert.deepEqual(kinds(stale, { status: [403], code: 'PRODUCER_EPOCH_STALE' }), []);
    assert.deepEqual(kinds(stale, { status: [400] }), ['unexpected-status', 'unexpected-status']);
    assert.deepEqual(kinds(json(200, []), { status: [400], tolerated: [200] }), []);
    assert.deepEqual(kinds({ status: 404, headers: {}, text: '' }, { status: [404], noBody: true }), []);
  });

  it('flags a state difference by its path', () => {
    assert.deepEqual(diffStates({ 'topic a': { partitionOffsets: [{ highWatermark: 5 }] } }, { 'topic a': { partitionOffsets: [{ highWatermark: 6 }] } }), [
      'topic a.partitionOffsets[0].highWatermark: 5 → 6',
    ]);
  });
});

describe('HTTP API fuzz against the local platform', () => {
  let target: FuzzTarget & { stop(): Promise<void> };

  before(async () => {
    target = await startFuzzTarget();
  });

  after(async () => {
    await target?.stop();
  });

  it('reports a request that was accepted and the state change it made, then puts the fixtures back', async () => {
    // Not a mutation at all: the valid create-topic request, which the harness must catch.
    const valid: Plan = {
      key: 'POST /v1/topics',
      base: 0,
      principal: 'admin',
      mutation: { scope: 'body', resource: false, label: 'no mutation', apply: () => undefined, expect: { status: [400], field: 'name' } },
    };
    const report = await runFuzz(target, { requests: 1, seed: 1, concurrency: 1, checkEvery: 1, nobodyShare: 0, keepFailures: 10, plans: [valid] });
    assert.equal(report.byKind.accepted, 1);
    assert.equal(report.byKind['state-change'], 1);
    const change = report.failures.find((f) => f.kind === 'state-change')!;
    assert.ok(change.problems.some((line) => line.startsWith('topic fuzz-new-topic: (absent) →')), change.problems.join('\n'));
    const topics = (await target.client.json(TOKENS.admin, 'GET', '/v1/topics')).body.topics.map((t: { name: string }) => t.name);
    assert.ok(!topics.includes('fuzz-new-topic'), 'the repair deleted the topic');
  });

  // One route of 30 gets few of the requests above; the Durable Streams route has many inputs (methods, headers, query, raw bodies).
  it(`answers ${DS_SIZE} invalid Durable Streams requests (random seed ${RANDOM_SEED}) with well-formed 4xx errors, and they change nothing`, async () => {
    const plans = makePlans([DS_ROUTE], { requests: DS_SIZE, seed: RANDOM_SEED, nobodyShare: 0.15 });
    const report = await runFuzz(target, { requests: DS_SIZE, seed: RANDOM_SEED, concurrency: 4, checkEvery: DS_SIZE, nobodyShare: 0.15, keepFailures: 10, plans });
    assert.equal(report.sent, DS_SIZE);
    assert.equal(report.failing, 0, `\n${renderReport(report, { failures: 5 })}`);
  });

  for (const [name, seed] of [
    ['fixed seed', FIXED_SEED],
    ['random seed', RANDOM_SEED],
  ] as const) {
    it(`answers ${SIZE} invalid requests (${name} ${seed}) with well-formed 4xx errors, and they change nothing`, async () => {
      const report = await runFuzz(target, { requests: SIZE, seed, concurrency: 4, checkEvery: SIZE, nobodyShare: 0.15, keepFailures: 10 });
      assert.equal(report.sent, SIZE);
      assert.equal(report.failing, 0, `\n${renderReport(report, { failures: 5 })}`);
    });
  }
});
