/**
 * What `SluiceStack` synthesizes, checked against the single sources of truth it is
 * built from (TABLES and FUNCTIONS), so adding a table, function, route, trigger or schedule
 * there is covered here without touching this file.
 *
 * The main stack is synthesized once (and once more with X-Ray tracing on, for
 * the tests that compare), with NodejsFunction bundling skipped
 * (`aws:cdk:bundling-stacks: []`): the templates are the same either way, and
 * bundling every handler takes seconds. One test at the end synthesizes with
 * bundling to check that every handler bundles.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_RETENTION_ENV_VAR, DEFAULT_RETENTION_MS } from '../../lib/retention/retention-settings';
import { BUCKET_ENV_VAR, TABLES } from '../../lib/store/tables';
import { FUNCTIONS } from '../../infra/platform-spec';
import { constructIdFor, SluiceFunctions } from '../../infra/constructs/sluice-functions';
import { DEFAULT_THROTTLE, SluiceStack, type SluiceStackProps } from '../../infra/sluice-stack';
import { PUSH_TARGET_FUNCTIONS_ENV_VAR } from '../../lib/push/push-target-policy';
import { WATCH_ENDPOINT_ENV_VAR } from '../../lib/store/connection-poster';
import { LIVE_STREAM_URL_ENV_VAR } from '../../lib/protocol/live';

interface CdkJson {
  readonly context: Record<string, unknown>;
}
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as CdkJson;

/** A stack in an app with cdk.json's feature flags, as `cdk synth` builds it. */
function sluiceStack(props: SluiceStackProps = {}, options: { bundle?: boolean } = {}): { app: App; stack: SluiceStack } {
  const app = new App({
    context: {
      ...cdkJson.context,
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = new SluiceStack(app, 'SluiceTest', { namePrefix: 'sluice-test', ...props });
  return { app, stack };
}

const { stack } = sluiceStack();
const template = Template.fromStack(stack);
const { storage, functions, api } = stack;
/** The same stack with X-Ray active tracing (`-c tracing=true`). */
const tracedStack = sluiceStack({ tracing: true }).stack;
const tracedTemplate = Template.fromStack(tracedStack);

type Json = Record<string, unknown>;
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}

/** The CloudFormation form of a token, e.g. `{ Ref: 'StorageTopics1A2B' }`, without spelling the hash. */
function resolved(value: unknown): unknown {
  return stack.resolve(value);
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every IAM statement in the template: policies, managed policies and inline role policies. */
function allStatements(source: Template = template): Statement[] {
  const documents: { Statement: Statement[] }[] = [];
  for (const resource of Object.values(source.findResources('AWS::IAM::Policy'))) {
    documents.push((resource.Properties as Json).PolicyDocument as { Statement: Statement[] });
  }
  for (const resource of Object.values(source.findResources('AWS::IAM::ManagedPolicy'))) {
    documents.push((resource.Properties as Json).PolicyDocument as { Statement: Statement[] });
  }
  for (const resource of Object.values(source.findResources('AWS::IAM::Role'))) {
    const inline = ((resource.Properties as Json).Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    documents.push(...inline.map((policy) => policy.PolicyDocument));
  }
  return documents.flatMap((document) => document.Statement);
}

/** The statements of the policies attached to a function's execution role. */
function statementsOfFunction(name: string, of: { stack: SluiceStack; template: Template } = { stack, template }): Statement[] {
  const fn = of.stack.functions.functions[name];
  assert.ok(fn, `no function ${name}`);
  const roleRef = of.stack.resolve(fn.role?.roleName);
  return Object.values(of.template.findResources('AWS::IAM::Policy'))
    .map((resource) => resource.Properties as { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } })
    .filter((properties) => properties.Roles.some((role) => JSON.stringify(role) === JSON.stringify(roleRef)))
    .flatMap((properties) => properties.PolicyDocument.Statement);
}

/** `<table ARN>/stream/*`: every stream of a table (their labels change when a stream is re-enabled). */
function streamsOf(tableArn: string): string {
  return `${tableArn}/stream/*`;
}

/**
 * The actions a function may perform on each of Sluice's resources, keyed `Topics`
 * (the table and its indexes), `TopicsStream` (its stream's ARN), `TopicsStreams`
 * (`<table ARN>/stream/*`), `Log`, ..., `Bucket`, `BucketObjects`, `Dlq`, `LogGroup`
 * (its own), `*` (anything else shows as `other`).
 */
function actionsByResource(name: string): Map<string, Set<string>> {
  const targets: [string, string][] = [];
  for (const definition of TABLES) {
    const table = storage.tables[definition.id];
    targets.push([`${definition.id}Stream`, JSON.stringify(resolved(table.tableStreamArn))]);
    targets.push([`${definition.id}Streams`, JSON.stringify(resolved(streamsOf(table.tableArn)))]);
    targets.push([definition.id, JSON.stringify(resolved(table.tableArn))]);
  }
  targets.push(['BucketObjects', JSON.stringify(resolved(storage.bucket.arnForObjects('*')))]);
  targets.push(['Bucket', JSON.stringify(resolved(storage.bucket.bucketArn))]);
  if (stack.watchApi) targets.push(['WatchConnections', JSON.stringify(resolved(stack.watchApi.connectionsArn()))]);
  for (const queue of Object.values(functions.deadLetterQueues)) targets.push(['Dlq', `"${logicalIdOf(queue)}"`]);
  const logGroup = functions.logGroups[name];
  if (logGroup) targets.push(['LogGroup', JSON.stringify(resolved(logGroup.logGroupArn))]);

  const byResource = new Map<string, Set<string>>();
  for (const statement of statementsOfFunction(name)) {
    assert.equal(statement.Effect, 'Allow');
    for (const resource of asArray(statement.Resource)) {
      const text = JSON.stringify(resource);
      const key = resource === '*' ? '*' : (targets.find(([, needle]) => text === needle || text.includes(needle))?.[0] ?? `other:${text}`);
      const actions = byResource.get(key) ?? new Set<string>();
      for (const action of asArray(statement.Action)) actions.add(action);
      byResource.set(key, actions);
    }
  }
  return byResource;
}

function bucketProperties(bucket: { node: { defaultChild?: unknown } }): Json {
  return (template.toJSON().Resources[logicalIdOf(bucket)] as { Properties: Json }).Properties;
}

describe('SluiceStack storage', () => {
  const secureBucket = {
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    VersioningConfiguration: Match.absent(),
  };

  it('creates two buckets: segments and their server access logs', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  for (const [name, bucket] of [
    ['segment', storage.bucket],
    ['access-log', storage.accessLogsBucket],
  ] as const) {
    it(`encrypts the ${name} bucket with S3-managed keys, blocks public access and ACLs, and keeps no versions`, () => {
      const result = Match.objectLike(secureBucket).test(bucketProperties(bucket));
      assert.equal(result.hasFailed(), false, result.toHumanStrings().join('\n'));
    });

    it(`denies every request to the ${name} bucket that does not use TLS`, () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: resolved(bucket.bucketName),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  }

  it('logs every request to the segment bucket into the access-log bucket, under segments/', () => {
    assert.deepEqual(bucketProperties(storage.bucket).LoggingConfiguration, {
      DestinationBucketName: resolved(storage.accessLogsBucket.bucketName),
      LogFilePrefix: 'segments/',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: resolved(storage.accessLogsBucket.bucketName),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('never expires segment objects by age, and aborts incomplete multipart uploads after a day', () => {
    assert.deepEqual(bucketProperties(storage.bucket).LifecycleConfiguration, {
      Rules: [{ Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }],
    });
  });

  it('expires access logs after 90 days by default', () => {
    const rules = (bucketProperties(storage.accessLogsBucket).LifecycleConfiguration as { Rules: Json[] }).Rules;
    assert.deepEqual(rules.find((rule) => rule.Id === 'expire-access-logs'), { Id: 'expire-access-logs', ExpirationInDays: 90, Status: 'Enabled' });
  });

  it('retains both buckets and every table by default', () => {
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      assert.equal(bucket.DeletionPolicy, 'Retain');
      assert.equal(bucket.UpdateReplacePolicy, 'Retain');
    }
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      assert.equal(table.DeletionPolicy, 'Retain');
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('empties and deletes the buckets and tables when removalPolicy is DESTROY', () => {
    const destroyable = Template.fromStack(sluiceStack({ removalPolicy: RemovalPolicy.DESTROY }).stack);
    for (const bucket of Object.values(destroyable.findResources('AWS::S3::Bucket'))) assert.equal(bucket.DeletionPolicy, 'Delete');
    destroyable.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    for (const table of Object.values(destroyable.findResources('AWS::DynamoDB::Table'))) {
      assert.equal(table.DeletionPolicy, 'Delete');
    }
  });

  it('creates exactly one table per TABLES entry', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
  });

  for (const definition of TABLES) {
    it(`creates the ${definition.id} table with its keys, local and global indexes, stream, on-demand billing, PITR and AWS-managed encryption`, () => {
      const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
      const indexKeys = [
        ...(definition.localIndexes ?? []).map((index) => index.sortKey),
        ...(definition.globalIndexes ?? []).flatMap((index) => [index.partitionKey, index.sortKey]),
      ];
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: keys.map((key, i) => ({ AttributeName: key.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        AttributeDefinitions: Match.arrayWith([...keys, ...indexKeys].map((key) => ({ AttributeName: key.name, AttributeType: key.type }))),
        GlobalSecondaryIndexes: definition.globalIndexes
          ? definition.globalIndexes.map((index) => ({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            }))
          : Match.absent(),
        LocalSecondaryIndexes: definition.localIndexes
          ? definition.localIndexes.map((index) => ({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
                { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            }))
          : Match.absent(),
        StreamSpecification: definition.stream ? { StreamViewType: definition.stream } : Match.absent(),
        TimeToLiveSpecification: definition.timeToLiveAttribute
          ? { AttributeName: definition.timeToLiveAttribute, Enabled: true }
          : Match.absent(),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });
  }
});

describe('SluiceStack functions', () => {
  it('creates exactly one Lambda function per FUNCTIONS entry', () => {
    template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
  });

  for (const spec of FUNCTIONS) {
    it(`runs ${spec.name} on Node.js 22 arm64 with its memory, timeout and only the names it needs`, () => {
      const variables: Record<string, unknown> = {
        NODE_OPTIONS: '--enable-source-maps',
        // Tracing is off by default: this makes the handlers' Powertools Tracer a no-op.
        POWERTOOLS_TRACE_ENABLED: 'false',
        SLUICE_AUTH_MODE: 'iam',
        SLUICE_AUTHORIZATION: 'acl',
      };
      for (const definition of TABLES) {
        if (spec.tables[definition.id]) variables[definition.envVar] = resolved(storage.tables[definition.id].tableName);
      }
      if (spec.bucket) variables[BUCKET_ENV_VAR] = resolved(storage.bucket.bucketName);
      // The per-function settings: the default retention, 168 hours unless the stack says otherwise,
      // and the Lambda push targets put-subscription may accept (none unless the stack lists some).
      if (spec.name === 'enforce-retention') variables[DEFAULT_RETENTION_ENV_VAR] = String(DEFAULT_RETENTION_MS);
      if (spec.name === 'put-subscription') variables[PUSH_TARGET_FUNCTIONS_ENV_VAR] = '';
      // The fetch and Durable Streams routes' 501 for a live read names the live-read function URL.
      if (spec.name === 'fetch-records' || spec.name === 'durable-streams') variables[LIVE_STREAM_URL_ENV_VAR] = resolved(stack.liveReads.url);
      // Functions that post to WebSocket connections learn the watch API's management endpoint.
      if (spec.managesConnections) variables[WATCH_ENDPOINT_ENV_VAR] = resolved(stack.watchApi!.managementEndpoint);

      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `sluice-test-${spec.name}`,
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: spec.memoryMiB,
        Timeout: spec.timeoutSeconds,
        Environment: { Variables: Match.objectEquals(variables) },
      });
    });
  }

  it('does not trace with X-Ray by default, and turns the Powertools Tracer off', () => {
    for (const spec of FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `sluice-test-${spec.name}`,
        TracingConfig: Match.absent(),
        Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_ENABLED: 'false' }) },
      });
    }
  });

  it('traces every function with X-Ray (active tracing) when tracing is on, with the Powertools Tracer on', () => {
    tracedTemplate.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
    for (const spec of FUNCTIONS) {
      tracedTemplate.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `sluice-test-${spec.name}`,
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_ENABLED: Match.absent() }) },
      });
    }
  });

  it('gives each function its own role with no managed policy, writing only its own log group', () => {
    // Besides the functions' roles, only API Gateway's account CloudWatch role (test/infra/sluice-watch-api.test.ts).
    const functionRoles = Object.values(template.findResources('AWS::IAM::Role')).filter((role) => JSON.stringify(role).includes('lambda.amazonaws.com'));
    template.resourceCountIs('AWS::IAM::Role', FUNCTIONS.length + 1);
    assert.equal(functionRoles.length, FUNCTIONS.length);
    for (const role of functionRoles) {
      const properties = role.Properties as Json;
      assert.equal(properties.ManagedPolicyArns, undefined);
      assert.deepEqual(properties.AssumeRolePolicyDocument, {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        Version: '2012-10-17',
      });
    }
    for (const spec of FUNCTIONS) {
      const fn = functions.functions[spec.name]!;
      assert.deepEqual(resolved(fn.role?.roleArn), { 'Fn::GetAtt': [logicalIdOf(fn.role as never), 'Arn'] });
      const logs = [...actionsByResource(spec.name).entries()].filter(([, actions]) => [...actions].some((action) => action.startsWith('logs:')));
      assert.deepEqual(logs, [['LogGroup', new Set(['logs:CreateLogStream', 'logs:PutLogEvents'])]], spec.name);
    }
  });

  it('sends each function its own log group, kept for one month', () => {
    for (const spec of FUNCTIONS) {
      const fn = template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `sluice-test-${spec.name}` } });
      const [properties] = Object.values(fn).map((resource) => resource.Properties as { LoggingConfig: { LogGroup: { Ref: string } } });
      assert.ok(properties, spec.name);
      const logGroup = template.toJSON().Resources[properties.LoggingConfig.LogGroup.Ref] as { Type: string; Properties: Json };
      assert.equal(logGroup.Type, 'AWS::Logs::LogGroup');
      assert.equal(logGroup.Properties.RetentionInDays, 30);
    }
  });

  for (const spec of FUNCTIONS) {
    it(`grants ${spec.name} exactly the table and bucket access its spec lists`, () => {
      const actions = actionsByResource(spec.name);
      for (const definition of TABLES) {
        const access = spec.tables[definition.id];
        const granted = actions.get(definition.id) ?? new Set<string>();
        assert.equal(granted.has('dynamodb:GetItem'), access === 'read' || access === 'readwrite', `${definition.id} read`);
        assert.equal(granted.has('dynamodb:PutItem'), access === 'write' || access === 'readwrite', `${definition.id} write`);
        if (!access) assert.equal(actions.has(definition.id), false, `no access to ${definition.id}`);
        // Stream read access comes only with a trigger on that table.
        assert.equal(actions.has(`${definition.id}Stream`), spec.trigger?.table === definition.id, `${definition.id} stream`);
        assert.equal(actions.has(`${definition.id}Streams`), spec.trigger?.table === definition.id, `${definition.id} streams`);
      }
      const objects = [...(actions.get('BucketObjects') ?? [])].sort();
      const expectedObjects = { read: ['s3:GetObject'], write: ['s3:PutObject'], readwrite: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], delete: ['s3:DeleteObject'] };
      assert.deepEqual(objects, spec.bucket ? expectedObjects[spec.bucket] : [], 'exact object actions');
      assert.deepEqual([...(actions.get('Bucket') ?? [])], spec.bucket === 'read' || spec.bucket === 'readwrite' ? ['s3:ListBucket'] : [], 'bucket list');
      assert.deepEqual([...(actions.get('WatchConnections') ?? [])], spec.managesConnections ? ['execute-api:ManageConnections'] : [], 'posting to WebSocket connections');
      assert.deepEqual([...actions.keys()].filter((key) => key.startsWith('other:')), [], 'grants on anything else');
    });
  }

  for (const [configuration, source] of [
    ['default', template],
    ['traced', tracedTemplate],
  ] as const) {
    it(`has no wildcard in any IAM action, and no NotAction or NotResource (${configuration})`, () => {
      const statements = allStatements(source);
      assert.ok(statements.length > 0);
      for (const statement of statements) {
        for (const action of asArray(statement.Action)) assert.ok(!action.includes('*'), `wildcard action ${action}`);
        assert.equal(statement.NotAction, undefined);
        assert.equal(statement.NotResource, undefined);
      }
    });
  }

  it('allows no IAM statement on every resource ("*") by default', () => {
    // Covers every function role, CDK's own helper roles and any inline policy.
    const wildcard = allStatements().filter((statement) => asArray(statement.Resource).includes('*'));
    assert.deepEqual(wildcard, []);
  });

  it('with tracing on, allows every resource only for the X-Ray actions, which have no resource-level permissions', () => {
    // Acknowledged for cdk-nag in infra/nag-acknowledgments.ts (NAG_REASONS.xrayTracing).
    const wildcard = allStatements(tracedTemplate).filter((statement) => asArray(statement.Resource).includes('*'));
    assert.equal(wildcard.length, FUNCTIONS.length);
    for (const spec of FUNCTIONS) {
      const statements = statementsOfFunction(spec.name, { stack: tracedStack, template: tracedTemplate }).filter((statement) =>
        asArray(statement.Resource).includes('*'),
      );
      assert.deepEqual(statements, [{ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' }], spec.name);
    }
  });

  for (const spec of FUNCTIONS.filter((candidate) => candidate.trigger)) {
    const streamTable = spec.trigger!.table;
    it(`lets ${spec.name} list, describe and read the ${streamTable} stream and no other`, () => {
      const actions = actionsByResource(spec.name);
      assert.deepEqual(
        [...(actions.get(`${streamTable}Stream`) ?? [])].sort(),
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        'on the stream ARN',
      );
      assert.deepEqual([...(actions.get(`${streamTable}Streams`) ?? [])], ['dynamodb:ListStreams'], 'on <table>/stream/*');
      for (const definition of TABLES.filter((other) => other.id !== streamTable)) {
        assert.equal(actions.has(`${definition.id}Stream`) || actions.has(`${definition.id}Streams`), false, `${definition.id} stream`);
      }
      // ListStreams and DescribeStream nowhere else. (CDK's table read grants also name
      // GetRecords and GetShardIterator on table ARNs, where they allow nothing: the
      // Service Authorization Reference scopes them to streams only.)
      for (const [resource, granted] of actions) {
        if (resource === `${streamTable}Stream` || resource === `${streamTable}Streams`) continue;
        assert.ok(!granted.has('dynamodb:ListStreams') && !granted.has('dynamodb:DescribeStream'), `stream actions on ${resource}`);
      }
    });
  }

  it('grants no stream access to functions without a trigger', () => {
    for (const spec of FUNCTIONS.filter((candidate) => !candidate.trigger)) {
      for (const [resource, granted] of actionsByResource(spec.name)) {
        assert.ok(!resource.endsWith('Stream') && !resource.endsWith('Streams'), `${spec.name}: ${resource}`);
        assert.ok(!granted.has('dynamodb:ListStreams') && !granted.has('dynamodb:DescribeStream'), `${spec.name}: stream actions on ${resource}`);
      }
    }
  });
});

describe('SluiceStack stream triggers', () => {
  for (const spec of FUNCTIONS.filter((candidate) => candidate.trigger)) {
    const trigger = spec.trigger!;
    it(`maps the ${trigger.table} stream to ${spec.name} with its batch, retry, filter and on-failure settings`, () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: resolved(functions.functions[spec.name]?.functionName),
        EventSourceArn: resolved(storage.tables[trigger.table].tableStreamArn),
        StartingPosition: trigger.startingPosition,
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        MaximumRetryAttempts: trigger.retryAttempts,
        BisectBatchOnFunctionError: trigger.bisectBatchOnError,
        MaximumRecordAgeInSeconds: trigger.maxRecordAgeSeconds,
        FunctionResponseTypes: trigger.reportBatchItemFailures ? ['ReportBatchItemFailures'] : Match.absent(),
        FilterCriteria: trigger.filterPatterns
          ? { Filters: trigger.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) }
          : Match.absent(),
        DestinationConfig: { OnFailure: { Destination: resolved(functions.deadLetterQueues[spec.name]?.queueArn) } },
      });
    });
  }

  it('encrypts every dead-letter queue with SQS-managed keys and keeps messages 14 days', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    assert.equal(Object.keys(queues).length, FUNCTIONS.filter((spec) => spec.trigger).length);
    for (const queue of Object.values(queues)) {
      assert.equal((queue.Properties as Json).SqsManagedSseEnabled, true);
      assert.equal((queue.Properties as Json).MessageRetentionPeriod, 14 * 24 * 3600);
    }
  });

  it('denies every request to a dead-letter queue that does not use TLS', () => {
    for (const queue of Object.values(functions.deadLetterQueues)) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [resolved(queue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

/** EventBridge's rate expression for a whole number of minutes: the largest whole unit, singular for 1. */
function rateExpression(minutes: number): string {
  const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}

/** IAM action matching: `*` in a granted action stands for any characters; case does not matter. */
function actionCovers(granted: string, action: string): boolean {
  const pattern = granted.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`, 'i').test(action);
}

describe('SluiceStack schedules', () => {
  const scheduled = FUNCTIONS.filter((spec) => spec.schedule);

  it('creates exactly one EventBridge rule per scheduled function', () => {
    template.resourceCountIs('AWS::Events::Rule', scheduled.length);
    assert.deepEqual(Object.keys(functions.schedules).sort(), scheduled.map((spec) => spec.name).sort());
  });

  for (const spec of scheduled) {
    const rateMinutes = spec.schedule!.rateMinutes;
    it(`runs ${spec.name} on a ${rateExpression(rateMinutes)} rule, with retries and an event age of at most one period`, () => {
      const rule = functions.schedules[spec.name];
      assert.ok(rule, `no rule for ${spec.name}`);
      const properties = (template.toJSON().Resources[logicalIdOf(rule)] as { Properties: Json }).Properties;
      assert.equal(properties.ScheduleExpression, rateExpression(rateMinutes));
      assert.equal(properties.State, 'ENABLED');
      assert.deepEqual(properties.Targets, [
        {
          Id: 'Target0',
          Arn: resolved(functions.functions[spec.name]?.functionArn),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: Math.min(rateMinutes, 24 * 60) * 60 },
        },
      ]);
    });

    it(`lets only its rule invoke ${spec.name} through EventBridge`, () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: resolved(functions.functions[spec.name]?.functionArn),
        SourceArn: resolved(functions.schedules[spec.name]?.ruleArn),
      });
    });
  }

  it('lets collect-orphan-objects list the bucket and delete its objects, and use S3 nowhere else', () => {
    const statements = statementsOfFunction('collect-orphan-objects');
    const bucketArn = JSON.stringify(resolved(storage.bucket.bucketArn));
    const objectsArn = JSON.stringify(resolved(storage.bucket.arnForObjects('*')));
    const s3Statements = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('s3:')));
    for (const statement of s3Statements) {
      for (const resource of asArray(statement.Resource)) {
        assert.ok([bucketArn, objectsArn].includes(JSON.stringify(resource)), `S3 access on ${JSON.stringify(resource)}`);
      }
    }
    const allows = (action: string, resource: string) =>
      s3Statements.some(
        (statement) =>
          asArray(statement.Action).some((granted) => actionCovers(granted, action)) &&
          asArray(statement.Resource).some((candidate) => JSON.stringify(candidate) === resource),
      );
    assert.ok(allows('s3:ListBucket', bucketArn), 's3:ListBucket on the bucket');
    assert.ok(allows('s3:DeleteObject', objectsArn), 's3:DeleteObject on its objects');
  });
});

describe('retention', () => {
  const retentionFunction = (source: Template) =>
    Object.values(source.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'sluice-test-enforce-retention' } }));
  const retentionVariables = (source: Template) =>
    (retentionFunction(source)[0]?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;

  it('runs enforce-retention every 5 minutes from an EventBridge rule', () => {
    assert.equal(retentionFunction(template).length, 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: resolved(functions.functions['enforce-retention']?.functionArn) })],
    });
  });

  it("gives enforce-retention Kafka's 7-day default (168 hours) when the stack sets none", () => {
    assert.equal(retentionVariables(template)[DEFAULT_RETENTION_ENV_VAR], '604800000');
  });

  it('passes defaultRetentionHours to enforce-retention only, -1 as unlimited', () => {
    const day = Template.fromStack(sluiceStack({ defaultRetentionHours: 24 }).stack);
    assert.equal(retentionVariables(day)[DEFAULT_RETENTION_ENV_VAR], String(24 * 3_600_000));
    const forever = Template.fromStack(sluiceStack({ defaultRetentionHours: -1 }).stack);
    assert.equal(retentionVariables(forever)[DEFAULT_RETENTION_ENV_VAR], '-1');
    for (const [id, fn] of Object.entries(day.findResources('AWS::Lambda::Function'))) {
      const variables = (fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {};
      const name = (fn.Properties as { FunctionName?: string }).FunctionName;
      if (name !== 'sluice-test-enforce-retention') assert.equal(variables[DEFAULT_RETENTION_ENV_VAR], undefined, `${name ?? id}`);
    }
  });

  for (const hours of [0, -2, 1.5, Number.NaN, 2 ** 52]) {
    it(`refuses defaultRetentionHours ${hours}`, () => {
      assert.throws(() => sluiceStack({ defaultRetentionHours: hours }), /defaultRetentionHours must be a whole number of hours, at least 1, or -1 for unlimited/);
    });
  }

  it('lets enforce-retention read the Topics table, read and write the Log table and delete segment objects, and nothing else', () => {
    const actions = actionsByResource('enforce-retention');
    assert.deepEqual([...actions.keys()].sort(), ['BucketObjects', 'Log', 'LogGroup', 'Topics']);
    assert.deepEqual([...actions.get('BucketObjects')!], ['s3:DeleteObject'], 'deletes objects; no read, write or list');
    const topics = actions.get('Topics')!;
    assert.ok(topics.has('dynamodb:Scan') && topics.has('dynamodb:GetItem'), 'lists and reads topics');
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      assert.equal(topics.has(write), false, `Topics ${write}`);
      assert.ok(actions.get('Log')!.has(write), `Log ${write}`);
    }
    for (const read of ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem']) assert.ok(actions.get('Log')!.has(read), `Log ${read}`);
    const statements = statementsOfFunction('enforce-retention');
    const s3Actions = statements.flatMap((statement) => asArray(statement.Action)).filter((action) => action.startsWith('s3:'));
    assert.deepEqual(s3Actions, ['s3:DeleteObject']);
  });

  it('refuses a functionEnvironment for a function that does not exist', () => {
    const { stack: other } = sluiceStack();
    assert.throws(
      () => new SluiceFunctions(other, 'Extra', { storage: other.storage, namePrefix: 'extra', functionEnvironment: { 'no-such-function': { A: 'b' } } }),
      /functionEnvironment names 'no-such-function'/,
    );
  });
});

describe('SluiceStack HTTP API', () => {
  const routeSpecs = FUNCTIONS.flatMap((spec) => (spec.routes ?? []).map((route) => ({ spec, route })));
  // The HTTP API's routes and stage (the watch API, a WebSocket API, has its own: test/infra/sluice-watch-api.test.ts).
  const ofHttpApi = { Properties: { ApiId: resolved(api.httpApi.apiId) } };

  it('creates exactly one route per RouteSpec, and the $default route', () => {
    assert.equal(Object.keys(template.findResources('AWS::ApiGatewayV2::Route', ofHttpApi)).length, routeSpecs.length + 1);
  });

  it('sends requests no route matches ($default) to route-not-found, behind the same authorizer as every route', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ...ofHttpApi.Properties, RouteKey: '$default' } }));
    assert.equal(routes.length, 1);
    const properties = routes[0]!.Properties as { Target: { 'Fn::Join': [string, [string, { Ref: string }]] }; AuthorizationType: string };
    const integration = template.toJSON().Resources[properties.Target['Fn::Join'][1][1].Ref] as { Properties: Json };
    assert.deepEqual(integration.Properties.IntegrationUri, resolved(functions.functions['route-not-found']?.functionArn));
    assert.equal(properties.AuthorizationType, 'AWS_IAM');
  });

  it('routes topic administration: PATCH /v1/topics/{topic} and POST /v1/topics/{topic}/partitions, behind IAM, each to its own function', () => {
    for (const [routeKey, fn] of [
      ['PATCH /v1/topics/{topic}', 'alter-topic-config'],
      ['POST /v1/topics/{topic}/partitions', 'create-partitions'],
    ] as const) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', Match.objectLike({ RouteKey: routeKey, AuthorizationType: 'AWS_IAM', ApiId: resolved(api.httpApi.apiId) }));
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', Match.objectLike({ IntegrationUri: resolved(functions.functions[fn]?.functionArn) }));
    }
    // Raising a partition count rebalances the groups of the topic: the function writes the Groups table; the config route does not.
    assert.ok(actionsByResource('create-partitions').get('Groups')?.has('dynamodb:UpdateItem'));
    assert.ok(actionsByResource('alter-topic-config').get('Topics')?.has('dynamodb:UpdateItem'));
    assert.equal(actionsByResource('alter-topic-config').get('Groups'), undefined);
  });

  for (const { spec, route } of routeSpecs) {
    const routeKey = `${route.method} ${route.path}`;
    it(`routes ${routeKey} to ${spec.name} through a payload 2.0 Lambda proxy integration`, () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }));
      assert.equal(routes.length, 1);
      const target = (routes[0]?.Properties as { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } }).Target;
      const integrationId = target['Fn::Join'][1][1].Ref;
      const integration = template.toJSON().Resources[integrationId] as { Type: string; Properties: Json };
      assert.equal(integration.Type, 'AWS::ApiGatewayV2::Integration');
      assert.deepEqual(integration.Properties.IntegrationUri, resolved(functions.functions[spec.name]?.functionArn));
      assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
      assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
    });
  }

  it('routes the group administration operations (reset offsets, delete a group, delete its offsets of a topic), each behind IAM', () => {
    for (const routeKey of ['POST /v1/groups/{group}/reset-offsets', 'DELETE /v1/groups/{group}', 'DELETE /v1/groups/{group}/offsets/{topic}']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: Match.anyValue(), RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
    }
  });

  it('serves a throttled, auto-deployed $default stage that writes JSON access logs', () => {
    assert.equal(Object.keys(template.findResources('AWS::ApiGatewayV2::Stage', ofHttpApi)).length, 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
      },
      AccessLogSettings: {
        DestinationArn: resolved(api.accessLogs.logGroupArn),
        Format: Match.serializedJson(Match.objectLike({ requestId: '$context.requestId', routeKey: '$context.routeKey' })),
      },
    });
  });
});

describe('SluiceStack outputs and tags', () => {
  it('outputs the API URL of the $default stage', () => {
    template.hasOutput('ApiUrl', { Value: resolved(api.url) });
  });

  it('outputs the alarm topic ARN, and no dashboard unless asked for ($3 a month)', () => {
    template.hasOutput('AlarmTopicArn', { Value: resolved(stack.observability.alarmTopic.topicArn) });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    assert.deepEqual(template.findOutputs('DashboardName'), {});
  });

  it('outputs the bucket name, each table name and each dead-letter queue URL', () => {
    template.hasOutput('BucketName', { Value: resolved(storage.bucket.bucketName) });
    for (const definition of TABLES) {
      template.hasOutput(`${definition.id}TableName`, { Value: resolved(storage.tables[definition.id].tableName) });
    }
    for (const [name, queue] of Object.entries(functions.deadLetterQueues)) {
      template.hasOutput(`${constructIdFor(name)}DlqUrl`, { Value: resolved(queue.queueUrl) });
    }
  });

  it('tags resources with project=sluice', () => {
    const tag = Match.arrayWith([{ Key: 'project', Value: 'sluice' }]);
    template.hasResourceProperties('AWS::S3::Bucket', { Tags: tag });
    template.hasResourceProperties('AWS::DynamoDB::Table', { Tags: tag });
    template.hasResourceProperties('AWS::Lambda::Function', { Tags: tag });
  });
});

describe('SluiceStack bundling', () => {
  it('bundles every handler into a minified ES module with the require banner and a source map', () => {
    const { app, stack: bundled } = sluiceStack({}, { bundle: true });
    const assembly = app.synth();
    const resources = assembly.getStackArtifact(bundled.artifactId).template.Resources as Record<string, { Type: string; Metadata?: Json }>;
    const assetPaths = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((resource) => resource.Metadata?.['aws:asset:path']);
    assert.equal(assetPaths.length, FUNCTIONS.length);
    for (const assetPath of assetPaths) {
      assert.equal(typeof assetPath, 'string');
      const bundle = path.join(assembly.directory, assetPath as string, 'index.mjs');
      const code = readFileSync(bundle, 'utf8');
      assert.ok(code.startsWith("import { createRequire as __sluiceCreateRequire } from 'node:module';"), bundle);
      assert.match(code, /export\{/);
      assert.ok(existsSync(`${bundle}.map`), `${bundle}.map`);
    }
  });
});

describe('push targets', () => {
  const target = 'arn:aws:lambda:us-east-1:123456789012:function:orders-handler';
  const withTarget = Template.fromStack(sluiceStack({ pushTargetFunctionArns: [target] }).stack);

  it('lets the push-delivering functions invoke exactly the allowed target functions', () => {
    withTarget.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: Match.arrayWith([target]) })]),
      },
    });
  });

  it('tells put-subscription exactly the allowed target functions, so it refuses any other', () => {
    withTarget.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'sluice-test-put-subscription',
      Environment: { Variables: Match.objectLike({ [PUSH_TARGET_FUNCTIONS_ENV_VAR]: target }) },
    });
  });

  it('grants no invoke at all without allowed targets', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const statements = asArray((policy as { Properties: { PolicyDocument: { Statement: unknown } } }).Properties.PolicyDocument.Statement);
      for (const statement of statements as { Action: string | string[] }[]) assert.ok(!asArray(statement.Action).includes('lambda:InvokeFunction'));
    }
  });
});

describe('authentication', () => {
  it('puts an IAM authorizer on every route of the HTTP API by default', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: resolved(api.httpApi.apiId) } }));
    assert.ok(routes.length > 0);
    for (const route of routes) assert.equal((route as { Properties: { AuthorizationType: string } }).Properties.AuthorizationType, 'AWS_IAM');
  });

  it('tells every function to authenticate by IAM and enforce ACLs', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = (fn as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties.Environment?.Variables ?? {};
      if (!('NODE_OPTIONS' in variables)) continue; // CDK's own helper functions
      assert.equal(variables.SLUICE_AUTH_MODE, 'iam');
      assert.equal(variables.SLUICE_AUTHORIZATION, 'acl');
    }
  });

  it('uses a JWT authorizer with the given issuer and audience when asked, and names admins', () => {
    const jwt = Template.fromStack(
      sluiceStack({ auth: { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['sluice'] }, adminPrincipals: ['ops-admin'] }).stack,
    );
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['sluice'] },
    });
    for (const route of Object.values(jwt.findResources('AWS::ApiGatewayV2::Route'))) {
      assert.equal((route as { Properties: { AuthorizationType: string } }).Properties.AuthorizationType, 'JWT');
    }
    jwt.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLUICE_AUTH_MODE: 'jwt', SLUICE_ADMIN_PRINCIPALS: 'ops-admin' }) },
    });
    // WebSocket APIs have no JWT authorizer: a JWT stack deploys no watch API, and its consumers long-poll.
    jwt.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    assert.equal(Object.keys(jwt.findOutputs('WatchUrl')).length, 0);
  });
});

describe('function settings', () => {
  it('overrides memory and timeout of the named function only', () => {
    const tuned = Template.fromStack(sluiceStack({ functionSettings: { 'produce-records': { memoryMiB: 2048, timeoutSeconds: 20 } } }).stack);
    tuned.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'sluice-test-produce-records', MemorySize: 2048, Timeout: 20 });
    const fetchSpec = FUNCTIONS.find((f) => f.name === 'fetch-records')!;
    tuned.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'sluice-test-fetch-records', MemorySize: fetchSpec.memoryMiB, Timeout: fetchSpec.timeoutSeconds });
  });

  it('refuses settings for a function that does not exist', () => {
    assert.throws(() => sluiceStack({ functionSettings: { 'no-such-function': { memoryMiB: 512 } } }), /no-such-function/);
  });
});

describe('SluiceStack Durable Streams', () => {
  const routeKeys = (of: Template = template) =>
    Object.values(of.findResources('AWS::ApiGatewayV2::Route')).map((route) => (route as { Properties: { RouteKey: string; AuthorizationType?: string } }).Properties);

  it('routes every method under /ds/ to the durable-streams function, behind the authorizer', () => {
    const route = routeKeys().find((r) => r.RouteKey === 'ANY /ds/{proxy+}');
    assert.ok(route, 'ANY /ds/{proxy+}');
    assert.equal(route.AuthorizationType, 'AWS_IAM');
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'sluice-test-durable-streams',
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ [LIVE_STREAM_URL_ENV_VAR]: Match.anyValue() }) },
    });
  });

  it('with CORS origins, gives its preflights their own route without the authorizer', () => {
    const withCors = Template.fromStack(sluiceStack({ corsOrigins: ['https://app.example.com'] }).stack);
    const preflight = routeKeys(withCors).find((r) => r.RouteKey === 'OPTIONS /ds/{proxy+}');
    assert.ok(preflight, 'OPTIONS /ds/{proxy+}');
    assert.equal(preflight.AuthorizationType ?? 'NONE', 'NONE');
  });
});
