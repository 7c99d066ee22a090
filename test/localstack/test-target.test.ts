import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envForTarget, missingOnTarget, requiresTarget, testTarget } from '../support/test-target';

/** SLUICE_TEST_TARGET (test/support/test-target.ts): what the integration tests run against. */
describe('testTarget', () => {
  it('is emulators without endpoint variables, and endpoint when AWS_ENDPOINT_URL is set', () => {
    assert.equal(testTarget({}), 'emulators');
    assert.equal(testTarget({ AWS_ENDPOINT_URL: 'http://localhost:4566' }), 'endpoint');
  });

  it('follows SLUICE_TEST_TARGET over the endpoint variables', () => {
    assert.equal(testTarget({ SLUICE_TEST_TARGET: 'emulators', AWS_ENDPOINT_URL: 'http://localhost:4566' }), 'emulators');
    assert.equal(testTarget({ SLUICE_TEST_TARGET: 'endpoint', AWS_ENDPOINT_URL_S3: 'http://s3', AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb' }), 'endpoint');
  });

  it('refuses endpoint without an endpoint for both S3 and DynamoDB (it would mean real AWS), and an unknown name', () => {
    assert.throws(() => testTarget({ SLUICE_TEST_TARGET: 'endpoint' }), /needs AWS_ENDPOINT_URL/);
    assert.throws(() => testTarget({ SLUICE_TEST_TARGET: 'endpoint', AWS_ENDPOINT_URL_S3: 'http://s3' }), /needs AWS_ENDPOINT_URL/);
    assert.throws(() => testTarget({ SLUICE_TEST_TARGET: 'localstack' }), /must be 'emulators' or 'endpoint'/);
  });
});

describe('envForTarget', () => {
  it('drops every endpoint variable for emulators and keeps them for endpoint', () => {
    const env = { AWS_ENDPOINT_URL: 'a', AWS_ENDPOINT_URL_S3: 'b', AWS_ENDPOINT_URL_DYNAMODB: 'c', AWS_ENDPOINT_URL_DYNAMODB_STREAMS: 'd', AWS_REGION: 'eu-west-1' };
    assert.deepEqual(envForTarget(env, 'emulators'), { AWS_REGION: 'eu-west-1' });
    assert.deepEqual(envForTarget(env, 'endpoint'), env);
  });
});

describe('requiresTarget', () => {
  it('skips by name, with the reason, what the endpoint target lacks, and answers that it did', () => {
    const skipped: (string | undefined)[] = [];
    const t = { skip: (message?: string) => skipped.push(message) };
    assert.equal(requiresTarget('http-api', t, 'endpoint'), true);
    assert.deepEqual(skipped, ["http-api: needs API Gateway v2 HTTP APIs, not served by LocalStack's free tier"]);
  });

  it('skips nothing on the emulators target', () => {
    const skipped: (string | undefined)[] = [];
    assert.equal(requiresTarget('emulators', { skip: (message?: string) => skipped.push(message) }, 'emulators'), false);
    assert.deepEqual(skipped, []);
    assert.equal(missingOnTarget('websocket-api', 'emulators'), undefined);
  });
});
