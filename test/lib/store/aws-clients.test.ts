import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Client, LEAN_CHECKSUMS, withLeanSegmentPuts } from '../../../lib/store/aws-clients';

/** The headers of every request a stand-in S3 received, answered 200 with an empty body. */
const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen.push({ method: req.method!, headers: req.headers });
    res.writeHead(200, { etag: '"e"', 'content-type': 'application/xml' });
    res.end(req.method === 'POST' ? '<DeleteResult></DeleteResult>' : '');
  });
});
let s3: S3Client;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = withLeanSegmentPuts(new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, ...LEAN_CHECKSUMS }));
});

after(() => {
  server.close();
});

const last = () => seen.at(-1)!.headers;

describe('the S3 client', () => {
  it('signs a segment PutObject without hashing its payload, and sends no checksum', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.alloc(4096, 1) }));
    assert.equal(last()['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    assert.deepEqual(Object.keys(last()).filter((name) => name.startsWith('x-amz-checksum') || name === 'content-md5'), []);
  });

  it('still signs other requests with their payload hash', async () => {
    await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    assert.match(String(last()['x-amz-content-sha256']), /^[0-9a-f]{64}$/);
  });

  it('still sends the checksum S3 requires on DeleteObjects', async () => {
    await s3.send(new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'k' }] } }));
    assert.ok(Object.keys(last()).some((name) => name.startsWith('x-amz-checksum') || name === 'content-md5'), JSON.stringify(last()));
  });

  it('is what createS3Client makes', async () => {
    const client = createS3Client({ AWS_REGION: 'us-east-1' });
    assert.equal(await client.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
    assert.equal(await client.config.responseChecksumValidation(), 'WHEN_REQUIRED');
    assert.ok(client.middlewareStack.identify().some((entry) => entry.startsWith('sluiceUnsignedSegmentPayload')));
  });
});
