import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { partitionForKey } from '../../lib/protocol/partitioner';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

/** The "done when", through the real CLI against the real local platform. */
const ROOT = resolve(import.meta.dirname, '../..');
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

function sluice(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', env.url, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('sluice CLI against the local platform', () => {
  it('creates a 4-partition topic, produces 1,000 keyed lines, and consumes every one back in offset order per partition', async () => {
    assert.equal((await sluice(['topics', 'create', 'cli-orders', '--partitions', '4'])).code, 0);
    const lines = Array.from({ length: 1000 }, (_, i) => `customer-${i % 50}:order ${i}`);
    const produced = await sluice(['produce', 'cli-orders', '--key-separator', ':'], lines.join('\n') + '\n');
    assert.equal(produced.code, 0, produced.stderr);

    const consumed = await sluice(['--json', 'consume', 'cli-orders', '--from', 'earliest']);
    assert.equal(consumed.code, 0, consumed.stderr);
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(records.length, 1000);
    for (let p = 0; p < 4; p++) {
      const mine = records.filter((r) => r.partition === p);
      const expected = lines.filter((line) => partitionForKey(Buffer.from(line.split(':')[0]!), 4) === p);
      assert.deepEqual(
        mine.map((r) => r.offset),
        expected.map((_, i) => i),
      );
      assert.deepEqual(
        mine.map((r) => `${r.key}:${r.value}`),
        expected,
      );
    }
  });

  it('describes the topic with each partition’s high watermark (--json: partitionOffsets, from the topic offsets route)', async () => {
    const described = await sluice(['--json', 'topics', 'describe', 'cli-orders']);
    const body = JSON.parse(described.stdout);
    const total = body.partitionOffsets.reduce((sum: number, p: { highWatermark: number }) => sum + p.highWatermark, 0);
    assert.equal(total, 1000);
  });

  it('reports a missing topic with its error code and exit status 1', async () => {
    const result = await sluice(['consume', 'no-such-topic']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /TOPIC_NOT_FOUND/);
  });

  it('trims every partition to its high watermark with --offset end, printing each partition\'s offsets after (--json: per partition)', async () => {
    assert.equal((await sluice(['topics', 'create', 'cli-trim', '--partitions', '2'])).code, 0);
    assert.equal((await sluice(['produce', 'cli-trim', '--partition', '1'], 'a\nb\nc\n')).code, 0);
    const one = await sluice(['topics', 'trim', 'cli-trim', '--partition', '1', '--offset', '1']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, 'PARTITION  LOG-START-OFFSET  HIGH-WATERMARK\n1          1                 3\n');
    const all = await sluice(['--json', 'topics', 'trim', 'cli-trim', '--offset', 'end']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), {
      topic: 'cli-trim',
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 0 },
        { partition: 1, logStartOffset: 3, highWatermark: 3 },
      ],
    });
  });

  it('refuses a trim past the high watermark with its error code and exit status 1, and a bad --offset as a usage error', async () => {
    const past = await sluice(['topics', 'trim', 'cli-trim', '--partition', '1', '--offset', '9']);
    assert.equal(past.code, 1);
    assert.match(past.stderr, /OFFSET_OUT_OF_RANGE/);
    const bad = await sluice(['topics', 'trim', 'cli-trim', '--offset', 'soon']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--offset.*must be an integer of at least 0, or 'end'/);
  });

  it('sends an empty line as a null value (a tombstone) with --null-empty, which consume --json shows as null', async () => {
    assert.equal((await sluice(['topics', 'create', 'cli-tombstones'])).code, 0);
    const produced = await sluice(['produce', 'cli-tombstones', '--key-separator', ':', '--null-empty'], 'k1:v1\nk1:\nk2:\n');
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await sluice(['--json', 'consume', 'cli-tombstones', '--from', 'earliest']);
    assert.equal(consumed.code, 0, consumed.stderr);
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(records.map((r) => [r.key, r.value]), [['k1', 'v1'], ['k1', null], ['k2', null]]);
  });

  it('without --null-empty an empty line stays an empty value, not a tombstone', async () => {
    assert.equal((await sluice(['topics', 'create', 'cli-empty'])).code, 0);
    assert.equal((await sluice(['produce', 'cli-empty'], '\n')).code, 0);
    const consumed = await sluice(['--json', 'consume', 'cli-empty', '--from', 'earliest']);
    assert.deepEqual(consumed.stdout.trim().split('\n').map((line) => JSON.parse(line).value), ['']);
  });
});
