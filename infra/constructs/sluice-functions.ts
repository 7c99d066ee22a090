import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTIONS, functionEntry, type FunctionSpec, type StreamTriggerSpec } from '../platform-spec';
import { BUCKET_ENV_VAR, TABLES } from '../../lib/store/tables';
import type { SluiceStorage } from './sluice-storage';

/** The repository root: handler entries and the lock file are resolved from here. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Prepended to every bundle. The bundles are ES modules, and CommonJS
 * dependencies bundled into them call `require` (for Node built-ins), which an ES
 * module does not have; this defines it. The alias avoids clashing with any
 * top-level `createRequire` in the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);";

/**
 * Left out of every bundle: the Node.js 22 runtime provides the AWS SDK v3
 * (`@aws-sdk/*` and the `@smithy/*` packages it is built on), and SDK clients
 * are created once per container (lib/store/aws-clients.ts).
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*', '@smithy/*'];

/**
 * How every function is bundled: one esbuild bundle per handler with only what it
 * imports, an ES module for Node.js 22, minified, with a source map. The bundle
 * size report (`npm run bundles`, infra/bundle-report.ts) builds with exactly
 * these options.
 */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  // Stack traces only need the mappings; leaving out the sources keeps the zip small.
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  externalModules: [...RUNTIME_PROVIDED_MODULES],
} as const satisfies BundlingOptions;

/**
 * With tracing off, every bundle gets the Powertools Tracer packages aliased to the no-op
 * functions/middleware/tracer-off.ts, so neither the Tracer nor the X-Ray SDK (whose
 * async hooks cost CPU on every call, traced or not) is bundled or loaded. Paths are
 * relative to the repository root, where esbuild runs.
 */
export const TRACER_OFF_ALIASES: Readonly<Record<string, string>> = {
  '@aws-lambda-powertools/tracer': './functions/middleware/tracer-off.ts',
  '@aws-lambda-powertools/tracer/middleware': './functions/middleware/tracer-off.ts',
};

/** The bundling of every function of a stack synthesized with tracing on or off (`-c tracing=true`). */
export function functionBundling(tracing: boolean): BundlingOptions {
  return {
    ...FUNCTION_BUNDLING,
    externalModules: [...FUNCTION_BUNDLING.externalModules],
    ...(tracing ? {} : { esbuildArgs: { '--alias': Object.entries(TRACER_OFF_ALIASES).map(([from, to]) => `${from}=${to}`) } }),
  };
}

export interface FunctionSettings {
  readonly memoryMiB?: number;
  readonly timeoutSeconds?: number;
}

