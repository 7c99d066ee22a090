import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { call, startTestPlatform, type TestPlatform } from '../../../support/local-platform';

const run = promisify(execFile);

/**
 * librdkafka, through kcat (Debian's `kcat`; .ci/run installs it), against the local
 * platform's gateway: metadata, a produce and consume round trip, and each compression
 * codec as librdkafka writes it. Skipped where kcat is not installed, except in CI, where
 * its absence fails the run.
 */
const kcatInstalled = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!kcatInstalled && process.env.CI) throw new Error('kcat is not installed: .ci/run installs it with apt-get');

describe('Kafka gateway with kcat (librdkafka)', { skip: kcatInstalled ? false : 'kcat is not installed (apt-get install kcat)' }, () => {
  let test: TestPlatform;
  let bootstrap: string;

  before(async () => {
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
  });
  after(async () => {
    await test?.stop();
  });

  const kcat = async (args: string[], input?: string) => {
    const child = run('kcat', ['-b', bootstrap, ...args], { timeout: 30_000 });
    if (input !== undefined) child.child.stdin!.end(input);
    return (await child).stdout;
  };
  const createTopic = async (name: string, partitions: number) => assert.equal((await call(test.url, 'POST', '/v1/topics', { name, partitions })).status, 201);
  const readOverHttp = async (topic: string, partition: number) =>
    (await call(test.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=0&encoding=utf8`)).body.records.map((r: { offset: number; key: string; value: string }) => [r.offset, r.key, r.value]);

  it('lists a topic created over HTTP with its partitions, node 0 leading each (kcat -L)', async () => {
    await createTopic('kcat-meta', 3);
    const listing = await kcat(['-L', '-t', 'kcat-meta']);
    assert.match(listing, /topic "kcat-meta" with 3 partitions:/);
    for (const p of [0, 1, 2]) assert.match(listing, new RegExp(`partition ${p}, leader 0, replicas: 0, isrs: 0`));
  });

  it('round-trips keyed records: kcat -P, then kcat -C -e reads them back, and HTTP sees the same offsets', async () => {
    await createTopic('kcat-round-trip', 1);
    await kcat(['-P', '-t', 'kcat-round-trip', '-K:', '-p', '0'], 'k1:first\nk2:second\nk3:third\n');
    const consumed = await kcat(['-C', '-t', 'kcat-round-trip', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %k %s\\n']);
    assert.deepEqual(consumed.trim().split('\n'), ['0 k1 first', '1 k2 second', '2 k3 third']);
    assert.deepEqual(await readOverHttp('kcat-round-trip', 0), [
      [0, 'k1', 'first'],
      [1, 'k2', 'second'],
      [2, 'k3', 'third'],
    ]);
  });

  it('reads records produced over HTTP, with their keys and values (kcat -C)', async () => {
    await createTopic('kcat-from-http', 1);
    const produced = await call(test.url, 'POST', '/v1/topics/kcat-from-http/records', { records: [{ key: 'a', value: 'from http', partition: 0 }] });
    assert.equal(produced.status, 200);
    const consumed = await kcat(['-C', '-t', 'kcat-from-http', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %k %s\\n']);
    assert.equal(consumed.trim(), '0 a from http');
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    it(`takes a ${codec} batch from librdkafka and answers its records over HTTP`, async () => {
      const topic = `kcat-${codec}`;
      await createTopic(topic, 1);
      await kcat(['-P', '-t', topic, '-K:', '-p', '0', '-z', codec], `key-${codec}:value-${codec}\n`);
      assert.deepEqual(await readOverHttp(topic, 0), [[0, `key-${codec}`, `value-${codec}`]]);
    });
  }
});
