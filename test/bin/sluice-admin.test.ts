import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceHttpClient } from '../../lib/client/sluice-http-client';
import { verifyDelivery } from '../../lib/push/signature';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

/**
 * The administration commands (push subscriptions, ACLs, quotas) through the real CLI
 * against the real local platform, with bearer-token authentication on: `admin` may do
 * everything, `reader` only what the ACLs give it.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

const ROOT = resolve(import.meta.dirname, '../..');
let env: TestPlatform;
let admin: SluiceHttpClient;

before(async () => {
  env = await startTestPlatform();
  admin = new SluiceHttpClient({ baseUrl: env.url, headers: { authorization: 'Bearer t-admin' } });
});

after(async () => {
  await env?.stop();
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sluice(args: string[], options: { stdin?: string; url?: string } = {}): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', options.url ?? env.url, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const asAdmin = (...args: string[]) => sluice(['--token', 't-admin', ...args]);
const asReader = (...args: string[]) => sluice(['--token', 't-reader', ...args]);

function ok(result: Result): Result {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('sluice acls', () => {
  it('creates a rule as admin, lists it, lets the principal read because of it, and deletes it', async () => {
    await admin.createTopic('acl-orders');
    await admin.produce('acl-orders', { records: [{ value: 'hello reader' }] });

    const refused = await asReader('consume', 'acl-orders');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: ACCESS_DENIED: /);

    const created = ok(
      await asAdmin('--json', 'acls', 'create', '--principal', 'reader', '--resource-type', 'Topic', '--name', 'acl-', '--prefixed', '--operation', 'read', '--allow'),
    );
    const rule = JSON.parse(created.stdout);
    assert.deepEqual(
      { ...rule, ruleId: undefined, createdAt: undefined },
      { principal: 'reader', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'acl-', operation: 'READ', permission: 'ALLOW', ruleId: undefined, createdAt: undefined },
    );

    const listed = ok(await asAdmin('acls', 'list')).stdout.split('\n');
    assert.match(listed[0]!, /^RULE-ID\s+PRINCIPAL\s+PERMISSION\s+OPERATION\s+RESOURCE-TYPE\s+PATTERN\s+NAME$/);
    assert.ok(
      listed.some((line) => line.split(/\s+/).join(' ') === `${rule.ruleId} reader ALLOW READ TOPIC PREFIXED acl-`),
      listed.join('\n'),
    );

    assert.equal(ok(await asReader('consume', 'acl-orders')).stdout, 'hello reader\n', 'the rule lets the reader read');

    assert.equal(ok(await asAdmin('acls', 'delete', rule.ruleId)).stdout, `Deleted ACL rule ${rule.ruleId}.\n`);
    assert.deepEqual(JSON.parse(ok(await asAdmin('--json', 'acls', 'list')).stdout), { rules: [] });
    assert.equal((await asReader('consume', 'acl-orders')).code, 1, 'without the rule the reader is refused again');
  });

  it('refuses ACL administration to a principal not allowed to alter the cluster', async () => {
    const result = await asReader('--json', 'acls', 'create', '--principal', 'reader', '--resource-type', 'cluster', '--operation', 'all', '--allow');
    assert.equal(result.code, 1);
    assert.equal(JSON.parse(result.stderr).error.code, 'ACCESS_DENIED');
  });
});

describe('sluice quotas', () => {
  it('sets a principal’s rates, keeps a rate not given, and lists them', async () => {
    assert.equal(
      ok(await asAdmin('quotas', 'set', 'alice', '--produce-bytes-per-second', '1048576')).stdout,
      "Set the quota of 'alice': produce 1048576 bytes/s, fetch unlimited.\n",
    );
    const set = JSON.parse(ok(await asAdmin('--json', 'quotas', 'set', 'alice', '--fetch-bytes-per-second', '2048')).stdout);
    assert.deepEqual([set.principal, set.produceBytesPerSecond, set.fetchBytesPerSecond], ['alice', 1048576, 2048]);

    const listed = ok(await asAdmin('quotas', 'list')).stdout.split('\n');
    assert.match(listed[0]!, /^PRINCIPAL\s+PRODUCE-BYTES\/S\s+FETCH-BYTES\/S\s+UPDATED$/);
    assert.match(listed[1]!, /^alice\s+1048576\s+2048\s+\d{4}-/);

    ok(await asAdmin('quotas', 'set', 'alice', '--produce-bytes-per-second', 'unlimited'));
    const quotas = (await admin.listQuotas()).map(({ updatedAt: _updatedAt, ...q }) => q);
    assert.deepEqual(quotas, [{ principal: 'alice', produceBytesPerSecond: null, fetchBytesPerSecond: 2048 }]);
  });
});

describe('sluice subscribe', () => {
  let hook: Server;
  let hookUrl: string;
  const deliveries: { partition: number; values: string[]; body: string; signature: string }[] = [];

  before(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body);
        deliveries.push({
          partition: parsed.partition,
          values: parsed.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString()),
          body,
          signature: String(req.headers['sluice-signature']),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });

  after(() => {
    hook.closeAllConnections();
    hook.close();
  });

  it('subscribes a group to a topic, delivers what is produced, describes lag 0, and unsubscribes', async () => {
    ok(await asAdmin('topics', 'create', 'push-orders', '--partitions', '2'));
    const subscribed = ok(await asAdmin('subscribe', 'pushers', 'push-orders', '--https', hookUrl, '--batch-size', '5', '--reset', 'earliest', '--max-record-age-seconds', '-1'));
    assert.match(subscribed.stdout, /^Group 'pushers' now pushes topic 'push-orders' to POST http:\/\/127\.0\.0\.1:\d+\/hook\.\n/);
    assert.match(subscribed.stdout, /^Batch size: +5$/m);
    assert.match(subscribed.stdout, /^Max record age: +no limit$/m);
    assert.match(subscribed.stdout, /^Dead-letter topic: +pushers\.dlq$/m);
    assert.match(subscribed.stdout, /shown only once/);
    const secret = /^Secret: +(\S+)$/m.exec(subscribed.stdout)?.[1];
    assert.ok(secret && secret.length >= 32, subscribed.stdout);
    assert.match(subscribed.stdout, new RegExp(`^Standard Webhooks: +whsec_${Buffer.from(secret, 'utf8').toString('base64').replace(/[+/]/g, '\\$&')}$`, 'm'));

    const lines = Array.from({ length: 20 }, (_, i) => `k${i % 4}:v${i}`);
    ok(await sluice(['--token', 't-admin', 'produce', 'push-orders', '--key-separator', ':'], { stdin: `${lines.join('\n')}\n` }));

    await waitFor(async () => (await admin.getSubscription('pushers')).totalLag === 0, 'the subscription to catch up');
    const delivered = new Set(deliveries.flatMap((d) => d.values));
    for (const line of lines) assert.ok(delivered.has(line.split(':')[1]!), `${line} was delivered`);
    for (const d of deliveries) assert.ok(verifyDelivery(secret, d.body, d.signature, Date.now()), 'each delivery is signed with the printed secret');
    assert.deepEqual(new Set(deliveries.map((d) => d.partition)), new Set([0, 1]));

    const [human, json] = await Promise.all([asAdmin('subscription', 'describe', 'pushers'), asAdmin('--json', 'subscription', 'describe', 'pushers')]);
    ok(human);
    assert.match(human.stdout, /^Target: +POST http:\/\/127\.0\.0\.1:\d+\/hook$/m);
    assert.match(human.stdout, /^TOPIC\s+PARTITION\s+COMMITTED\s+POSITION\s+HIGH-WATERMARK\s+LAG$/m);
    const rows = human.stdout.split('\n').filter((line) => line.startsWith('push-orders '));
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const [, , committed, position, highWatermark, lag] = row.split(/\s+/);
      assert.deepEqual([committed, position, lag], [highWatermark, highWatermark, '0'], row);
    }
    assert.match(human.stdout, /\nTotal lag: 0\n$/);
    const described = JSON.parse(ok(json).stdout);
    assert.equal(described.totalLag, 0);
    assert.equal(described.secret, undefined, 'the secret is not shown again');
    assert.equal(
      described.partitions.reduce((sum: number, p: { highWatermark: number }) => sum + p.highWatermark, 0),
      20,
    );

    assert.equal(ok(await asAdmin('unsubscribe', 'pushers')).stdout, "Deleted the push subscription of group 'pushers'; its committed offsets remain.\n");
    const gone = await asAdmin('subscription', 'describe', 'pushers');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^error: SUBSCRIPTION_NOT_FOUND: /);
  });
});

describe('sluice topics alter and add-partitions', () => {
  it('alters config keys, printing the config after (human, then --json), and describe reads them back', async () => {
    await admin.createTopic('cli-altered', { config: { 'compression.type': 'gzip' } });
    assert.equal(
      ok(await asAdmin('topics', 'alter', 'cli-altered', '--config', 'retention.ms=86400000', '--delete-config', 'compression.type')).stdout,
      "Altered topic 'cli-altered': config retention.ms=86400000.\n",
    );
    const altered = JSON.parse(ok(await asAdmin('--json', 'topics', 'alter', 'cli-altered', '--config', 'message.timestamp.type=LogAppendTime')).stdout);
    assert.deepEqual(altered, await admin.describeTopic('cli-altered'));
    assert.deepEqual(altered.config, { 'retention.ms': '86400000', 'message.timestamp.type': 'LogAppendTime' });
  });

  it('adds partitions (human, then --json) and refuses a count that is not more, naming it', async () => {
    await admin.createTopic('cli-widened', { partitions: 2 });
    assert.equal(
      ok(await asAdmin('topics', 'add-partitions', 'cli-widened', '--count', '3')).stdout,
      "Topic 'cli-widened' now has 3 partitions; keyed records may map to other partitions from now on.\n",
    );
    const widened = JSON.parse(ok(await asAdmin('--json', 'topics', 'add-partitions', 'cli-widened', '--count', '5')).stdout);
    assert.deepEqual([widened.name, widened.partitions], ['cli-widened', 5]);
    const refused = await asAdmin('--json', 'topics', 'add-partitions', 'cli-widened', '--count', '5');
    assert.equal(refused.code, 1);
    const { error } = JSON.parse(refused.stderr);
    assert.deepEqual([error.code, error.field, error.partitions], ['INVALID_REQUEST', 'count', 5]);
    assert.equal((await admin.describeTopic('cli-widened')).partitions, 5);
  });

  it('refuses both to a principal without ALTER_CONFIGS or ALTER on the topic, and reports an invalid value by its key', async () => {
    await admin.createTopic('cli-guarded');
    const alter = await asReader('topics', 'alter', 'cli-guarded', '--config', 'retention.ms=1000');
    assert.equal(alter.code, 1);
    assert.match(alter.stderr, /^error: ACCESS_DENIED: .*ALTER_CONFIGS/);
    const widen = await asReader('--json', 'topics', 'add-partitions', 'cli-guarded', '--count', '2');
    assert.equal(widen.code, 1);
    assert.equal(JSON.parse(widen.stderr).error.operation, 'ALTER');
    const invalid = await asAdmin('topics', 'alter', 'cli-guarded', '--config', 'compression.type=lz4');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^error: INVALID_REQUEST: config\.compression\.type: /);
    assert.deepEqual((await admin.describeTopic('cli-guarded')).config, {});
  });
});

describe('usage errors', () => {
  it('exit 2 without calling the API', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:hook';
    const cases: [string[], RegExp][] = [
      [['subscribe', 'g', 't'], /--https <url> or --lambda <functionArn>/],
      [['subscribe', 'g', 't', '--https', 'https://example.com/h', '--lambda', arn], /cannot be used with/],
      [['subscribe', 'g', 't', '--lambda', 'not-an-arn'], /Lambda function ARN/],
      [['subscribe', 'g', 't', '--https', 'https://example.com/h', '--max-record-age-seconds', '30'], /-1 \(no limit\)/],
      [['subscribe', 'g', 't', '--https', 'https://example.com/h', '--reset', 'middle'], /Allowed choices are earliest, latest/],
      [['acls', 'create', '--principal', 'p', '--resource-type', 'topic', '--name', 'n', '--operation', 'read', '--allow', '--deny'], /cannot be used with/],
      [['acls', 'create', '--principal', 'p', '--resource-type', 'topic', '--name', 'n', '--operation', 'read'], /--allow or --deny/],
      [['acls', 'create', '--principal', 'p', '--resource-type', 'topic', '--operation', 'read', '--allow'], /--name is needed/],
      [['acls', 'create', '--principal', 'p', '--resource-type', 'queue', '--name', 'n', '--operation', 'read', '--allow'], /topic, group, cluster/],
      [['acls', 'create', '--principal', 'p', '--resource-type', 'topic', '--name', 'n', '--operation', 'eat', '--allow'], /read, write, create/],
      [['acls', 'create', '--resource-type', 'topic', '--name', 'n', '--operation', 'read', '--allow'], /--principal/],
      [['quotas', 'set', 'alice'], /--produce-bytes-per-second, --fetch-bytes-per-second or both/],
      [['topics', 'alter', 't'], /--config key=value, --delete-config key, or both/],
      [['topics', 'alter', 't', '--config', 'retention.ms=1', '--delete-config', 'retention.ms'], /both set \(--config\) and deleted/],
      [['topics', 'alter', 't', '--config', 'retention.ms'], /key=value/],
      [['topics', 'add-partitions', 't'], /--count/],
      [['topics', 'add-partitions', 't', '--count', '257'], /from 1 to 256/],
      [['quotas', 'set', 'alice', '--fetch-bytes-per-second', '0'], /unlimited or an integer/],
    ];
    try {
      const results = await Promise.all(cases.map(([args]) => sluice(args, { url })));
      for (const [i, result] of results.entries()) {
        const [args, message] = cases[i]!;
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message, args.join(' '));
      }
      assert.equal(requests, 0);
    } finally {
      server.close();
    }
  });
});
