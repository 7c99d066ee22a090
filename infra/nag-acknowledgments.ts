import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { TABLES } from '../lib/store/tables';
import type { SluiceStack } from './sluice-stack';

/**
 * The cdk-nag AwsSolutions findings Sluice accepts by design, each acknowledged
 * on the narrowest construct it concerns, with the specific finding id where the
 * rule reports one (`AwsSolutions-IAM5[Resource::...]`), and with its reason.
 *
 * Everything else the pack reports is fixed in the constructs: server access
 * logs on the segment bucket, TLS-only policies on buckets, queues and the alarm
 * topic, exact S3 actions instead of `s3:GetObject*` groups, an own execution
 * role per function that writes only its own log group instead of
 * AWSLambdaBasicExecutionRole, and stream grants on each trigger's own table
 * instead of CDK's `dynamodb:ListStreams` on `*`. X-Ray tracing, whose actions
 * can only be granted on `*`, is off unless the stack's `tracing` prop asks for it.
 *
 * `bin/cdk-app.ts` runs the pack on every synth (`cdk synth` fails on an
 * unacknowledged error); test/infra/cdk-nag.test.ts runs it in the tests.
 */
export const NAG_REASONS = {
  runtime:
    'Node.js 22 is deliberate: it is the runtime the brief targets, the bundles are built for node22 (infra/constructs/sluice-functions.ts) and the local runtime tests on Node 22; moving to a newer runtime is its own tested change.',
  xrayTracing:
    'Only with tracing on (-c tracing=true): xray:PutTraceSegments and xray:PutTelemetryRecords, which CDK grants for X-Ray active tracing, on "*" because X-Ray has no resource-level permissions. test/infra/sluice-stack.test.ts asserts that these are the only "*" statements, and that with tracing off (the default) there is none.',
  tableStreams:
    'dynamodb:ListStreams for a stream-triggered function, on "<table>/stream/*": the streams of its own table, as in the DynamoDB Developer Guide policy for a Lambda stream reader (the stream label changes whenever the stream is re-enabled). The read actions are granted on the exact stream ARN; CDK\'s DynamoEventSource would grant ListStreams on "*".',
  tableIndexes:
    'CDK table grants include "<table>/index/*" for a table with secondary indexes. These are indexes of the same table\'s items: local secondary indexes (projection ALL) queried for offsets-for-times and time lookups, and a keys-only global index of partition heads that retention queries for partitions with something to expire; the table-level grant already allows the same data.',
  segmentObjects:
    'Segment object keys are generated per write (seg/<2 hex>/<time>-<id>.slc, lib/store/object-keys.ts), so object-level actions need "<bucket>/*". The grant holds exact actions (s3:GetObject, s3:PutObject, s3:DeleteObject as the function spec allows) on this one bucket only.',
  deadLetterQueue:
    'This queue is itself the dead-letter (on-failure) destination of a DynamoDB Streams trigger: Lambda writes a failed batch descriptor to it and nothing consumes it automatically. A redrive queue behind it would only receive messages an operator had read too often; its depth is alarmed instead (SluiceObservability).',
  webSocketRoutes:
    'A WebSocket API authorizes only its $connect route (IAM here, SluiceWatchApi); API Gateway allows no authorizer on any other route. Messages on the watch, check, bind, $default and ping routes run on the connection $connect authenticated, and the watch function authorizes each topic with the same ACLs as the HTTP fetch (and each bind as a heartbeat); $disconnect is the event API Gateway sends when a connection has closed.',
  preflightRoute:
    'Only with corsOrigins set: OPTIONS /{proxy+} (and an OPTIONS twin of any ANY route) has no authorizer because browsers send CORS preflights without credentials (Fetch standard), and the $default route (or that ANY route), which has one, would otherwise catch them; this is the remedy API Gateway\'s CORS documentation for HTTP APIs gives. Its function answers a preflight an empty 204 and authenticates anything else (functions/http/route-not-found.ts); every other route keeps the authorizer.',
  manageConnections:
    'execute-api:ManageConnections (POST only) on "<watch api>/<stage>/POST/@connections/*": the connections of this one API and stage. Connection ids exist only at run time, so no narrower resource can be named.',
  apiGatewayCloudWatchRole:
    "API Gateway's account-level CloudWatch role (AWS::ApiGateway::Account), which a WebSocket stage with access logs requires: the standard role with the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs, as API Gateway's documentation and CDK's RestApi create it. The setting is shared by every REST and WebSocket API in the account and region, so a role narrowed to Sluice's log group would break the others' logging.",
  kafkaGatewayOpenListener:
    'Only with the Kafka gateway on and its allowedCidrs left open (the default): the load balancer admits Kafka clients from any address on its TLS listener port only, as the HTTP API is reachable from anywhere; every connection must authenticate as the stack\'s auth mode says before any request but ApiVersions is served (lib/kafka/gateway/session.ts). Pass kafkaGateway.allowedCidrs to narrow it.',
  kafkaGatewayEnvironment:
    'The Kafka gateway container\'s environment holds no secrets: the generated names of the Sluice tables and bucket, the region, the listen and advertised host and port, and the auth settings (mode, ACLs on, admin principals), the same values the functions get as Lambda environment variables. Credentials come from the task role.',
  kafkaGatewayNoContainerInsights:
    'Only with kafkaGateway.containerInsights set to false: the operator chose not to pay for Container Insights metrics. The service still has the CPU and memory utilization metrics ECS publishes for free for every Fargate service, which its autoscaling uses, and the gateway\'s own log group.',
  ecrAuthorizationToken:
    'The Kafka gateway task\'s execution role: ecr:GetAuthorizationToken, which ECS needs to pull the image from the CDK assets repository, is granted on "*" because the action has no resource-level permissions (Service Authorization Reference, Amazon ECR). The pull actions themselves are on the one repository, and the log actions on the gateway\'s own log group.',
  autoDeleteProvider:
    'Only with removalPolicy DESTROY: the CDK-owned provider function of Custom::S3AutoDeleteObjects (empties the buckets on stack deletion). Its runtime and its AWSLambdaBasicExecutionRole managed policy are set by aws-cdk-lib and cannot be changed; it runs only during deployment.',
} as const;

