/**
 * What the integration tests run against (SLUICE_TEST_TARGET):
 * - `emulators`: DynamoDB Local and s3rver, started per test file; AWS_ENDPOINT_URL* are ignored.
 * - `endpoint`: no emulator; whatever AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3,
 *   AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS) points at, e.g. LocalStack
 *   on http://localhost:4566, with fresh table and bucket names per test file.
 * Unset, the target is `endpoint` when an endpoint variable is set and `emulators` otherwise.
 */
export type TestTarget = 'emulators' | 'endpoint';

export const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS'] as const;

export function testTarget(env: NodeJS.ProcessEnv = process.env): TestTarget {
  const named = env.SLUICE_TEST_TARGET;
  const hasEndpoint = ENDPOINT_VARIABLES.some((name) => Boolean(env[name]));
  if (named === undefined || named === '') return hasEndpoint ? 'endpoint' : 'emulators';
  if (named === 'emulators') return 'emulators';
  if (named !== 'endpoint') throw new Error(`SLUICE_TEST_TARGET must be 'emulators' or 'endpoint', got '${named}'`);
  // A target with nowhere to go would silently mean real AWS: refuse it.
  if (!env.AWS_ENDPOINT_URL && !(env.AWS_ENDPOINT_URL_S3 && env.AWS_ENDPOINT_URL_DYNAMODB)) {
    throw new Error('SLUICE_TEST_TARGET=endpoint needs AWS_ENDPOINT_URL (e.g. http://localhost:4566), or both AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_DYNAMODB');
  }
  return 'endpoint';
}

/** The environment the platform is configured from for a target: `emulators` drops the endpoint variables. */
export function envForTarget(env: NodeJS.ProcessEnv, target: TestTarget = testTarget(env)): NodeJS.ProcessEnv {
  if (target === 'endpoint') return { ...env };
  const copy = { ...env };
  for (const name of ENDPOINT_VARIABLES) delete copy[name];
  return copy;
}

/**
 * What a test may need that not every target serves. An `endpoint` target (LocalStack's
 * free tier) has S3, DynamoDB and DynamoDB Streams: the tests' HTTP API, WebSocket API,
 * triggers and schedules run in the local platform over them. It lacks:
 * - `emulators`: the emulator processes themselves (their ports, their data directory,
 *   stopping one to see an outage, s3rver's or DynamoDB Local's own quirks);
 * - `http-api`, `websocket-api`, `function-url`: API Gateway v2 and Lambda function URLs
 *   as deployed services, paid LocalStack features.
 */
export type TargetFeature = 'emulators' | 'http-api' | 'websocket-api' | 'function-url';

const MISSING_ON_ENDPOINT: Record<TargetFeature, string> = {
  emulators: 'needs the embedded emulators (DynamoDB Local, s3rver), not started with SLUICE_TEST_TARGET=endpoint',
  'http-api': "needs API Gateway v2 HTTP APIs, not served by LocalStack's free tier",
  'websocket-api': "needs API Gateway v2 WebSocket APIs, not served by LocalStack's free tier",
  'function-url': "needs Lambda function URLs with response streaming, not served by LocalStack's free tier",
};

/** The reason a feature is missing on the current target, or undefined when it is there. */
export function missingOnTarget(feature: TargetFeature, target: TestTarget = testTarget()): string | undefined {
  return target === 'endpoint' ? MISSING_ON_ENDPOINT[feature] : undefined;
}

/**
 * Skips the test, by name and with the reason, when the target lacks the feature; answers
 * whether it did, so the test returns at once: `if (requiresTarget('emulators', t)) return;`.
 */
export function requiresTarget(feature: TargetFeature, t: { skip(message?: string): void }, target: TestTarget = testTarget()): boolean {
  const reason = missingOnTarget(feature, target);
  if (reason === undefined) return false;
  t.skip(`${feature}: ${reason}`);
  return true;
}
