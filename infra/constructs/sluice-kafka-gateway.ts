import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, CfnResource, Duration, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_KAFKA_PORT } from '../../lib/kafka/gateway/config';
import { SUPPORTED_APIS } from '../../lib/kafka/messages/supported-apis';
import { BUCKET_ENV_VAR, TABLES, type TableId } from '../../lib/store/tables';
import type { Access, BucketAccess, FunctionSpec } from '../platform-spec';
import type { SluiceStorage } from './sluice-storage';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Dockerfile the gateway image is built from, relative to the repository root (its build context). */
export const GATEWAY_DOCKERFILE = 'infra/kafka-gateway/Dockerfile';

/**
 * What of the repository the image build sees (Docker ignore syntax: everything, then
 * back in what the Dockerfile copies). It also keeps `cdk synth` from hashing and staging
 * node_modules, cdk.out and .git into the asset.
 */
export const GATEWAY_IMAGE_CONTEXT: readonly string[] = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!lib',
  '!bin/sluice-gateway.ts',
  '!infra/kafka-gateway',
];

/** Kafka's customary port for a TLS listener (9092 is the plaintext one). */
export const DEFAULT_GATEWAY_LISTENER_PORT = 9094;
export const DEFAULT_GATEWAY_CPU = 256;
export const DEFAULT_GATEWAY_MEMORY_MIB = 512;
export const DEFAULT_GATEWAY_MIN_TASKS = 2;
export const DEFAULT_GATEWAY_MAX_TASKS = 6;
export const DEFAULT_GATEWAY_TARGET_CPU_PERCENT = 60;
/** Under the Network Load Balancer's 350 s idle timeout of TLS flows (the gateway's own default is 10 minutes). */
export const GATEWAY_IDLE_TIMEOUT_MS = 340_000;

/**
 * The HTTP functions whose work each Kafka API does, by API key: the gateway runs the
 * same lib/ code on the same stores, so it needs the union of their grants
 * (infra/platform-spec.ts) for the APIs it speaks (lib/kafka/messages/supported-apis.ts),
 * and nothing for the others. APIs the issue plans are listed too, so a gateway that
 * learns one is granted what it needs; an API missing here fails the synth rather than
 * being granted nothing or everything.
 */
export const KAFKA_API_FUNCTIONS: Readonly<Record<number, readonly string[]>> = {
  0: ['produce-records'], // Produce
  1: ['fetch-records'], // Fetch
  2: ['list-offsets'], // ListOffsets
  3: ['list-topics', 'describe-topic'], // Metadata
  8: ['commit-offsets'], // OffsetCommit
  9: ['get-group-offsets'], // OffsetFetch
  10: [], // FindCoordinator: every gateway is the coordinator
  11: ['join-group'], // JoinGroup
  12: ['heartbeat-member'], // Heartbeat
  13: ['leave-group'], // LeaveGroup
  14: ['join-group'], // SyncGroup
  15: ['describe-group'], // DescribeGroups
  16: ['list-groups'], // ListGroups
  17: [], // SaslHandshake
  18: [], // ApiVersions
  19: ['create-topic'], // CreateTopics
  20: ['delete-topic'], // DeleteTopics
  21: ['trim-partition'], // DeleteRecords
  22: ['init-producer'], // InitProducerId
  32: ['describe-topic'], // DescribeConfigs
  33: ['alter-topic-config'], // AlterConfigs
  36: [], // SaslAuthenticate
  37: ['create-partitions'], // CreatePartitions
  44: ['alter-topic-config'], // IncrementalAlterConfigs
  42: ['delete-group'], // DeleteGroups (planned, issue #14)
  47: ['delete-group-offsets'], // OffsetDelete (planned, issue #14)
};

/** Two grants on one resource: the same one, or read, write (and delete) together. */
function union<T extends string>(a: T | undefined, b: T): T | 'readwrite' {
  return a === undefined || a === b ? b : 'readwrite';
}

/** What the gateway needs on each table and the bucket: the union over the functions of the APIs it speaks. */
export function gatewayAccess(
  specs: readonly FunctionSpec[],
  apiKeys: readonly number[] = SUPPORTED_APIS.map((api) => api.key),
): { tables: Partial<Record<TableId, Access>>; bucket?: BucketAccess } {
  const tables: Partial<Record<TableId, Access>> = {};
  let bucket: BucketAccess | undefined;
  for (const key of apiKeys) {
    const names = KAFKA_API_FUNCTIONS[key];
    if (!names) throw new Error(`the Kafka gateway speaks API key ${key}, but KAFKA_API_FUNCTIONS (infra/constructs/sluice-kafka-gateway.ts) does not say which functions' grants it needs`);
    for (const name of names) {
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new Error(`KAFKA_API_FUNCTIONS names '${name}' for API key ${key}, which is not in the platform spec`);
      for (const [tableId, access] of Object.entries(spec.tables) as [TableId, Access][]) tables[tableId] = union(tables[tableId], access);
      if (spec.bucket) bucket = union(bucket, spec.bucket);
    }
  }
  return bucket === undefined ? { tables } : { tables, bucket };
}