export function acknowledgeNagFindings(stack: SluiceStack): void {
  const { storage, functions } = stack;
  const indexedTables = TABLES.filter((definition) => (definition.localIndexes ?? []).length + (definition.globalIndexes ?? []).length > 0);

  for (const spec of functions.specs) {
    const fn = functions.functions[spec.name];
    if (!fn) continue;
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: NAG_REASONS.runtime });
    if (!fn.role) continue;
    // CDK grants the X-Ray actions for every tracing mode but DISABLED.
    if (functions.tracing !== lambda.Tracing.DISABLED) {
      Validations.of(fn.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.xrayTracing });
    }
    if (spec.trigger) {
      const streamTable = storage.tables[spec.trigger.table];
      Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${arnOf(streamTable)}>/stream/*]`, reason: NAG_REASONS.tableStreams });
    }
    for (const definition of indexedTables) {
      if (!spec.tables[definition.id]) continue;
      const table = storage.tables[definition.id];
      Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${arnOf(table)}>/index/*]`, reason: NAG_REASONS.tableIndexes });
    }
    if (spec.bucket) {
      Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${arnOf(storage.bucket)}>/*]`, reason: NAG_REASONS.segmentObjects });
    }
  }
  for (const route of stack.api.preflightRoutes) Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: NAG_REASONS.preflightRoute });
  if (stack.watchApi) {
    for (const [routeKey, route] of Object.entries(stack.watchApi.routes)) {
      if (routeKey !== '$connect') Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: NAG_REASONS.webSocketRoutes });
    }
    if (stack.watchApi.cloudWatchRole) {
      Validations.of(stack.watchApi.cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: NAG_REASONS.apiGatewayCloudWatchRole,
      });
    }
    const connections = `Resource::${nagSpelling(stack.resolve(stack.watchApi.connectionsArn()))}`;
    for (const spec of functions.specs.filter((s) => s.managesConnections)) {
      const role = functions.functions[spec.name]?.role;
      if (role) Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${connections}]`, reason: NAG_REASONS.manageConnections });
    }
  }
  for (const queue of Object.values(functions.deadLetterQueues)) {
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: NAG_REASONS.deadLetterQueue });
  }

  if (stack.kafkaGateway) acknowledgeKafkaGatewayFindings(stack);

  // Present only when the buckets are auto-emptied (RemovalPolicy.DESTROY).
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('Custom::S3AutoDeleteObjectsCustomResourceProvider')) {
      Validations.of(child).acknowledge(
        { id: 'AwsSolutions-L1', reason: NAG_REASONS.autoDeleteProvider },
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: NAG_REASONS.autoDeleteProvider },
      );
    }
  }
}

/** The Kafka gateway's (`kafkaGateway.enabled`): its task role's grants are those of the functions whose work it does. */
function acknowledgeKafkaGatewayFindings(stack: SluiceStack): void {
  const gateway = stack.kafkaGateway!;
  const { storage } = stack;
  const taskRole = gateway.taskDefinition.taskRole;
  for (const definition of TABLES) {
    if (!gateway.access.tables[definition.id] || (definition.localIndexes ?? []).length + (definition.globalIndexes ?? []).length === 0) continue;
    Validations.of(taskRole).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${arnOf(storage.tables[definition.id])}>/index/*]`, reason: NAG_REASONS.tableIndexes });
  }
  if (gateway.access.bucket) {
    Validations.of(taskRole).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${arnOf(storage.bucket)}>/*]`, reason: NAG_REASONS.segmentObjects });
  }
  const executionRole = gateway.taskDefinition.executionRole;
  if (executionRole) Validations.of(executionRole).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.ecrAuthorizationToken });
  Validations.of(gateway.taskDefinition).acknowledge({ id: 'AwsSolutions-ECS2', reason: NAG_REASONS.kafkaGatewayEnvironment });
  if (!gateway.containerInsights) Validations.of(gateway.cluster).acknowledge({ id: 'AwsSolutions-ECS4', reason: NAG_REASONS.kafkaGatewayNoContainerInsights });
  if (gateway.allowedCidrs.some((cidr) => cidr === '0.0.0.0/0' || cidr === '::/0')) {
    for (const group of gateway.loadBalancer.connections.securityGroups) {
      Validations.of(group).acknowledge({ id: 'AwsSolutions-EC23', reason: NAG_REASONS.kafkaGatewayOpenListener });
    }
  }
}

/** `<LogicalId>.Arn`, as cdk-nag spells a `Fn::GetAtt` of a resource's Arn in a finding id. */
function arnOf(construct: IConstruct): string {
  return `${logicalIdOf(construct)}.Arn`;
}

/**
 * A resolved ARN as cdk-nag spells it in a finding id: `{ Ref: X }` as `<X>`, a
 * `Fn::GetAtt` as `<X.Attr>`, the parts of an `Fn::Join` run together. With an explicit
 * environment (bin/cdk-app.ts) region and partition are literal; without, they are refs.
 */
function nagSpelling(value: unknown): string {
  if (typeof value === 'string') return value;
  const token = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (token.Ref) return `<${token.Ref}>`;
  if (token['Fn::GetAtt']) return `<${token['Fn::GetAtt'].join('.')}>`;
  if (token['Fn::Join']) return token['Fn::Join'][1].map(nagSpelling).join(token['Fn::Join'][0]);
  throw new Error(`cannot spell ${JSON.stringify(value)} as cdk-nag does`);
}

/** The logical id of a construct's resource, as cdk-nag spells a `Ref` in a finding id. */
function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
}
