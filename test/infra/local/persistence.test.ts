import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { call, startTestPlatform } from '../../support/local-platform';
import { missingOnTarget } from '../../support/test-target';

// The data directory is the embedded emulators': nothing of it exists against an external endpoint.
describe('local data directory', { skip: missingOnTarget('emulators') }, () => {
  it('keeps topics and records across a restart of the platform', async () => {
    const first = await startTestPlatform();
    try {
      await call(first.url, 'POST', '/v1/topics', { name: 'kept', partitions: 2 });
      const produced = await call(first.url, 'POST', '/v1/topics/kept/records', { records: [{ value: 'survives', partition: 1 }] });
      assert.equal(produced.status, 200);
    } finally {
      await first.stop({ keepData: true });
    }
    // Same ports, as a restart of `npm start` would use: handler modules keep their SDK clients for the life of the process, as in Lambda.
    const port = (url: string) => Number(new URL(url).port);
    const second = await startTestPlatform({
      dataDir: first.dataDir,
      namesFrom: first.config,
      dynamodbPort: port(first.platform.endpoints.dynamodb),
      s3Port: port(first.platform.endpoints.s3),
    });
    try {
      const { body } = await call(second.url, 'GET', '/v1/topics/kept/partitions/1/records?encoding=utf8');
      assert.deepEqual(
        body.records.map((r: { offset: number; value: string }) => [r.offset, r.value]),
        [[0, 'survives']],
      );
      const next = await call(second.url, 'POST', '/v1/topics/kept/records', { records: [{ value: 'after restart', partition: 1 }] });
      assert.equal(next.body.records[0].offset, 1);
    } finally {
      await second.stop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