export interface SluiceFunctionsProps {
  /** The bucket and tables the functions use; grants follow each spec's `tables` and `bucket`. */
  readonly storage: SluiceStorage;
  /**
   * Prefix of the physical function names (`<namePrefix>-<spec name>`), so the
   * functions are easy to find in the console and with `aws logs tail`.
   *
   * @default 'sluice'
   */
  readonly namePrefix?: string;
  /** @default FUNCTIONS from infra/platform-spec.ts */
  readonly specs?: readonly FunctionSpec[];
  /**
   * Retention of each function's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log groups and dead-letter queues.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * ARNs of the Lambda functions push subscriptions may target. Functions whose spec
   * says `invokesPushTargets` get `lambda:InvokeFunction` on exactly these.
   *
   * @default [] (only HTTPS targets)
   */
  readonly pushTargetFunctionArns?: readonly string[];
  /**
   * Variables every function gets besides its resource names (the auth settings).
   *
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Variables for one function by name, on top of `environment`: settings only that
   * function reads, e.g. `{ 'enforce-retention': { SLUICE_DEFAULT_RETENTION_MS: '604800000' } }`.
   *
   * @default {}
   */
  readonly functionEnvironment?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Memory and timeout per function name, overriding the platform spec's defaults.
   *
   * @default {} (the spec's values)
   */
  readonly functionSettings?: Readonly<Record<string, FunctionSettings>>;
  /**
   * X-Ray tracing of every function. With `ACTIVE` the handlers' Powertools Tracer
   * records a segment per invocation, and each role gets `xray:PutTraceSegments`
   * and `xray:PutTelemetryRecords`, which X-Ray grants only on `*` (it has no
   * resource-level permissions). With `DISABLED` the roles get no X-Ray grant and
   * the functions get `POWERTOOLS_TRACE_ENABLED=false`, which turns the Tracer into
   * a no-op (no segments, no patched HTTP clients).
   *
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
}

/** `create-topic` → `CreateTopic`: the construct id of a spec's resources. */
export function constructIdFor(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * One Lambda function per `FunctionSpec`, bundled from `functions/<name>.ts`, with
 * the environment and grants its spec asks for, and, for a spec with a `trigger`,
 * a DynamoDB Streams event source mapping whose failed batches go to an SQS
 * dead-letter queue, and for a spec with a `schedule`, an EventBridge rate rule.
 */
export class SluiceFunctions extends Construct {
  /** By spec name (`create-topic`, ...). */
  readonly functions: Record<string, NodejsFunction>;
  /**
   * The on-failure destination of each stream trigger, by spec name. A message
   * holds the shard and sequence-number range of the failed batch, not the
   * records: read them from the stream within its 24-hour retention.
   */
  readonly deadLetterQueues: Record<string, sqs.Queue>;
  /** The EventBridge rule of each scheduled function, by spec name. */
  readonly schedules: Record<string, events.Rule>;
  /** The log group of each function, by spec name. */
  readonly logGroups: Record<string, logs.LogGroup>;
  readonly specs: readonly FunctionSpec[];
  /** The X-Ray tracing mode of every function. */
  readonly tracing: lambda.Tracing;

  private readonly storage: SluiceStorage;

  constructor(scope: Construct, id: string, props: SluiceFunctionsProps) {
    super(scope, id);
    this.storage = props.storage;
    this.specs = props.specs ?? FUNCTIONS;
    const namePrefix = props.namePrefix ?? 'sluice';
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.tracing = props.tracing ?? lambda.Tracing.DISABLED;

    for (const name of Object.keys(props.functionSettings ?? {})) {
      if (!this.specs.some((spec) => spec.name === name)) throw new Error(`functionSettings names '${name}', which is not a Sluice function`);
    }
    for (const name of Object.keys(props.functionEnvironment ?? {})) {
      if (!this.specs.some((spec) => spec.name === name)) throw new Error(`functionEnvironment names '${name}', which is not a Sluice function`);
    }
    this.functions = {};
    this.deadLetterQueues = {};
    this.schedules = {};
    this.logGroups = {};
    for (const spec of this.specs) {
      const specId = constructIdFor(spec.name);
      const logGroup = new logs.LogGroup(this, `${specId}Logs`, { retention: logRetention, removalPolicy });
      // An own role instead of the default one with AWSLambdaBasicExecutionRole,
      // which may create and write any log group: this one writes only its own.
      const role = new iam.Role(this, `${specId}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${namePrefix}-${spec.name}`,
      });
      logGroup.grantWrite(role);
      const fn = new NodejsFunction(this, specId, {
        functionName: `${namePrefix}-${spec.name}`,
        description: spec.description,
        entry: path.join(REPO_ROOT, functionEntry(spec)),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: props.functionSettings?.[spec.name]?.memoryMiB ?? spec.memoryMiB,
        timeout: Duration.seconds(props.functionSettings?.[spec.name]?.timeoutSeconds ?? spec.timeoutSeconds),
        logGroup,
        role,
        tracing: this.tracing,
        environment: this.environmentFor(spec, { ...props.environment, ...props.functionEnvironment?.[spec.name] }),
        bundling: functionBundling(this.tracing !== lambda.Tracing.DISABLED),
      });
      this.grant(fn, spec);
      if (spec.invokesPushTargets) {
        for (const [i, arn] of (props.pushTargetFunctionArns ?? []).entries()) {
          // The target's own resource policy is its owner's business; the grant goes on our role.
          lambda.Function.fromFunctionAttributes(this, `${specId}PushTarget${i}`, { functionArn: arn, skipPermissions: true }).grantInvoke(fn);
        }
      }
      if (spec.trigger) {
        this.deadLetterQueues[spec.name] = this.addStreamTrigger(fn, specId, spec.trigger, removalPolicy);
      }
      if (spec.schedule) {
        this.schedules[spec.name] = this.addSchedule(fn, specId, spec.name, spec.schedule.rateMinutes);
      }
      this.functions[spec.name] = fn;
      this.logGroups[spec.name] = logGroup;
    }
  }

  /** The shared and per-function variables, table names for the tables the spec uses, the bucket name if it uses the bucket. */
  private environmentFor(spec: FunctionSpec, shared: Readonly<Record<string, string>>): Record<string, string> {
    const environment: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps', ...shared };
    // Powertools' Tracer is on in any Lambda environment unless told otherwise.
    if (this.tracing === lambda.Tracing.DISABLED) environment.POWERTOOLS_TRACE_ENABLED = 'false';
    for (const definition of TABLES) {
      if (spec.tables[definition.id]) {
        environment[definition.envVar] = this.storage.tables[definition.id].tableName;
      }
    }
    if (spec.bucket) environment[BUCKET_ENV_VAR] = this.storage.bucket.bucketName;
    return environment;
  }

  private grant(fn: NodejsFunction, spec: FunctionSpec): void {
    for (const { id: tableId } of TABLES) {
      const access = spec.tables[tableId];
      if (access) this.storage.grantTable(fn, tableId, access);
    }
    if (spec.bucket) this.storage.grantBucket(fn, spec.bucket);
  }

  private addStreamTrigger(
    fn: NodejsFunction,
    specId: string,
    trigger: StreamTriggerSpec,
    removalPolicy: RemovalPolicy,
  ): sqs.Queue {
    const table = this.storage.tables[trigger.table];
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error(`${specId}: the ${trigger.table} table has no stream to trigger on`);
    const deadLetterQueue = new sqs.Queue(this, `${specId}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows; the stream itself keeps the records for 24 hours.
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    // The mapping DynamoEventSource would create, under the id it would use (so the
    // logical id, and with it the deployed mapping and its position in the stream,
    // stays the same), without its grant of dynamodb:ListStreams on "*".
    fn.addEventSourceMapping(`DynamoDBEventSource:${Names.nodeUniqueId(table.node)}`, {
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition[trigger.startingPosition],
      batchSize: trigger.batchSize,
      maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
      retryAttempts: trigger.retryAttempts,
      bisectBatchOnError: trigger.bisectBatchOnError,
      maxRecordAge: Duration.seconds(trigger.maxRecordAgeSeconds),
      reportBatchItemFailures: trigger.reportBatchItemFailures,
      ...(trigger.filterPatterns
        ? { filters: trigger.filterPatterns.map((pattern) => lambda.FilterCriteria.filter(pattern)) }
        : {}),
      // Binding the destination grants the function's role sqs:SendMessage on the queue.
      onFailure: new SqsDlq(deadLetterQueue),
    });
    // What Lambda's poller calls with the function's role, on this table's stream
    // only. The tables use the AWS managed key, which needs no KMS grant (CDK's
    // Table.grantStreamRead adds one only for a customer managed key).
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resourceArns: [streamArn],
    });
    // dynamodb:ListStreams (part of AWSLambdaDynamoDBExecutionRole) on this table's
    // streams only, as in the DynamoDB Developer Guide's example policy for a Lambda
    // stream reader. The Service Authorization Reference lists no resource type for
    // ListStreams, so IAM likely authorizes nothing by this statement; the mapping
    // names its stream ARN, which the poller reads with the actions above.
    // Table.grantStreamRead grants it on "*" instead: every stream in the account.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:ListStreams'],
      resourceArns: [`${table.tableArn}/stream/*`],
    });
    return deadLetterQueue;
  }

  private addSchedule(fn: NodejsFunction, specId: string, name: string, rateMinutes: number): events.Rule {
    if (!Number.isInteger(rateMinutes) || rateMinutes < 1) throw new Error(`${name}: schedule.rateMinutes must be a whole number of minutes, at least 1`);
    return new events.Rule(this, `${specId}Schedule`, {
      description: `Runs ${name} every ${rateMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(rateMinutes)),
      targets: [
        new targets.LambdaFunction(fn, {
          // These retry delivery to Lambda (throttling, service errors), not errors of
          // the function. A run delivered after the next one is due is pointless, so an
          // event lives at most one period (EventBridge allows 1 minute to 24 hours).
          retryAttempts: 2,
          maxEventAge: Duration.minutes(Math.min(rateMinutes, 24 * 60)),
        }),
      ],
    });
  }
}