export interface SluiceKafkaGatewayProps {
  /** The tables and bucket the gateway works on. */
  readonly storage: SluiceStorage;
  /** The function specs the gateway's grants are derived from (`FUNCTIONS`). */
  readonly specs: readonly FunctionSpec[];
  /**
   * ACM certificate the load balancer's TLS listener presents. It must cover
   * `advertisedHost`, the name clients connect to and verify.
   */
  readonly certificateArn: string;
  /**
   * The host name Metadata tells clients to connect to (`SLUICE_KAFKA_ADVERTISED_HOST`):
   * a name the certificate covers, pointed (CNAME or alias) at the load balancer's DNS
   * name (output `KafkaGatewayLoadBalancerDns`).
   *
   * @default - the load balancer's DNS name (clients must then accept a certificate for it, which ACM cannot issue: set this)
   */
  readonly advertisedHost?: string;
  /**
   * Port of the TLS listener, advertised to clients (`SLUICE_KAFKA_ADVERTISED_PORT`).
   *
   * @default 9094
   */
  readonly listenerPort?: number;
  /**
   * Environment of the gateway beyond the table and bucket names and its own address:
   * the stack's authentication settings (`SLUICE_AUTH_MODE`, `SLUICE_AUTHORIZATION`,
   * `SLUICE_ADMIN_PRINCIPALS`) and any `SLUICE_KAFKA_*` limit.
   *
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * A Secrets Manager secret whose value is the gateway's SASL/PLAIN tokens,
   * `principal=token` pairs separated by commas (`SLUICE_AUTH_TOKENS`). With it the
   * gateway authenticates Kafka clients with those tokens (`SLUICE_AUTH_MODE=token`,
   * ACLs enforced; docs/design.md, "Kafka gateway", Authentication); the value reaches the
   * task as an ECS secret, never in the template. Without it the gateway runs in the
   * stack's auth mode (IAM or JWT), in which it offers no SASL mechanism, so it serves
   * no client: a deployed gateway needs this.
   *
   * @default - none
   */
  readonly authTokensSecret?: secretsmanager.ISecret;
  /**
   * The VPC to run in.
   *
   * @default - a new VPC over 2 Availability Zones with public subnets only (no NAT
   * gateway), free gateway endpoints for S3 and DynamoDB, and flow logs of rejected
   * traffic in `logBucket`
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the tasks. In public subnets they need `assignPublicIp` to reach ECR and
   * CloudWatch Logs (S3 and DynamoDB go through the gateway endpoints of the default VPC).
   *
   * @default { subnetType: ec2.SubnetType.PUBLIC }
   */
  readonly taskSubnets?: ec2.SubnetSelection;
  /**
   * Give each task a public IP (its security group admits only the load balancer).
   *
   * @default true
   */
  readonly assignPublicIp?: boolean;
  /**
   * Source ranges allowed to connect to the listener.
   *
   * @default ['0.0.0.0/0'] (every connection must still authenticate as the stack's auth mode says)
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Fargate CPU units per task (256 = 0.25 vCPU).
   *
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory per task, MiB.
   *
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Fewest tasks; 2 keeps one in each of two Availability Zones.
   *
   * @default 2
   */
  readonly minTasks?: number;
  /**
   * Most tasks CPU scaling may run.
   *
   * @default 6
   */
  readonly maxTasks?: number;
  /**
   * Average CPU utilization the service scales to.
   *
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * CloudWatch Container Insights on the cluster (billed as custom metrics). `false`
   * saves that; cdk-nag's ECS4 is then acknowledged (infra/nag-acknowledgments.ts).
   *
   * @default true
   */
  readonly containerInsights?: boolean;
  /**
   * Bucket for the load balancer's access logs and the new VPC's flow logs (SSE-S3, as
   * NLB access logging requires): the storage's access-log bucket, which expires them.
   *
   * @default storage.accessLogsBucket
   */
  readonly logBucket?: s3.IBucket;
  /**
   * Retention of the gateway's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The container image.
   *
   * @default - built from infra/kafka-gateway/Dockerfile with the repository as context
   * (by `cdk deploy`, which needs Docker; `cdk synth` only stages the context)
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * The stack's `kafkaGateway` prop: the construct's props without what the stack supplies
 * (storage, specs; the environment and log settings default to the stack's), and the
 * certificate required only when enabled.
 */
export interface KafkaGatewayOptions extends Partial<Omit<SluiceKafkaGatewayProps, 'storage' | 'specs'>> {
  /**
   * The ARN of `authTokensSecret`, for the CDK app's context (`kafkaGatewayTokensSecretArn`).
   *
   * @default - none
   */
  readonly authTokensSecretArn?: string;
  /**
   * Deploy the gateway.
   *
   * @default false
   */
  readonly enabled: boolean;
}

/**
 * The Kafka gateway (`npx sluice-gateway`, bin/sluice-gateway.ts) on ECS Fargate behind
 * a Network Load Balancer: TLS terminates at the load balancer's listener, which forwards
 * TCP to the tasks' plaintext port 9092; each task advertises the listener's host and
 * port, so every client connection goes through the load balancer. The tasks are
 * stateless; CPU target tracking scales them between `minTasks` and `maxTasks`. The task
 * role holds exactly the table and bucket grants of the HTTP functions whose work the
 * gateway's APIs do (`KAFKA_API_FUNCTIONS`).
 */
export class SluiceKafkaGateway extends Construct {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly listener: elbv2.NetworkListener;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly logGroup: logs.LogGroup;
  /** Flow logs of the VPC this construct created; undefined for an imported VPC. */
  readonly flowLog?: ec2.FlowLog;
  /** The host and port Kafka clients bootstrap from. */
  readonly advertisedHost: string;
  readonly listenerPort: number;
  /** Whether the cluster has CloudWatch Container Insights (`containerInsights`). */
  readonly containerInsights: boolean;
  /** Source ranges the load balancer admits on the listener port. */
  readonly allowedCidrs: readonly string[];
  /** What the task role was granted, by table, and on the bucket. */
  readonly access: ReturnType<typeof gatewayAccess>;

