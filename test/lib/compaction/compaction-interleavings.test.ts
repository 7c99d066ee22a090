import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { MemoryAws } from '../../support/memory-aws';
import { CATEGORIES, memoryEnv, realEnv, runScenario, scenarioArbitrary, type Category, type Outcome, type Scenario, type Violation } from './interleaving-scenarios';

/**
 * Model-based tests of compaction's swap over many interleavings with produce, fetch, trims
 * and retention (interleaving-scenarios.ts builds the scenarios and states the invariants).
 *
 * On the in-memory double (test/support/memory-aws.ts) fast-check's scheduler decides the
 * order of every storage call of every actor, a transaction's check and write being two
 * steps, with stale eventually consistent reads, short Query pages, unprocessed batch keys
 * and refused S3 deletes injected, and compaction runs that crash at a random storage call.
 * Each invariant is its own test over the same runs; a violated one is shrunk to a minimal
 * scenario and schedule. Replay a run with SLUICE_INTERLEAVING_SEED (and _RUNS).
 *
 * Then a few of the same scenarios against DynamoDB Local and the S3 server, with whatever
 * interleaving real concurrency gives.
 */
const RUNS = Number(process.env.SLUICE_INTERLEAVING_RUNS ?? 300);
const SEED = Number(process.env.SLUICE_INTERLEAVING_SEED ?? 20_240_611);
/** How long a violated invariant's counterexample is shrunk before it is reported. */
const SHRINK_MS = 15_000;

/**
 * Invariants a lib/ bug is known to break in some of these runs: reported as TODO (the test
 * still runs and shows what it finds). See compaction-bugs.test.ts for each bug's
 * deterministic reproduction.
 */
const KNOWN: Partial<Record<Category, string>> = {};

function describeViolations(violations: readonly Violation[], limit = 6): string {
  return violations
    .slice(0, limit)
    .map((v) => `  - ${v.message}`)
    .join('\n')
    .concat(violations.length > limit ? `\n  … and ${violations.length - limit} more` : '');
}

