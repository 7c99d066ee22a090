import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { apiCaller } from '../../../support/api-caller';
import { startTestPlatform, type TestPlatform } from '../../../support/local-platform';

const run = promisify(execFile);
const kcatInstalled = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!kcatInstalled && process.env.CI) throw new Error('kcat is not installed: .ci/run installs it with apt-get');

const ALICE = { principal: 'alice', token: 't-alice' };
const MALLORY = { principal: 'mallory', token: 't-mallory' };
const ADMIN = { principal: 'admin', token: 't-admin' };

/**
 * SASL/PLAIN over the gateway with the HTTP API's bearer tokens (auth mode `token`, ACLs
 * enforced): kafkajs and kcat (librdkafka) authenticate with a token as password, and are
 * then authorized exactly as the same principal over HTTP.
 */
describe('Kafka gateway: SASL/PLAIN with the HTTP API tokens', () => {
  let test: TestPlatform;
  let bootstrap: string;
  const api = apiCaller(() => test.url);
  const allow = async (principal: string, resourceType: string, resourceName: string, operation: string) => {
    const answer = await api(ADMIN.token, { method: 'POST', path: '/v1/acls', body: { principal, resourceType, patternType: 'LITERAL', resourceName, operation, permission: 'ALLOW' } });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  };
  const recordsOverHttp = async (topic: string) => {
    const answer = await api(ADMIN.token, { method: 'GET', path: `/v1/topics/${topic}/partitions/0/records?offset=0&encoding=utf8` });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.records.map((r: { key: string; value: string }) => [r.key, r.value]);
  };
  const kafka = (username: string, password: string) =>
    new Kafka({ clientId: 'sluice-sasl-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username, password } });

  before(async () => {
    process.env.SLUICE_AUTH_MODE = 'token';
    process.env.SLUICE_AUTH_TOKENS = [ALICE, MALLORY, ADMIN].map((who) => `${who.principal}=${who.token}`).join(',');
    process.env.SLUICE_ADMIN_PRINCIPALS = ADMIN.principal;
    test = await startTestPlatform();
    bootstrap = test.platform.kafka!.bootstrapServer;
    for (const name of ['sasl-orders', 'sasl-kcat']) {
      const created = await api(ADMIN.token, { method: 'POST', path: '/v1/topics', body: { name, partitions: 1 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      for (const operation of ['WRITE', 'READ']) await allow(ALICE.principal, 'TOPIC', name, operation);
    }
    await allow(ALICE.principal, 'CLUSTER', 'cluster', 'WRITE');
  });
  after(async () => {
    await test?.stop();
    delete process.env.SLUICE_AUTH_MODE;
    delete process.env.SLUICE_AUTH_TOKENS;
    delete process.env.SLUICE_ADMIN_PRINCIPALS;
  });

  it('kafkajs authenticates with a token as the PLAIN password and produces as its principal', async () => {
    const producer = kafka(ALICE.principal, ALICE.token).producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'sasl-orders', messages: [{ key: 'k1', value: 'from alice', partition: 0 }] });
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await recordsOverHttp('sasl-orders'), [['k1', 'from alice']]);
  });

  it('refuses over Kafka what the ACLs refuse over HTTP: mallory may not write sasl-orders either way', async () => {
    const overHttp = await api(MALLORY.token, { method: 'POST', path: '/v1/topics/sasl-orders/records', body: { records: [{ value: 'x', partition: 0 }] } });
    assert.equal(overHttp.status, 403);
    const producer = kafka('', MALLORY.token).producer();
    await producer.connect();
    try {
      // kafkajs reports TOPIC_AUTHORIZATION_FAILED (29) as a non-retriable 'Not authorized to access topics'.
      await assert.rejects(producer.send({ topic: 'sasl-orders', messages: [{ value: 'from mallory', partition: 0 }] }), /Not authorized to access topics/);
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await recordsOverHttp('sasl-orders'), [['k1', 'from alice']]);
  });

  it('a wrong token fails to connect (SASL authentication failed) and writes nothing', async () => {
    const producer = kafka(ALICE.principal, 'not-a-token').producer();
    await assert.rejects(producer.connect(), { name: 'KafkaJSSASLAuthenticationError', message: /SASL PLAIN authentication failed: Authentication failed: invalid token/ });
    await producer.disconnect();
    assert.deepEqual(await recordsOverHttp('sasl-orders'), [['k1', 'from alice']]);
  });

  describe('kcat (librdkafka) with SASL_PLAINTEXT', { skip: kcatInstalled ? false : 'kcat is not installed (apt-get install kcat)' }, () => {
    const kcat = async (password: string, args: string[], input?: string) => {
      const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${ALICE.principal}`, '-X', `sasl.password=${password}`];
      const child = run('kcat', ['-b', bootstrap, ...sasl, ...args], { timeout: 30_000 });
      if (input !== undefined) child.child.stdin!.end(input);
      return (await child).stdout;
    };

    it('produces and consumes with a token as the password', async () => {
      await kcat(ALICE.token, ['-P', '-t', 'sasl-kcat', '-K:', '-p', '0'], 'k:from kcat\n');
      const consumed = await kcat(ALICE.token, ['-C', '-t', 'sasl-kcat', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k %s\\n']);
      assert.equal(consumed.trim(), 'k from kcat');
      assert.deepEqual(await recordsOverHttp('sasl-kcat'), [['k', 'from kcat']]);
    });

    it('fails with a wrong password, and writes nothing', async () => {
      await assert.rejects(kcat('wrong', ['-P', '-t', 'sasl-kcat', '-p', '0', '-m', '5'], 'x\n'));
      assert.deepEqual(await recordsOverHttp('sasl-kcat'), [['k', 'from kcat']]);
    });
  });
});
