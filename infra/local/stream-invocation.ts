import { randomBytes, randomUUID } from 'node:crypto';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { readBatchResponse, type Outcome } from './stream-batch-policy';
import type { Delivery } from './stream-records';
import { errorText } from './stream-timing';

/** One in-process invocation of a stream function, as Lambda makes it: a context with a deadline, a timeout, and the batch response read. */
export interface InvocationSettings {
  functionName: string;
  handler: (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;
  timeoutSeconds: number;
  memoryMiB: number;
  reportBatchItemFailures: boolean;
  region: string | undefined;
  now: () => number;
}

const LOCAL_ACCOUNT_ID = '000000000000';

export async function invokeStreamFunction(settings: InvocationSettings, records: Delivery[]): Promise<Outcome> {
  const timeoutMs = settings.timeoutSeconds * 1000;
  const deadline = settings.now() + timeoutMs;
  // Each invocation gets its own copy, as each Lambda invocation parses its own event.
  const event: DynamoDBStreamEvent = { Records: records.map((d) => structuredClone(d.record)) };
  let result: unknown;
  try {
    result = await Promise.resolve().then(() => settings.handler(event, streamContext(settings, deadline)));
  } catch (error) {
    return { ok: false, succeeded: 0, error: errorText(error) };
  }
  if (settings.now() > deadline) {
    // Lambda would have stopped the invocation; the result does not count.
    return { ok: false, succeeded: 0, error: `Task timed out after ${settings.timeoutSeconds.toFixed(2)} seconds` };
  }
  if (!settings.reportBatchItemFailures) return { ok: true };
  return readBatchResponse(result, records);
}

function streamContext(settings: InvocationSettings, deadline: number): Context {
  const name = settings.functionName;
  const region = settings.region ?? 'us-east-1';
  const day = new Date(settings.now()).toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (method: string) => () => {
    throw new Error(`context.${method}() is not supported by the local runtime; return a value or a promise instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
    memoryLimitInMB: String(settings.memoryMiB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - settings.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