describe('compaction interleaved with produce, fetch, trims and retention, on the in-memory double', () => {
  const first = new Map<Category, { run: number; violations: Violation[] }>();
  const counts = new Map<Category, number>();
  const totals: Record<string, number> = {};
  let runs = 0;
  let elapsed = 0;

  before(async () => {
    const started = Date.now();
    await fc.check(
      fc.asyncProperty(scenarioArbitrary, fc.scheduler(), async (scenario, scheduler) => {
        const run = runs++;
        const outcome = await runScenario(memoryEnv(scenario, scheduler), scenario, `r${run}`);
        for (const [key, value] of Object.entries(outcome.stats)) totals[key] = (totals[key] ?? 0) + value;
        for (const category of Object.keys(CATEGORIES) as Category[]) {
          const violations = outcome.violations.filter((v) => v.category === category);
          if (violations.length === 0) continue;
          counts.set(category, (counts.get(category) ?? 0) + 1);
          if (!first.has(category)) first.set(category, { run, violations });
        }
        return true;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    elapsed = Date.now() - started;
  });

  it(`runs ${RUNS} random scenarios (seed ${SEED}) through produce, fetch, compaction, crashes, trims and retention`, (t) => {
    assert.equal(runs, RUNS);
    t.diagnostic(`${runs} scenarios in ${elapsed} ms: ${JSON.stringify(totals)}`);
    t.diagnostic(`scenarios violating each invariant: ${JSON.stringify(Object.fromEntries(counts))}`);
    // The scenarios must exercise what they are about.
    assert.ok(totals.batchesWritten! > RUNS / 2, `compaction rewrote only ${totals.batchesWritten} batches`);
    assert.ok(totals.recordsDropped! > RUNS / 2, `compaction dropped only ${totals.recordsDropped} records`);
    assert.ok(totals.crashes! > RUNS / 10, `only ${totals.crashes} compaction runs crashed`);
    assert.ok(totals.recordsRead! > RUNS * 5, `readers saw only ${totals.recordsRead} records`);
  });

  for (const [category, statement] of Object.entries(CATEGORIES) as [Category, string][]) {
    it(statement, { todo: KNOWN[category] ?? false }, async () => {
      const found = first.get(category);
      if (!found) return;
      // A known bug has its own minimal reproduction: report the run as found.
      if (KNOWN[category]) assert.fail(`${counts.get(category)} of ${RUNS} scenarios broke it; the first, run ${found.run}:\n${describeViolations(found.violations)}`);
      const minimal = await shrink(category, found.run);
      assert.fail(
        `${counts.get(category)} of ${RUNS} scenarios broke it; the first, run ${found.run}:\n${describeViolations(found.violations)}\n\n` +
          `shrunk (replay: seed ${SEED}, path "${minimal.path}"):\n${describeViolations(minimal.violations)}\n` +
          `scenario: ${JSON.stringify(minimal.scenario)}\nschedule (last storage calls): ${minimal.schedule}`,
      );
    });
  }
});

/** Shrinks the run that broke `category` towards a minimal scenario and schedule (for at most SHRINK_MS). */
async function shrink(category: Category, run: number): Promise<{ path: string; scenario: Scenario; violations: Violation[]; schedule: string }> {
  let last: { scenario: Scenario; violations: Violation[]; schedule: string } | undefined;
  let shrinks = 0;
  const details = await fc.check(
    fc.asyncProperty(scenarioArbitrary, fc.scheduler(), async (scenario, scheduler) => {
      const outcome: Outcome = await runScenario(memoryEnv(scenario, scheduler), scenario, `s${shrinks++}`);
      const violations = outcome.violations.filter((v) => v.category === category);
      if (violations.length === 0) return true;
      const lines = scheduler.toString().split('\n');
      last = { scenario, violations, schedule: lines.filter((line) => !/idle|sleep/.test(line)).slice(-40).join('\n') };
      return false;
    }),
    { seed: SEED, path: String(run), numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(SHRINK_MS)] },
  );
  assert.ok(last, `run ${run} did not break '${category}' again when replayed`);
  return { path: details.counterexamplePath ?? String(run), ...last };
}

/**
 * A few scenarios of the same generator against the emulators through the real SDK: no
 * injected faults, but real concurrency, crashes, trims and retention all the same. The seeds
 * give scenarios with several producers, readers and compaction runs (crashing ones among
 * them), trims or retention, on one and two partitions, both compacting policies.
 */
const EMULATOR_SEEDS = [42, 64, 123, 150, 312];

/** The scenario of `seed`, without injected faults, its maintenance starting after a little production. */
function emulatorScenario(seed: number): Scenario {
  const [generated] = fc.sample(scenarioArbitrary, { seed, numRuns: 1 });
  return { ...generated!, faults: {}, maintenance: generated!.maintenance.map((steps) => [{ kind: 'idle', gates: 10 }, ...steps]) };
}

describe('the same scenarios against DynamoDB Local and the S3 server', () => {
  let env: TestPlatform;
  let base: SluiceContext;

  before(async () => {
    env = await startTestPlatform();
    base = { ...contextFromEnv(), sleep: (ms) => delay(Math.min(ms, 25)) };
  });

  after(async () => {
    await env?.stop();
  });

  it('the double answers what DynamoDB Local and the S3 server answer, for the requests and refusals Sluice relies on', async () => {
    const tables = { topics: base.tables.topics, log: base.tables.log, producers: base.tables.producers, groups: base.tables.groups, access: base.tables.access };
    const double = new MemoryAws({ tables, bucket: base.bucket }).clients();
    const differences: string[] = [];
    for (const [name, request] of Object.entries(FIDELITY_CASES)) {
      const real = canonical(await outcomeOf(() => request(base, `fidelity#${name}`)));
      const fake = canonical(await outcomeOf(() => request({ ...base, ...double }, `fidelity#${name}`)));
      if (real !== fake) differences.push(`${name}: emulators ${real}, double ${fake}`);
    }
    assert.deepEqual(differences, []);
  });

  for (const seed of EMULATOR_SEEDS) {
    it(`keeps every invariant in the scenario of seed ${seed}`, { timeout: 120_000 }, async (t) => {
      const scenario = emulatorScenario(seed);
      const outcome = await runScenario(realEnv(base, seed), scenario, `e${seed}`);
      t.diagnostic(JSON.stringify(outcome.stats));
      const unknown = outcome.violations.filter((v) => !KNOWN[v.category]);
      assert.deepEqual(unknown, [], describeViolations(unknown));
      if (outcome.violations.length > 0) t.diagnostic(`known bugs showed up:\n${describeViolations(outcome.violations)}`);
    });
  }
});

/** JSON with every object's keys sorted (DynamoDB does not keep attribute order) and SDK metadata left out. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) =>
    key === '$metadata' ? undefined : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** What a request answered, or the error it met, reduced to what Sluice looks at. */
async function outcomeOf(request: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await request() };
  } catch (error) {
    const e = error as { name?: string; CancellationReasons?: { Code?: string }[]; $metadata?: { httpStatusCode?: number } };
    return { error: e.name, ...(e.CancellationReasons ? { reasons: e.CancellationReasons.map((r) => r.Code) } : {}), ...(e.$metadata?.httpStatusCode === 404 ? { status: 404 } : {}) };
  }
}

