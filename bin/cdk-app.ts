/**
 * The CDK app: `npx cdk deploy -c stage=dev` deploys the stack `sluice-dev`.
 *
 * Context (`-c key=value`), each also readable from an environment variable:
 * - `stage` (SLUICE_STAGE, default `dev`): lowercase letters, digits and dashes;
 *   names the stack `sluice-<stage>` and prefixes function names with it.
 * - `removalPolicy` (SLUICE_REMOVAL_POLICY): `retain` (default) or `destroy`;
 *   `destroy` lets `cdk destroy` delete the bucket and tables with their data.
 * - `logRetentionDays` (SLUICE_LOG_RETENTION_DAYS, default 30): one of the
 *   values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...).
 * - `throttleRate`, `throttleBurst` (SLUICE_THROTTLE_RATE, SLUICE_THROTTLE_BURST):
 *   requests per second and burst of the API stage (default 500 and 1000).
 * - `pushTargetFunctionArns` (SLUICE_PUSH_TARGET_FUNCTION_ARNS): comma-separated ARNs of
 *   Lambda functions push subscriptions may deliver to (default none: HTTPS only).
 * - `alarmTopicArn` (SLUICE_ALARM_TOPIC_ARN): an existing SNS topic for the alarms
 *   (default: the stack creates one).
 * - `jwtIssuer`, `jwtAudience` (SLUICE_JWT_ISSUER, SLUICE_JWT_AUDIENCE): use a JWT
 *   authorizer with this issuer and comma-separated audiences instead of IAM (default).
 * - `adminPrincipals` (SLUICE_ADMIN_PRINCIPALS): comma-separated principals allowed
 *   everything, to bootstrap ACLs.
 * - `corsOrigins` (SLUICE_CORS_ORIGINS): comma-separated origins whose pages may call the
 *   HTTP API from a browser (`https://app.example.com`), or `*`; default none (no CORS).
 * - `functionSettings` (SLUICE_FUNCTION_SETTINGS): JSON of memory and timeout per
 *   function name, e.g. `{"produce-records":{"memoryMiB":2048}}`.
 * - `alarmEmails` (SLUICE_ALARM_EMAILS): comma-separated addresses subscribed to the
 *   alarm topic (default none).
 * - `alarms` (SLUICE_ALARMS, default `essential`): `essential` (API 5xx, failing
 *   schedules, dead-letter queues), `all` (also every function's errors and throttles
 *   and every trigger's iterator age) or `none`.
 * - `dashboard` (SLUICE_DASHBOARD, default `false`): `true` creates the CloudWatch
 *   dashboard ($3 a month).
 * - `iteratorAgeAlarmSeconds` (SLUICE_ITERATOR_AGE_ALARM_SECONDS, default 300): how far
 *   behind its stream a trigger may fall before it alarms (with `alarms=all`).
 * - `tracing` (SLUICE_TRACING, default `false`): `true` turns on X-Ray active tracing of
 *   every function, which grants each role the X-Ray write actions on `*` (X-Ray has
 *   no resource-level permissions).
 * - `defaultRetentionHours` (SLUICE_DEFAULT_RETENTION_HOURS, default 168): how long
 *   records of topics without their own `retention.ms` are kept, as Kafka's
 *   `log.retention.hours`; `-1` keeps them forever.
 * - `watch` (SLUICE_WATCH, default `true` with IAM auth): `false` deploys no WebSocket
 *   API for waiting at the tail (consumers long-poll); JWT stacks never have one.
 * - `watchCloudWatchRole` (SLUICE_WATCH_CLOUDWATCH_ROLE, default `true`): `false` when the
 *   account already has API Gateway's CloudWatch role, which the watch API's logged
 *   stage needs; `true` sets it (an account and region setting).
 * - `kafkaGateway` (SLUICE_KAFKA_GATEWAY, default `false`): `true` deploys the Kafka gateway
 *   on ECS Fargate behind a Network Load Balancer (infra/constructs/sluice-kafka-gateway.ts),
 *   which bills by the hour, used or not. With it: `kafkaGatewayCertificateArn`
 *   (SLUICE_KAFKA_GATEWAY_CERTIFICATE_ARN, required): the ACM certificate of the TLS
 *   listener; `kafkaGatewayHost` (SLUICE_KAFKA_GATEWAY_HOST): the name the certificate
 *   covers, advertised to clients (default the load balancer's DNS name);
 *   `kafkaGatewayPort` (SLUICE_KAFKA_GATEWAY_PORT, default 9094); `kafkaGatewayMinTasks`,
 *   `kafkaGatewayMaxTasks` (SLUICE_KAFKA_GATEWAY_MIN_TASKS, ..._MAX_TASKS, default 2 and 6);
 *   `kafkaGatewayAllowedCidrs` (SLUICE_KAFKA_GATEWAY_ALLOWED_CIDRS, default `0.0.0.0/0`);
 *   `kafkaGatewayTokensSecretArn` (SLUICE_KAFKA_GATEWAY_TOKENS_SECRET_ARN): a Secrets Manager
 *   secret of `principal=token` pairs, the SASL/PLAIN tokens Kafka clients authenticate with
 *   (without it the deployed gateway offers no SASL mechanism and serves no client).
 *
 * The cdk-nag AwsSolutions pack checks the app on every synth: an unacknowledged
 * finding fails `cdk synth` and `cdk deploy`. The accepted findings and their
 * reasons are in infra/nag-acknowledgments.ts.
 *
 * Account and region come from the CLI's profile (CDK_DEFAULT_ACCOUNT and
 * CDK_DEFAULT_REGION); without them the stack is environment-agnostic.
 */
