import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageClientsFromEnv } from '../../../lib/store/storage-clients';

describe('storageClientsFromEnv', () => {
  it('configures both clients from the environment it is given, not the process', async () => {
    const clients = storageClientsFromEnv({ AWS_REGION: 'eu-west-3', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' });
    assert.equal(await clients.ddb.config.region(), 'eu-west-3');
    assert.equal(await clients.s3.config.region(), 'eu-west-3');
    assert.equal(clients.s3.config.forcePathStyle, true, 'an overridden S3 endpoint is addressed path-style');
  });
});
