import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Producing to a compacted topic over the HTTP API, against DynamoDB Local and the S3 server. */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

describe('produce to a cleanup.policy=compact topic', () => {
  it('refuses a record without a key with a 400 naming the record, and writes none of the call', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'compacted-keys', partitions: 1, config: { 'cleanup.policy': 'compact' } })).status, 201);
    const refused = await call(env.url, 'POST', '/v1/topics/compacted-keys/records', { records: [{ key: 'a', value: '1' }, { value: '2' }] });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'INVALID_REQUEST');
    assert.equal(refused.body.error.field, 'records[1].key');
    const read = await call(env.url, 'GET', '/v1/topics/compacted-keys/partitions/0/records');
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.records, []);
  });

  it('takes a tombstone: a keyed record whose value is null', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'compacted-tombstone', partitions: 1, config: { 'cleanup.policy': 'compact' } })).status, 201);
    assert.equal((await call(env.url, 'POST', '/v1/topics/compacted-tombstone/records', { records: [{ key: 'a', value: null }] })).status, 200);
    const read = await call(env.url, 'GET', '/v1/topics/compacted-tombstone/partitions/0/records?encoding=utf8');
    assert.deepEqual(
      read.body.records.map((r: { key: string; value: string | null }) => [r.key, r.value]),
      [['a', null]],
    );
  });
});