/**
 * Requests whose answers the double must get right, each on its own partition key (`pk`) or
 * object key: conditions, arithmetic, transactions' cancellation reasons, paging, the indexes,
 * and the S3 answers to missing keys and ranges.
 */
const FIDELITY_CASES: Record<string, (ctx: SluiceContext, pk: string) => Promise<unknown>> = {
  'conditional update and read': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'a', n: 1 } }));
    await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'SET n = n + :one, m = if_not_exists(m, :zero) + :one', ConditionExpression: 'n = :one', ExpressionAttributeValues: { ':one': 1, ':zero': 0 } }));
    return (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, ConsistentRead: true }))).Item;
  },
  'failed condition of a single write': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'a', n: 1 } }));
    return ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'SET n = :two', ConditionExpression: 'n > :two', ExpressionAttributeValues: { ':two': 2 } }));
  },
  'condition comparing a number with a string': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'a', n: 1 } }));
    return ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, ConditionExpression: 'n < :text', ExpressionAttributeValues: { ':text': 'zzz' } }));
  },
  'arithmetic on a missing attribute': (ctx, pk) =>
    ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'SET n = n - :one', ExpressionAttributeValues: { ':one': 1 } })),
  'an expression value no expression uses': (ctx, pk) =>
    ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'SET n = :one', ExpressionAttributeValues: { ':one': 1, ':unused': 2 } })),
  'ADD and REMOVE': async (ctx, pk) => {
    for (let i = 0; i < 2; i++) await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'SET n = :one ADD c :one', ExpressionAttributeValues: { ':one': 1 } }));
    await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, UpdateExpression: 'REMOVE n' }));
    return (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'a' }, ConsistentRead: true }))).Item;
  },
  'delete-last of a missing item': (ctx, pk) =>
    ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.log, Key: { pk, sk: 'ref' }, ConditionExpression: 'attribute_not_exists(pk) OR batchCount <= :one', ExpressionAttributeValues: { ':one': 1 } })).then(() => 'deleted'),
  'a cancelled transaction, one reason per item': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'b', n: 1 } }));
    return ctx.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: { TableName: ctx.tables.log, Key: { pk, sk: 'b' }, ConditionExpression: 'attribute_exists(pk)' } },
          { Put: { TableName: ctx.tables.log, Item: { pk, sk: 'b2', n: 2 }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Update: { TableName: ctx.tables.log, Key: { pk, sk: 'c' }, UpdateExpression: 'SET n = n - :one', ConditionExpression: 'n > :one', ExpressionAttributeValues: { ':one': 1 } } },
        ],
      }),
    );
  },
  'two actions on one item in a transaction': (ctx, pk) =>
    ctx.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: { TableName: ctx.tables.log, Key: { pk, sk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: ctx.tables.log, Item: { pk, sk: 'a', n: 1 } } },
        ],
      }),
    ),
  'Query pages: Limit reached at the last item, a start key': async (ctx, pk) => {
    for (const sk of ['o#1', 'o#2', 'o#3']) await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk } }));
    const query = (limit: number, start?: Record<string, unknown>) =>
      ctx.ddb.send(
        new QueryCommand({
          TableName: ctx.tables.log,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': 'o#2', ':to': 'o#9' },
          ConsistentRead: true,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      );
    const first = await query(2);
    const second = await query(2, first.LastEvaluatedKey);
    return [first.Items?.map((i) => i.sk), first.LastEvaluatedKey, second.Items?.map((i) => i.sk), second.LastEvaluatedKey];
  },
  'a start key outside the key condition': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'o#5' } }));
    return ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.log,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': 'o#4', ':to': 'o#9' },
        ExclusiveStartKey: { pk, sk: 'o#1' },
      }),
    );
  },
  'BETWEEN bounds reversed': (ctx, pk) =>
    ctx.ddb.send(new QueryCommand({ TableName: ctx.tables.log, KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to', ExpressionAttributeValues: { ':pk': pk, ':from': 'o#9', ':to': 'o#1' } })),
  'begins_with and a filter': async (ctx, pk) => {
    for (const [sk, n] of [['o#1', 1], ['o#2', 5], ['p#1', 9]] as const) await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk, n } }));
    const result = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.log,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
        FilterExpression: 'n <= :max',
        ProjectionExpression: 'sk, n',
        ExpressionAttributeValues: { ':pk': pk, ':o': 'o#', ':max': 3 },
        ConsistentRead: true,
      }),
    );
    return [result.Items, result.Count];
  },
  'a duplicate key in BatchGetItem': (ctx, pk) =>
    ctx.ddb.send(new BatchGetCommand({ RequestItems: { [ctx.tables.log]: { Keys: [{ pk, sk: 'a' }, { pk, sk: 'a' }] } } })),
  'the byTime local index': async (ctx, pk) => {
    for (const [sk, ts] of [['o#1', 't#5#1'], ['o#2', 't#7#2'], ['o#3', 't#9#3']]) await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk, ts } }));
    const result = await ctx.ddb.send(
      new QueryCommand({ TableName: ctx.tables.log, IndexName: 'byTime', KeyConditionExpression: 'pk = :pk AND ts >= :from', ExpressionAttributeValues: { ':pk': pk, ':from': 't#6' }, ConsistentRead: true, Limit: 1 }),
    );
    return [result.Items, result.LastEvaluatedKey];
  },
  'the byRetention global index: keys only': async (ctx, pk) => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { pk, sk: 'head', retentionTopicId: pk, retentionFrom: 5, nextOffset: 3 } }));
    const result = await ctx.ddb.send(
      new QueryCommand({ TableName: ctx.tables.log, IndexName: 'byRetention', KeyConditionExpression: '#t = :t AND #f < :cutoff', ExpressionAttributeNames: { '#t': 'retentionTopicId', '#f': 'retentionFrom' }, ExpressionAttributeValues: { ':t': pk, ':cutoff': 10 } }),
    );
    return result.Items;
  },
  'a strongly consistent read of a global index': (ctx, pk) =>
    ctx.ddb.send(new QueryCommand({ TableName: ctx.tables.log, IndexName: 'byRetention', KeyConditionExpression: 'retentionTopicId = :t', ExpressionAttributeValues: { ':t': pk }, ConsistentRead: true })),
  'GET of a missing object': (ctx, key) => ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: `seg/00/${key}` })),
  'HEAD of a missing object': (ctx, key) => ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: `seg/00/${key}` })),
  'ranged GETs': async (ctx, key) => {
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: `seg/00/${key}`, Body: Buffer.from('0123456789') }));
    const range = async (r: string) => Buffer.from(await (await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: `seg/00/${key}`, Range: r }))).Body!.transformToByteArray()).toString();
    return [await range('bytes=2-4'), await range('bytes=8-20')];
  },
  'DeleteObjects of a missing key': async (ctx, key) => {
    const result = await ctx.s3.send(new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: [{ Key: `seg/00/${key}` }], Quiet: true } }));
    return result.Errors ?? [];
  },
};