import { App, Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DEFAULT_GATEWAY_LISTENER_PORT,
  DEFAULT_GATEWAY_MAX_TASKS,
  DEFAULT_GATEWAY_MIN_TASKS,
  type KafkaGatewayOptions,
} from '../infra/constructs/sluice-kafka-gateway';
import { ALARM_SETS, type AlarmSet } from '../infra/constructs/sluice-observability';
import { DEFAULT_RETENTION_HOURS, DEFAULT_THROTTLE, SluiceStack } from '../infra/sluice-stack';

const app = new App();

function setting(contextKey: string, envVar: string): string | undefined {
  const fromContext: unknown = app.node.tryGetContext(contextKey);
  if (fromContext !== undefined && fromContext !== null) return String(fromContext);
  return process.env[envVar] || undefined;
}

function booleanSetting(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw new Error(`${name} must be 'true' or 'false', got '${value}'`);
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got '${value}'`);
  return parsed;
}

/** A whole number of hours, at least 1, or -1 for unlimited. */
function retentionHours(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value.trim() === '-1') return -1;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a whole number of hours, at least 1, or -1 for unlimited; got '${value}'`);
  return parsed;
}

const stage = setting('stage', 'SLUICE_STAGE') ?? 'dev';
if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
  throw new Error(`stage must be 1-20 lowercase letters, digits or dashes, starting with a letter; got '${stage}'`);
}

const removalPolicySetting = (setting('removalPolicy', 'SLUICE_REMOVAL_POLICY') ?? 'retain').toLowerCase();
if (removalPolicySetting !== 'retain' && removalPolicySetting !== 'destroy') {
  throw new Error(`removalPolicy must be 'retain' or 'destroy', got '${removalPolicySetting}'`);
}

const logRetentionDays = positiveInteger('logRetentionDays', setting('logRetentionDays', 'SLUICE_LOG_RETENTION_DAYS'), 30);
const logRetention = Object.values(logs.RetentionDays).find((days): days is logs.RetentionDays => days === logRetentionDays);
if (logRetention === undefined) {
  throw new Error(`logRetentionDays must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...), got ${logRetentionDays}`);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const namePrefix = `sluice-${stage}`;
/** `{"produce-records":{"memoryMiB":2048,"timeoutSeconds":29}}` → per-function overrides. */
function functionSettings(value: string | undefined): Record<string, { memoryMiB?: number; timeoutSeconds?: number }> {
  if (!value) return {};
  const parsed = JSON.parse(value) as Record<string, { memoryMiB?: unknown; timeoutSeconds?: unknown }>;
  const settings: Record<string, { memoryMiB?: number; timeoutSeconds?: number }> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    settings[name] = {
      ...(entry.memoryMiB === undefined ? {} : { memoryMiB: positiveInteger(`functionSettings.${name}.memoryMiB`, String(entry.memoryMiB), 0) }),
      ...(entry.timeoutSeconds === undefined ? {} : { timeoutSeconds: positiveInteger(`functionSettings.${name}.timeoutSeconds`, String(entry.timeoutSeconds), 0) }),
    };
  }
  return settings;
}

const alarms = (setting('alarms', 'SLUICE_ALARMS') ?? 'essential').trim().toLowerCase();
if (!ALARM_SETS.includes(alarms as AlarmSet)) throw new Error(`alarms must be one of ${ALARM_SETS.join(', ')}; got '${alarms}'`);

const jwtIssuer = setting('jwtIssuer', 'SLUICE_JWT_ISSUER');
const jwtAudience = list(setting('jwtAudience', 'SLUICE_JWT_AUDIENCE'));
if (jwtIssuer && jwtAudience.length === 0) throw new Error('jwtIssuer needs jwtAudience (comma-separated audiences)');

