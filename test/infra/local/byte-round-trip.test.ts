import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SluiceConsumer } from '../../../lib/client/consumer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Bytes round-trip exactly through the local platform's HTTP API: a leading U+FEFF
 * (byte-order mark, EF BB BF in UTF-8) in a key, value, header key or header value is
 * data, and a UTF-8 decoder that drops it (TextDecoder's default) would lose it.
 */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

// The exact produce body, as raw JSON text (the \ufeff escapes are JSON's, not this file's).
const PRODUCE_BODY = String.raw`{"records":[{"key":"\ufeffk","value":"\ufeffhello","headers":[{"key":"\ufeffh","value":"\ufeffv"}]}]}`;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const bytes = (text: string) => Buffer.concat([BOM, Buffer.from(text, 'ascii')]);

async function fetchJson(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(env.url + path);
  return { status: response.status, body: JSON.parse(Buffer.from(await response.arrayBuffer()).toString('utf8')) };
}

describe('byte round trip of a leading U+FEFF', () => {
  before(async () => {
    const created = await fetch(`${env.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"bom","partitions":1}' });
    assert.equal(created.status, 201);
    const produced = await fetch(`${env.url}/v1/topics/bom/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: PRODUCE_BODY });
    assert.equal(produced.status, 200, await produced.text());
  });

  it('fetch with encoding=utf8 answers key, value, header key and header value with their U+FEFF', async () => {
    const { status, body } = await fetchJson('/v1/topics/bom/partitions/0/records?offset=0&encoding=utf8');
    assert.equal(status, 200);
    const [record] = body.records;
    assert.deepEqual(Buffer.from(record.key, 'utf8'), bytes('k'));
    assert.deepEqual(Buffer.from(record.value, 'utf8'), bytes('hello'));
    assert.equal(record.headers.length, 1);
    assert.deepEqual(Buffer.from(record.headers[0].key, 'utf8'), bytes('h'));
    assert.deepEqual(Buffer.from(record.headers[0].value, 'utf8'), bytes('v'));
  });

  it('fetch with encoding=base64 answers the exact bytes, and the header key with its U+FEFF', async () => {
    const { status, body } = await fetchJson('/v1/topics/bom/partitions/0/records?offset=0&encoding=base64');
    assert.equal(status, 200);
    const [record] = body.records;
    assert.deepEqual(Buffer.from(record.key, 'base64'), bytes('k'));
    assert.deepEqual(Buffer.from(record.value, 'base64'), bytes('hello'));
    assert.deepEqual(Buffer.from(record.headers[0].key, 'utf8'), bytes('h'));
    assert.deepEqual(Buffer.from(record.headers[0].value, 'base64'), bytes('v'));
  });

  it('the client’s consumer hands out the same strings, in utf8 and in base64', async () => {
    const client = new SluiceHttpClient({ baseUrl: env.url });
    for (const encoding of ['utf8', 'base64'] as const) {
      const consumer = new SluiceConsumer(client, { resetPolicy: 'earliest', encoding, waitMs: 0 });
      await consumer.assign([{ topic: 'bom', partition: 0 }]);
      const iterator = consumer[Symbol.asyncIterator]();
      const { value: record } = await iterator.next();
      await consumer.close();
      assert.ok(record, encoding);
      const decode = (text: string) => Buffer.from(text, encoding);
      assert.deepEqual(decode(record.key!), bytes('k'), encoding);
      assert.deepEqual(decode(record.value!), bytes('hello'), encoding);
      assert.deepEqual(Buffer.from(record.headers[0]!.key, 'utf8'), bytes('h'), encoding);
      assert.deepEqual(decode(record.headers[0]!.value!), bytes('v'), encoding);
    }
  });
});
