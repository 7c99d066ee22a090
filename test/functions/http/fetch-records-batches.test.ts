import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { RECORD_BATCHES_TYPE } from '../../../lib/protocol/record-batches';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The fetch route's batches answer (`Accept: application/vnd.sluice.record-batches`) over
 * HTTP on the local platform, and the client reading it: the same records as the JSON
 * answer, and the same refusals. Bearer tokens: `reader` may READ the topic, `nobody` nothing.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,nobody=t-nobody';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

const TOPIC = 'batches';
let env: TestPlatform;
let admin: SluiceHttpClient;

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  admin = new SluiceHttpClient({ baseUrl: env.url, headers: { authorization: 'Bearer t-admin' } });
  await admin.createTopic(TOPIC, { partitions: 1 });
  await admin.createAcl({ principal: 'reader', resourceType: 'TOPIC', resourceName: TOPIC, operation: 'READ', permission: 'ALLOW' });
  for (let call = 0; call < 4; call++) {
    await admin.produce(TOPIC, { records: Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: `call ${call} record ${i}`, headers: { n: String(i) }, partition: 0 })) });
  }
});

after(async () => {
  await env?.stop();
});

const fetchAs = (token: string, query: string, accept: string) => fetch(`${env.url}/v1/topics/${TOPIC}/partitions/0/records?${query}`, { headers: { authorization: `Bearer ${token}`, accept } });

describe('fetch records as stored batches', () => {
  it('answers the batches type with the offsets in headers', async () => {
    const response = await fetchAs('t-reader', 'offset=30&maxRecords=10', RECORD_BATCHES_TYPE);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), RECORD_BATCHES_TYPE);
    assert.equal(response.headers.get('sluice-next-offset'), '40');
    assert.equal(response.headers.get('sluice-high-watermark'), '100');
    assert.equal(response.headers.get('sluice-log-start-offset'), '0');
    // One stored batch (offsets 25-49), whole: its base offset leads its bytes.
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.readBigInt64BE(0), 25n);
    assert.equal(bytes.length, 12 + bytes.readInt32BE(8));
  });

  for (const [offset, maxRecords] of [
    [0, 500],
    [10, 30],
    [49, 2],
    [99, 10],
    [100, 10],
  ] as const) {
    it(`gives the client the records the JSON answer holds, from ${offset} with maxRecords ${maxRecords}`, async () => {
      const reader = new SluiceHttpClient({ baseUrl: env.url, headers: { authorization: 'Bearer t-reader' } });
      const [batches, json] = await Promise.all([
        reader.fetchRecords(TOPIC, 0, { offset, maxRecords, format: 'batches', encoding: 'utf8' }),
        reader.fetchRecords(TOPIC, 0, { offset, maxRecords, format: 'json', encoding: 'utf8' }),
      ]);
      assert.deepEqual(batches, json);
    });
  }

  it('answers JSON to a client that lists JSON first', async () => {
    const response = await fetchAs('t-reader', 'offset=0&maxRecords=1', `application/json, ${RECORD_BATCHES_TYPE}`);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(((await response.json()) as any).records.length, 1);
  });

  it('refuses a principal without READ, as the JSON answer does', async () => {
    const response = await fetchAs('t-nobody', 'offset=0', RECORD_BATCHES_TYPE);
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as any).error.code, 'ACCESS_DENIED');
  });

  it('refuses an offset out of range with the JSON error body', async () => {
    const response = await fetchAs('t-reader', 'offset=101', RECORD_BATCHES_TYPE);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(((await response.json()) as any).error.code, 'OFFSET_OUT_OF_RANGE');
  });
});