function kafkaGateway(): KafkaGatewayOptions {
  if (!booleanSetting('kafkaGateway', setting('kafkaGateway', 'SLUICE_KAFKA_GATEWAY'), false)) return { enabled: false };
  const certificateArn = setting('kafkaGatewayCertificateArn', 'SLUICE_KAFKA_GATEWAY_CERTIFICATE_ARN');
  if (!certificateArn) throw new Error('kafkaGateway=true needs kafkaGatewayCertificateArn (the ACM certificate of its TLS listener)');
  const allowedCidrs = list(setting('kafkaGatewayAllowedCidrs', 'SLUICE_KAFKA_GATEWAY_ALLOWED_CIDRS'));
  const port = positiveInteger('kafkaGatewayPort', setting('kafkaGatewayPort', 'SLUICE_KAFKA_GATEWAY_PORT'), DEFAULT_GATEWAY_LISTENER_PORT);
  if (port > 65535) throw new Error(`kafkaGatewayPort must be a port number, got ${port}`);
  const tokensSecretArn = setting('kafkaGatewayTokensSecretArn', 'SLUICE_KAFKA_GATEWAY_TOKENS_SECRET_ARN');
  return {
    enabled: true,
    certificateArn,
    advertisedHost: setting('kafkaGatewayHost', 'SLUICE_KAFKA_GATEWAY_HOST'),
    listenerPort: port,
    minTasks: positiveInteger('kafkaGatewayMinTasks', setting('kafkaGatewayMinTasks', 'SLUICE_KAFKA_GATEWAY_MIN_TASKS'), DEFAULT_GATEWAY_MIN_TASKS),
    maxTasks: positiveInteger('kafkaGatewayMaxTasks', setting('kafkaGatewayMaxTasks', 'SLUICE_KAFKA_GATEWAY_MAX_TASKS'), DEFAULT_GATEWAY_MAX_TASKS),
    ...(allowedCidrs.length > 0 ? { allowedCidrs } : {}),
    ...(tokensSecretArn ? { authTokensSecretArn: tokensSecretArn } : {}),
  };
}

const stack = new SluiceStack(app, namePrefix, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  namePrefix,
  removalPolicy: removalPolicySetting === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  logRetention,
  pushTargetFunctionArns: list(setting('pushTargetFunctionArns', 'SLUICE_PUSH_TARGET_FUNCTION_ARNS')),
  auth: jwtIssuer ? { type: 'jwt', issuer: jwtIssuer, audience: jwtAudience } : { type: 'iam' },
  adminPrincipals: list(setting('adminPrincipals', 'SLUICE_ADMIN_PRINCIPALS')),
  // Validated by the HTTP API construct: a mistyped origin fails the synth with its name.
  corsOrigins: list(setting('corsOrigins', 'SLUICE_CORS_ORIGINS')),
  functionSettings: functionSettings(setting('functionSettings', 'SLUICE_FUNCTION_SETTINGS')),
  alarmTopicArn: setting('alarmTopicArn', 'SLUICE_ALARM_TOPIC_ARN'),
  alarmEmails: list(setting('alarmEmails', 'SLUICE_ALARM_EMAILS')),
  alarms: alarms as AlarmSet,
  dashboard: booleanSetting('dashboard', setting('dashboard', 'SLUICE_DASHBOARD'), false),
  tracing: booleanSetting('tracing', setting('tracing', 'SLUICE_TRACING'), false),
  watch: booleanSetting('watch', setting('watch', 'SLUICE_WATCH'), !jwtIssuer),
  watchCloudWatchRole: booleanSetting('watchCloudWatchRole', setting('watchCloudWatchRole', 'SLUICE_WATCH_CLOUDWATCH_ROLE'), true),
  defaultRetentionHours: retentionHours('defaultRetentionHours', setting('defaultRetentionHours', 'SLUICE_DEFAULT_RETENTION_HOURS'), DEFAULT_RETENTION_HOURS),
  kafkaGateway: kafkaGateway(),
  iteratorAgeAlarmThreshold: Duration.seconds(positiveInteger('iteratorAgeAlarmSeconds', setting('iteratorAgeAlarmSeconds', 'SLUICE_ITERATOR_AGE_ALARM_SECONDS'), 300)),
  throttle: {
    rateLimit: positiveInteger('throttleRate', setting('throttleRate', 'SLUICE_THROTTLE_RATE'), DEFAULT_THROTTLE.rateLimit),
    burstLimit: positiveInteger('throttleBurst', setting('throttleBurst', 'SLUICE_THROTTLE_BURST'), DEFAULT_THROTTLE.burstLimit),
  },
});
Tags.of(stack).add('stage', stage);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
