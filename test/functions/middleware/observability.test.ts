import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlationIdOf, logger, observability } from '../../../functions/middleware/observability';

const context = { awsRequestId: 'lambda-req-1', functionName: 'sluice-test', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sluice-test', memoryLimitInMB: '128', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe('observability()', () => {
  it('takes the correlation id from the API Gateway request id, else the Lambda request id', () => {
    assert.equal(correlationIdOf({ requestContext: { requestId: 'apigw-1' } }, context), 'apigw-1');
    assert.equal(correlationIdOf({ Records: [] }, context), 'lambda-req-1');
    assert.equal(correlationIdOf(undefined, undefined), undefined);
  });

  it('sets the correlation id during the invocation and resets it after', async () => {
    let during: unknown;
    const handler = middy(async () => {
      during = logger.getCorrelationId();
      return { statusCode: 200 };
    }).use(observability());
    const result = await handler({ requestContext: { requestId: 'apigw-2' } }, context);
    assert.deepEqual(result, { statusCode: 200 });
    assert.equal(during, 'apigw-2');
    assert.equal(logger.getCorrelationId(), undefined);
  });

  it('lets errors through to the next middleware', async () => {
    const handler = middy(async () => {
      throw new Error('boom');
    }).use(observability());
    await assert.rejects(handler({}, context), /boom/);
  });
});
