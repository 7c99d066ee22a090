import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { iamSigner } from '../../../lib/client/iam-signer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('iamSigner', () => {
  it('signs for execute-api in the given region with SigV4, covering host and the body hash', async () => {
    const sign = iamSigner({ region: 'eu-west-1', credentials });
    const headers = await sign({ method: 'POST', url: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/topics?x=1', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.match(headers.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    assert.match(headers['x-amz-date']!, /^\d{8}T\d{6}Z$/);
    assert.equal(headers['x-amz-content-sha256'], createHash('sha256').update('{}').digest('hex'), 'the body is covered by its hash');
  });

  it('signs different bodies differently', async () => {
    const sign = iamSigner({ region: 'eu-west-1', credentials });
    const base = { method: 'POST', url: 'https://abc.example/v1/x', headers: {} };
    const a = await sign({ ...base, body: 'a' });
    const b = await sign({ ...base, body: 'b' });
    assert.notEqual(a.authorization, b.authorization);
  });

  it('is what the client sends when given as its signer', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const server = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"topics":[]}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      await new SluiceHttpClient({ baseUrl: url, signer: iamSigner({ region: 'us-east-1', credentials }) }).listTopics();
      assert.match(String(seen.authorization), /^AWS4-HMAC-SHA256 /);
    } finally {
      server.close();
    }
  });
});