  constructor(scope: Construct, id: string, props: SluiceKafkaGatewayProps) {
    super(scope, id);
    const { storage } = props;
    this.listenerPort = props.listenerPort ?? DEFAULT_GATEWAY_LISTENER_PORT;
    const minTasks = props.minTasks ?? DEFAULT_GATEWAY_MIN_TASKS;
    const maxTasks = props.maxTasks ?? DEFAULT_GATEWAY_MAX_TASKS;
    if (!Number.isInteger(minTasks) || minTasks < 1 || !Number.isInteger(maxTasks) || maxTasks < minTasks) {
      throw new Error(`kafkaGateway: minTasks must be a whole number, at least 1, and maxTasks at least minTasks; got ${minTasks} and ${maxTasks}`);
    }
    if (!props.certificateArn) throw new Error('kafkaGateway: certificateArn is required (the TLS listener presents it)');
    const logBucket = props.logBucket ?? storage.accessLogsBucket;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    if (props.vpc) {
      this.vpc = props.vpc;
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
        gatewayEndpoints: {
          S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
          DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        },
      });
      this.flowLog = vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toS3(logBucket, 'kafka-gateway/vpc-flow-logs/'),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      });
      this.vpc = vpc;
    }

    this.containerInsights = props.containerInsights ?? true;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: this.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
    });

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      crossZoneEnabled: true,
    });
    this.logAccessLogs(logBucket, 'kafka-gateway/nlb');
    this.allowedCidrs = [...(props.allowedCidrs ?? ['0.0.0.0/0'])];
    for (const cidr of this.allowedCidrs) {
      this.loadBalancer.connections.allowFrom(cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr), ec2.Port.tcp(this.listenerPort), `Kafka clients over TLS from ${cidr}`);
    }
    this.advertisedHost = props.advertisedHost ?? this.loadBalancer.loadBalancerDnsName;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? DEFAULT_GATEWAY_CPU,
      memoryLimitMiB: props.memoryMiB ?? DEFAULT_GATEWAY_MEMORY_MIB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const names: Record<string, string> = { [BUCKET_ENV_VAR]: storage.bucket.bucketName };
    for (const definition of TABLES) names[definition.envVar] = storage.tables[definition.id].tableName;
    this.container = this.taskDefinition.addContainer('Gateway', {
      image:
        props.image ??
        ecs.ContainerImage.fromAsset(REPO_ROOT, {
          file: GATEWAY_DOCKERFILE,
          exclude: [...GATEWAY_IMAGE_CONTEXT],
          ignoreMode: IgnoreMode.DOCKER,
          platform: Platform.LINUX_AMD64,
        }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'gateway' }),
      portMappings: [{ containerPort: DEFAULT_KAFKA_PORT, protocol: ecs.Protocol.TCP }],
      stopTimeout: Duration.seconds(30),
      readonlyRootFilesystem: true,
      environment: {
        // The load balancer forgets a TLS flow idle for 350 s without telling either end; the
        // gateway closes an idle connection first, so the client sees it closed, not a dead socket.
        SLUICE_KAFKA_IDLE_TIMEOUT_MS: String(GATEWAY_IDLE_TIMEOUT_MS),
        ...props.environment,
        ...names,
        AWS_REGION: Stack.of(this).region,
        SLUICE_KAFKA_HOST: '0.0.0.0',
        SLUICE_KAFKA_PORT: String(DEFAULT_KAFKA_PORT),
        SLUICE_KAFKA_ADVERTISED_HOST: this.advertisedHost,
        SLUICE_KAFKA_ADVERTISED_PORT: String(this.listenerPort),
        // Kafka clients authenticate with the secret's tokens over SASL/PLAIN; the stack's HTTP auth (IAM or JWT) stays as it is.
        ...(props.authTokensSecret ? { SLUICE_AUTH_MODE: 'token', SLUICE_AUTHORIZATION: 'acl' } : {}),
      },
      ...(props.authTokensSecret ? { secrets: { SLUICE_AUTH_TOKENS: ecs.Secret.fromSecretsManager(props.authTokensSecret) } } : {}),
    });

    this.access = gatewayAccess(props.specs);
    this.grantStorage(this.taskDefinition.taskRole, storage);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: props.assignPublicIp ?? true,
      vpcSubnets: props.taskSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
    });
    this.service.connections.allowFrom(this.loadBalancer, ec2.Port.tcp(DEFAULT_KAFKA_PORT), 'Kafka traffic from the load balancer');

    this.listener = this.loadBalancer.addListener('Tls', {
      port: this.listenerPort,
      protocol: elbv2.Protocol.TLS,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      // TLS 1.2 and 1.3, with hybrid post-quantum key exchange offered on 1.3.
      sslPolicy: elbv2.SslPolicy.TLS13_12_PQ,
    });
    this.targetGroup = this.listener.addTargets('Gateway', {
      port: DEFAULT_KAFKA_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service.loadBalancerTarget({ containerName: this.container.containerName, containerPort: DEFAULT_KAFKA_PORT })],
      healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      // Kafka clients reconnect to the bootstrap address; a draining task's connections need not outlive its stop timeout by much.
      deregistrationDelay: Duration.seconds(45),
    });

    this.service
      .autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks })
      .scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: props.targetCpuPercent ?? DEFAULT_GATEWAY_TARGET_CPU_PERCENT,
        scaleOutCooldown: Duration.minutes(1),
        scaleInCooldown: Duration.minutes(5),
      });

    new CfnOutput(this, 'LoadBalancerDns', {
      key: 'KafkaGatewayLoadBalancerDns',
      value: this.loadBalancer.loadBalancerDnsName,
      description: 'DNS name of the Kafka gateway load balancer (point the advertised host at it)',
    });
    new CfnOutput(this, 'BootstrapServer', {
      key: 'KafkaGatewayBootstrapServer',
      value: `${this.advertisedHost}:${this.listenerPort}`,
      description: 'Kafka bootstrap server (TLS)',
    });
  }

  /**
   * Access logs of the TLS listener's connections to `bucket` under `prefix`. A Network
   * Load Balancer's logs are written by `delivery.logs.amazonaws.com` (Elastic Load
   * Balancing User Guide, "Access logs for your Network Load Balancer"), so unlike
   * `logAccessLogs`, which also names the region's ELB account, this needs no region at
   * synth and the stack stays environment-agnostic.
   */
  private logAccessLogs(bucket: s3.IBucket, prefix: string): void {
    const stack = Stack.of(this);
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
    const delivery = new iam.ServicePrincipal('delivery.logs.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        principals: [delivery],
        resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`)],
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': stack.account } },
      }),
    );
    bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl'], principals: [delivery], resources: [bucket.bucketArn], conditions: fromThisAccount }));
    // The load balancer checks it may write before it turns logging on.
    const policy = bucket.policy?.node.defaultChild;
    if (policy instanceof CfnResource) (this.loadBalancer.node.defaultChild as CfnResource).addResourceDependency(policy);
  }

  /** Grants `grantee` what the gateway needs on the tables and the bucket (`access`). */
  private grantStorage(grantee: iam.IGrantable, storage: SluiceStorage): void {
    for (const [tableId, access] of Object.entries(this.access.tables) as [TableId, Access][]) storage.grantTable(grantee, tableId, access);
    if (this.access.bucket) storage.grantBucket(grantee, this.access.bucket);
  }
}
