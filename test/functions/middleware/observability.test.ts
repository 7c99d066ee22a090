import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import middy from '@middy/core';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { correlationIdOf, installClientTracing, log, logger, observability } from '../../../functions/middleware/observability';
import { setClientCapture } from '../../../lib/observability/client-capture';
import { createDynamoDocumentClient, createLambdaClient, createS3Client } from '../../../lib/store/aws-clients';

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

describe('log()', () => {
  it('writes an entry through the Powertools logger at its level, its message and fields as given', (t) => {
    const calls: [string, unknown, unknown][] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      t.mock.method(logger, level, (message: unknown, fields: unknown) => void calls.push([level, message, fields]));
    }
    log({ level: 'INFO', message: 'rebalance', group: 'g', generation: 2 });
    log({ level: 'WARN', message: 'could not delete orphan object', key: 'seg/00/a' });
    log({ level: 'ERROR', message: 'topic cleanup failed', error: 'Error: boom' });
    log({ level: 'DEBUG', message: 'detail' });
    log({ message: 'no level given' });
    assert.deepEqual(calls, [
      ['info', 'rebalance', { group: 'g', generation: 2 }],
      ['warn', 'could not delete orphan object', { key: 'seg/00/a' }],
      ['error', 'topic cleanup failed', { error: 'Error: boom' }],
      ['debug', 'detail', {}],
      ['info', 'no level given', {}],
    ]);
  });

  it('prints one JSON line with the correlation id, the Lambda context and the fields during an invocation', async (t) => {
    const lines: string[] = [];
    const out = (logger as unknown as { console: Console }).console;
    t.mock.method(out, 'info', (line: string) => void lines.push(line));
    const handler = middy(async () => {
      log({ level: 'INFO', message: 'dispatched', results: [1] });
    }).use(observability());
    await handler({ requestContext: { requestId: 'apigw-3' } }, context);
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!);
    assert.equal(entry.level, 'INFO');
    assert.equal(entry.message, 'dispatched');
    assert.deepEqual(entry.results, [1]);
    assert.equal(entry.correlation_id, 'apigw-3');
    assert.equal(entry.function_request_id, 'lambda-req-1');
    assert.equal(entry.function_name, 'sluice-test');
  });
});

describe('SDK client tracing', () => {
  const env = { AWS_REGION: 'eu-west-1' } as NodeJS.ProcessEnv;
  const traced = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().some((name) => name.startsWith('XRaySDKInstrumentation'));

  /** A Tracer as in a Lambda container (tracing needs AWS_EXECUTION_ENV at construction), without patching this process's HTTP. */
  function lambdaTracer(enabled: boolean): Tracer {
    const before = process.env.AWS_EXECUTION_ENV;
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    try {
      return new Tracer({ serviceName: 'sluice', enabled, captureHTTPsRequests: false });
    } finally {
      if (before === undefined) delete process.env.AWS_EXECUTION_ENV;
      else process.env.AWS_EXECUTION_ENV = before;
    }
  }

  it('with tracing on, the DynamoDB, S3 and Lambda clients lib/ creates are captured by the tracer', (t) => {
    const tracer = lambdaTracer(true);
    assert.equal(tracer.isTracingEnabled(), true);
    const capture = t.mock.method(tracer, 'captureAWSv3Client');
    installClientTracing(tracer);
    t.after(() => setClientCapture(undefined));
    const ddb = createDynamoDocumentClient(env);
    const s3 = createS3Client(env);
    const lambda = createLambdaClient(env);
    assert.equal(capture.mock.callCount(), 3);
    assert.ok(traced(ddb), 'DynamoDB document client');
    assert.ok(traced(s3), 'S3 client');
    assert.ok(traced(lambda), 'Lambda client');
  });

  it('with tracing off, the clients are left untouched', (t) => {
    const tracer = lambdaTracer(false);
    const capture = t.mock.method(tracer, 'captureAWSv3Client');
    installClientTracing(tracer);
    t.after(() => setClientCapture(undefined));
    assert.equal(traced(createDynamoDocumentClient(env)), false);
    assert.equal(traced(createS3Client(env)), false);
    assert.equal(traced(createLambdaClient(env)), false);
    assert.equal(capture.mock.callCount(), 0);
  });
});
