/**
 * The optional Kafka gateway deployment (infra/constructs/sluice-kafka-gateway.ts): absent
 * unless `kafkaGateway.enabled`; when on, a Fargate service behind a Network Load Balancer
 * whose TLS listener presents the given certificate and forwards TCP to the tasks, CPU
 * scaling, a task role holding only the Sluice table and bucket grants of the APIs the
 * gateway speaks, the load balancer's address advertised to clients, an image built from
 * infra/kafka-gateway/Dockerfile whose context synth stages without Docker, and cdk-nag
 * clean with every acknowledgment reasoned.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  DEFAULT_GATEWAY_LISTENER_PORT,
  GATEWAY_DOCKERFILE,
  KAFKA_API_FUNCTIONS,
  SluiceKafkaGateway,
  gatewayAccess,
} from '../../../infra/constructs/sluice-kafka-gateway';
import { SluiceStorage } from '../../../infra/constructs/sluice-storage';
import { NAG_REASONS } from '../../../infra/nag-acknowledgments';
import { FUNCTIONS } from '../../../infra/platform-spec';
import { SluiceStack, type SluiceStackProps } from '../../../infra/sluice-stack';
import { SUPPORTED_APIS } from '../../../lib/kafka/messages/supported-apis';
import { BUCKET_ENV_VAR, TABLES, type TableId } from '../../../lib/store/tables';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function app(): App {
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
}

function stackWith(props: SluiceStackProps = {}): { root: App; stack: SluiceStack } {
  const root = app();
  return { root, stack: new SluiceStack(root, 'KafkaGatewayTest', { namePrefix: 'sluice-test', ...props }) };
}

type Json = Record<string, any>;
interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
}

function statementsOf(template: Template, role: IConstruct): Statement[] {
  const roleId = logicalIdOf(role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify((policy.Properties as Json).Roles).includes(`"${roleId}"`))
    .flatMap((policy) => (policy.Properties as Json).PolicyDocument.Statement as Statement[]);
}

/** The unacknowledged cdk-nag findings, as `rule (severity) @ construct path`. */
function findings(scope: IConstruct, root: App): string[] {
  const report = new AwsSolutionsChecks(root).validateScope(scope);
  return report.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} (${violation.severity}) @ ${resource.constructPath}`));
}

function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe('SluiceKafkaGateway: off by default', () => {
  it('deploys no cluster, service, load balancer or VPC unless kafkaGateway.enabled', () => {
    for (const props of [{}, { kafkaGateway: { enabled: false, certificateArn: CERTIFICATE_ARN } }] satisfies SluiceStackProps[]) {
      const { stack } = stackWith(props);
      assert.equal(stack.kafkaGateway, undefined);
      const template = Template.fromStack(stack);
      for (const type of ['AWS::ECS::Cluster', 'AWS::ECS::Service', 'AWS::ECS::TaskDefinition', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::EC2::VPC']) {
        template.resourceCountIs(type, 0);
      }
      assert.deepEqual(Object.keys(template.findOutputs('KafkaGateway*')), []);
    }
  });

  it('needs a certificate when enabled', () => {
    assert.throws(() => stackWith({ kafkaGateway: { enabled: true } }), /certificateArn is required/);
  });
});

describe('SluiceKafkaGateway: enabled with defaults', () => {
  const { root, stack } = stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN }, adminPrincipals: ['arn:aws:iam::123456789012:role/admin'] });
  const gateway = stack.kafkaGateway!;
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Json>;
  const loadBalancerId = logicalIdOf(gateway.loadBalancer);
  const container = () => (template.findResources('AWS::ECS::TaskDefinition')[logicalIdOf(gateway.taskDefinition)]!.Properties as Json).ContainerDefinitions[0] as Json;
  const environment = () => Object.fromEntries((container().Environment as { Name: string; Value: unknown }[]).map((entry) => [entry.Name, entry.Value]));

  it('runs a Fargate service of 0.25 vCPU / 512 MiB tasks, 2 of them, in public subnets with public IPs and a deployment circuit breaker', () => {
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
      LoadBalancers: [{ ContainerName: 'Gateway', ContainerPort: 9092, TargetGroupArn: { Ref: logicalIdOf(gateway.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    assert.deepEqual(container().PortMappings, [{ ContainerPort: 9092, Protocol: 'tcp' }]);
    assert.equal(container().ReadonlyRootFilesystem, true);
  });

  it('creates a VPC with public subnets only (no NAT gateway), free S3 and DynamoDB gateway endpoints, and flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
      });
    }
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', LogDestinationType: 's3', TrafficType: 'REJECT' });
  });

  it('has a cluster with Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  it('puts an internet-facing Network Load Balancer in front, with a TLS listener on 9094 presenting the certificate', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: logicalIdOf(stack.storage.accessLogsBucket) } },
      ]),
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: loadBalancerId },
      Protocol: 'TLS',
      Port: DEFAULT_GATEWAY_LISTENER_PORT,
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-PQ-2025-09',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(gateway.targetGroup) } }],
    });
    assert.equal(DEFAULT_GATEWAY_LISTENER_PORT, 9094);
  });

  it('forwards TCP to the tasks\' port 9092 (TLS ends at the listener), health-checked over TCP', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Protocol: 'TCP',
      Port: 9092,
      TargetType: 'ip',
      HealthCheckProtocol: 'TCP',
    });
  });

  it('admits clients on the listener port only, and the tasks only from the load balancer', () => {
    const lbGroup = resources[logicalIdOf(gateway.loadBalancer.connections.securityGroups[0]!)]!.Properties as Json;
    assert.deepEqual(
      lbGroup.SecurityGroupIngress.map((rule: Json) => [rule.CidrIp, rule.FromPort, rule.ToPort]),
      [['0.0.0.0/0', 9094, 9094]],
    );
    const serviceGroup = gateway.service.connections.securityGroups[0]!;
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalIdOf(serviceGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalIdOf(gateway.loadBalancer.connections.securityGroups[0]!), 'GroupId'] },
      FromPort: 9092,
      ToPort: 9092,
    });
    assert.equal((resources[logicalIdOf(serviceGroup)]!.Properties as Json).SecurityGroupIngress, undefined, 'no other ingress on the tasks');
  });

  it('scales the tasks on CPU between 2 and 6, at 60%', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
  });

  it('advertises the load balancer\'s DNS name and listener port, and names the stack\'s tables and bucket', () => {
    const env = environment();
    assert.deepEqual(env.SLUICE_KAFKA_ADVERTISED_HOST, { 'Fn::GetAtt': [loadBalancerId, 'DNSName'] });
    assert.equal(env.SLUICE_KAFKA_ADVERTISED_PORT, '9094');
    assert.equal(env.SLUICE_KAFKA_HOST, '0.0.0.0');
    assert.equal(env.SLUICE_KAFKA_PORT, '9092');
    assert.equal(env.SLUICE_KAFKA_IDLE_TIMEOUT_MS, '340000', 'idle connections close before the load balancer forgets them (350 s)');
    assert.deepEqual(env.AWS_REGION, { Ref: 'AWS::Region' });
    for (const definition of TABLES) assert.deepEqual(env[definition.envVar], { Ref: logicalIdOf(stack.storage.tables[definition.id]) }, definition.envVar);
    assert.deepEqual(env[BUCKET_ENV_VAR], { Ref: logicalIdOf(stack.storage.bucket) });
    // The same authentication as the functions.
    assert.equal(env.SLUICE_AUTH_MODE, 'iam');
    assert.equal(env.SLUICE_AUTHORIZATION, 'acl');
    assert.equal(env.SLUICE_ADMIN_PRINCIPALS, 'arn:aws:iam::123456789012:role/admin');
    template.hasOutput('KafkaGatewayBootstrapServer', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [loadBalancerId, 'DNSName'] }, ':9094']] },
    });
    template.hasOutput('KafkaGatewayLoadBalancerDns', { Value: { 'Fn::GetAtt': [loadBalancerId, 'DNSName'] } });
  });

  it('logs to its own CloudWatch log group, kept a month like the functions\' logs', () => {
    assert.deepEqual(container().LogConfiguration, {
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: logicalIdOf(gateway.logGroup) }, 'awslogs-stream-prefix': 'gateway', 'awslogs-region': { Ref: 'AWS::Region' } },
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  it('grants the task role only the Sluice tables and bucket, as the functions of the APIs it speaks are granted', () => {
    const statements = statementsOf(template, gateway.taskDefinition.taskRole);
    assert.ok(statements.length > 0);
    const arnIds = new Map<string, string>([
      ...TABLES.map((definition): [string, string] => [logicalIdOf(stack.storage.tables[definition.id]), definition.id]),
      [logicalIdOf(stack.storage.bucket), 'bucket'],
    ]);
    const granted = new Map<string, Set<string>>();
    for (const statement of statements) {
      assert.equal(statement.Effect, 'Allow');
      for (const action of asArray(statement.Action)) assert.doesNotMatch(action, /\*/, `no wildcard action: ${action}`);
      for (const resource of asArray(statement.Resource)) {
        assert.notEqual(resource, '*', JSON.stringify(statement));
        // Each resource is a table's or the bucket's ARN, or its /index/* or /* below it.
        const text = JSON.stringify(resource);
        const match = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]\}(?:,"(\/index\/\*|\/\*)"\]\]\})?$/.exec(text.replace(/^\{"Fn::Join":\["",\[/, ''));
        assert.ok(match && arnIds.has(match[1]!), `a Sluice table or bucket ARN: ${text}`);
        const owner = arnIds.get(match[1]!)!;
        if (match[2] === '/index/*') assert.notEqual(owner, 'bucket');
        if (match[2] === '/*') assert.equal(owner, 'bucket');
        for (const action of asArray(statement.Action)) (granted.get(owner) ?? granted.set(owner, new Set()).get(owner)!).add(action);
      }
    }
    // Exactly the tables gatewayAccess derives, with read or write actions as it says.
    const expected = gatewayAccess(FUNCTIONS);
    assert.deepEqual([...granted.keys()].filter((id) => id !== 'bucket').sort(), Object.keys(expected.tables).sort());
    for (const [tableId, access] of Object.entries(expected.tables) as [TableId, string][]) {
      const actions = granted.get(tableId)!;
      assert.equal(actions.has('dynamodb:GetItem'), access !== 'write', `${tableId} read`);
      assert.equal(actions.has('dynamodb:PutItem'), access !== 'read', `${tableId} write`);
    }
    assert.deepEqual([...granted.get('bucket')!].sort(), ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    // The group APIs (JoinGroup, OffsetCommit, ...) read and write the Groups table, as the HTTP group functions do.
    assert.ok(SUPPORTED_APIS.some((api) => api.key === 11));
    assert.ok(granted.get('Groups')?.has('dynamodb:UpdateItem') && granted.get('Groups')?.has('dynamodb:Query'), 'Groups read and written');
    // And nothing else at all: no ManageConnections, no KMS, no SQS.
    for (const statement of statements) for (const action of asArray(statement.Action)) assert.match(action, /^(dynamodb|s3):/);
  });

  it('gives the execution role "*" only for ecr:GetAuthorizationToken, which has no resource-level permissions', () => {
    const wildcard = statementsOf(template, gateway.taskDefinition.executionRole!).filter((statement) => asArray(statement.Resource).includes('*'));
    assert.deepEqual(wildcard, [{ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' }]);
  });

  it('builds the image from infra/kafka-gateway/Dockerfile, with only what it copies staged as its context, and synth needs no Docker', () => {
    assert.match(JSON.stringify(container().Image), /cdk-hnb659fds-container-assets/);
    const assembly = root.synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as Json;
    const images = Object.values(manifest.dockerImages as Record<string, Json>);
    assert.equal(images.length, 1);
    const source = images[0]!.source as Json;
    assert.equal(source.dockerFile, GATEWAY_DOCKERFILE);
    assert.equal(source.platform, 'linux/amd64');
    const staged = path.join(assembly.directory, source.directory as string);
    assert.deepEqual(readdirSync(staged).sort(), ['bin', 'infra', 'lib', 'package-lock.json', 'package.json', 'tsconfig.json']);
    assert.deepEqual(readdirSync(path.join(staged, 'bin')), ['sluice-gateway.ts']);
    assert.deepEqual(readdirSync(path.join(staged, 'infra')), ['kafka-gateway']);
  });

  it('reports no unacknowledged cdk-nag finding, and every acknowledgment on the gateway has its reason', () => {
    assert.deepEqual(findings(stack, root), []);
    const onGateway = acknowledgments(gateway).filter((ack) => ack.id.includes('AwsSolutions-'));
    assert.deepEqual(
      onGateway.map((ack) => ack.reason).sort(),
      [NAG_REASONS.ecrAuthorizationToken, NAG_REASONS.kafkaGatewayEnvironment, NAG_REASONS.kafkaGatewayOpenListener, NAG_REASONS.segmentObjects, NAG_REASONS.tableIndexes].sort(),
      onGateway.map((ack) => `${ack.path}: ${ack.id}`).join('\n'),
    );
    for (const ack of onGateway.filter((a) => a.id.includes('IAM5'))) assert.match(ack.id, /AwsSolutions-IAM5\[Resource::[^\]]+\]$/);
  });
});

describe('SluiceKafkaGateway: settings', () => {
  it('takes its advertised host, port, sources, sizes and scaling from props; nag needs no open-listener acknowledgment when the sources are narrowed', () => {
    const { root, stack } = stackWith({
      kafkaGateway: {
        enabled: true,
        certificateArn: CERTIFICATE_ARN,
        advertisedHost: 'kafka.example.com',
        listenerPort: 9092,
        allowedCidrs: ['10.0.0.0/8'],
        cpu: 512,
        memoryMiB: 1024,
        minTasks: 1,
        maxTasks: 4,
        targetCpuPercent: 50,
        containerInsights: true,
      },
      auth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['sluice'] },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'TLS', Port: 9092 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'SLUICE_AUTH_MODE', Value: 'jwt' },
            { Name: 'SLUICE_KAFKA_ADVERTISED_HOST', Value: 'kafka.example.com' },
            { Name: 'SLUICE_KAFKA_ADVERTISED_PORT', Value: '9092' },
          ]),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 50 }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/8', FromPort: 9092, ToPort: 9092 })],
    });
    template.hasOutput('KafkaGatewayBootstrapServer', { Value: 'kafka.example.com:9092' });
    assert.deepEqual(findings(stack, root), []);
    assert.equal(acknowledgments(stack).filter((ack) => ack.id.endsWith('AwsSolutions-EC23') || ack.id.endsWith('AwsSolutions-ECS4')).length, 0);
  });

  it('can leave Container Insights off, which cdk-nag then needs acknowledged on the cluster', () => {
    const { root, stack } = stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN, containerInsights: false } });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
    assert.deepEqual(findings(stack, root), []);
    const acknowledged = acknowledgments(stack).filter((ack) => ack.id.endsWith('AwsSolutions-ECS4'));
    assert.deepEqual(acknowledged.map((ack) => [ack.path, ack.reason]), [[stack.kafkaGateway!.cluster.node.path, NAG_REASONS.kafkaGatewayNoContainerInsights]]);
  });

  it('with a tokens secret, authenticates Kafka clients with its tokens: token mode with ACLs, the value an ECS secret the execution role may read, not in the template', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice-kafka-tokens-AbCdEf';
    const { root, stack } = stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN, authTokensSecretArn: secretArn } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'SLUICE_AUTH_MODE', Value: 'token' }, { Name: 'SLUICE_AUTHORIZATION', Value: 'acl' }]),
          Secrets: [{ Name: 'SLUICE_AUTH_TOKENS', ValueFrom: secretArn }],
        }),
      ],
    });
    const reads = statementsOf(template, stack.kafkaGateway!.taskDefinition.executionRole!).filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
    assert.deepEqual(reads.map((st) => st.Resource), [secretArn]);
    assert.doesNotMatch(JSON.stringify(template.toJSON()), /SLUICE_AUTH_TOKENS","Value"/);
    assert.deepEqual(findings(stack, root), []);
  });

  it('without a tokens secret, keeps the stack\'s auth mode (in which it offers no SASL mechanism)', () => {
    const { stack } = stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN } });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'SLUICE_AUTH_MODE', Value: 'iam' }]), Secrets: Match.absent() })],
    });
  });

  it('refuses a task range it cannot scale in', () => {
    assert.throws(() => stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN, minTasks: 3, maxTasks: 2 } }), /maxTasks at least minTasks/);
    assert.throws(() => stackWith({ kafkaGateway: { enabled: true, certificateArn: CERTIFICATE_ARN, minTasks: 0 } }), /minTasks/);
  });

  it('runs in an imported VPC without creating one, or its flow logs', () => {
    const root = app();
    const stack = new Stack(root, 'Imported');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0000000000000000a',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      publicSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
      publicSubnetRouteTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'],
      privateSubnetIds: ['subnet-0000000000000000c', 'subnet-0000000000000000d'],
      privateSubnetRouteTableIds: ['rtb-0000000000000000c', 'rtb-0000000000000000d'],
    });
    const storage = new SluiceStorage(stack, 'Storage');
    const gateway = new SluiceKafkaGateway(stack, 'Gateway', {
      storage,
      specs: FUNCTIONS,
      certificateArn: CERTIFICATE_ARN,
      vpc,
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/sluice-gateway:1'),
    });
    assert.equal(gateway.flowLog, undefined);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', Subnets: ['subnet-0000000000000000c', 'subnet-0000000000000000d'] }) },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
  });
});

describe('gatewayAccess: the task role\'s grants follow the Kafka APIs the gateway speaks', () => {
  it('knows which functions\' grants each supported API needs, all of them in the platform spec', () => {
    const names = new Set(FUNCTIONS.map((spec) => spec.name));
    for (const api of SUPPORTED_APIS) assert.ok(KAFKA_API_FUNCTIONS[api.key], `API key ${api.key} is mapped`);
    for (const [key, functions] of Object.entries(KAFKA_API_FUNCTIONS)) for (const name of functions) assert.ok(names.has(name), `${key}: ${name}`);
  });

  it('unites the functions\' grants: read and write on one table make readwrite', () => {
    // Produce (produce-records: Producers read) with InitProducerId (init-producer: Producers readwrite).
    assert.deepEqual(gatewayAccess(FUNCTIONS, [0, 22]), {
      tables: { Access: 'readwrite', Topics: 'read', Log: 'readwrite', Producers: 'readwrite' },
      bucket: 'readwrite',
    });
    assert.deepEqual(gatewayAccess(FUNCTIONS, [18]), { tables: {} });
    assert.deepEqual(gatewayAccess(FUNCTIONS, [3]), { tables: { Access: 'read', Topics: 'read' } });
    // CreatePartitions rebalances the topic's groups; the config changes write the topic item only.
    assert.deepEqual(gatewayAccess(FUNCTIONS, [37]), { tables: { Access: 'read', Topics: 'readwrite', Groups: 'readwrite' } });
    assert.deepEqual(gatewayAccess(FUNCTIONS, [33, 44]), { tables: { Access: 'read', Topics: 'readwrite' } });
  });

  it('refuses an API it has no grants for, rather than granting nothing or everything', () => {
    assert.throws(() => gatewayAccess(FUNCTIONS, [999]), /API key 999/);
  });
});
