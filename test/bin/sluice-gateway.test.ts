import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { METADATA } from '../../lib/kafka/messages/metadata';
import { BUCKET_ENV_VAR } from '../../lib/store/tables';
import { RawKafkaConnection } from '../support/kafka-wire-client';
import { call, startTestPlatform, type TestPlatform } from '../support/local-platform';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function run(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'bin/sluice-gateway.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('sluice-gateway (the gateway alone, against the tables and bucket in the environment)', () => {
  let test: TestPlatform;
  before(async () => {
    test = await startTestPlatform({ kafkaPort: null });
  });
  after(async () => {
    await test?.stop();
  });

  it('serves Metadata for the topics in the configured tables, and stops on SIGTERM', async () => {
    assert.equal((await call(test.url, 'POST', '/v1/topics', { name: 'alone', partitions: 2 })).status, 201);
    // The local platform wrote the tables, bucket and endpoints into this process's environment, as a function gets them.
    const child = run({ ...process.env, SLUICE_KAFKA_PORT: '0', SLUICE_KAFKA_HOST: '127.0.0.1' });
    try {
      let output = '';
      const port = await new Promise<number>((resolvePort, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
          if (match) resolvePort(Number(match[1]));
        });
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const connection = await RawKafkaConnection.connect(port);
      try {
        const { body } = await connection.request(METADATA, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        assert.deepEqual(body.brokers.map((b) => [b.nodeId, b.port]), [[0, port]]);
        assert.deepEqual(body.topics.filter((t) => t.name === 'alone').map((t) => t.partitions.length), [2]);
      } finally {
        connection.close();
      }
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    }
  });

  it('refuses to start without the tables and bucket, naming what is missing', async () => {
    const env = { ...process.env };
    delete env[BUCKET_ENV_VAR];
    const child = run(env);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /SLUICE_BUCKET/);
  });
});
