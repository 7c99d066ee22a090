import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Access, BucketAccess } from '../platform-spec';
import { TABLES, type AttributeType, type StreamViewType, type TableDefinition, type TableId } from '../../lib/store/tables';

export interface SluiceStorageProps {
  /**
   * What happens to the segment bucket and the tables when they leave the stack.
   * With `DESTROY` the bucket is emptied first (a CDK custom resource deletes its
   * objects), so `cdk destroy` removes everything.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long S3 server access logs of the segment bucket are kept in the
   * access-log bucket before they expire.
   *
   * @default Duration.days(90)
   */
  readonly accessLogRetention?: Duration;
}

/** S3 actions on segment objects, by access: exact actions, no `*` groups. */
const OBJECT_ACTIONS: Record<BucketAccess, readonly string[]> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject'],
  readwrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  delete: ['s3:DeleteObject'],
};

const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const STREAM_VIEW_TYPES: Record<StreamViewType, dynamodb.StreamViewType> = {
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  KEYS_ONLY: dynamodb.StreamViewType.KEYS_ONLY,
};

/**
 * Sluice's durable state: the S3 bucket of segment objects and one DynamoDB table
 * per entry of `TABLES` (lib/store/tables.ts), which the local runtime also
 * builds its tables from.
 *
 * Tables are `dynamodb.Table` (AWS::DynamoDB::Table) rather than `TableV2`
 * (AWS::DynamoDB::GlobalTable): Sluice is single-region, and the plain table type
 * is the one LocalStack and `cdklocal` deploy most reliably.
 */
export class SluiceStorage extends Construct {
  /** Segment objects. Its name reaches functions through `BUCKET_ENV_VAR`. */
  readonly bucket: s3.Bucket;
  /**
   * S3 server access logs of the segment bucket (who read, wrote or deleted which
   * object), under `segments/`. Encrypted with S3-managed keys, the only kind log
   * delivery supports; TLS only; expires after `accessLogRetention`.
   */
  readonly accessLogsBucket: s3.Bucket;
  /** One table per `TableId`; each name reaches functions through its `envVar`. */
  readonly tables: Record<TableId, dynamodb.Table>;

  constructor(scope: Construct, id: string, props: SluiceStorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    // Only an emptied bucket can be deleted; never empty one we are keeping.
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: props.accessLogRetention ?? Duration.days(90) },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects,
    });
    this.bucket = new s3.Bucket(this, 'Segments', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'segments/',
      // Segment objects never expire by age: the orphan collector deletes the
      // uncommitted ones, and whatever retires committed data must count references
      // (docs/design.md). Sluice writes with single PUTs; a multipart upload left
      // behind by anything else would be billed forever without this rule.
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
      autoDeleteObjects,
    });

    const tables: Partial<Record<TableId, dynamodb.Table>> = {};
    for (const definition of TABLES) {
      tables[definition.id] = this.createTable(definition, removalPolicy);
    }
    // TABLES is the list of every TableId, so after the loop the record is complete.
    this.tables = tables as Record<TableId, dynamodb.Table>;
  }

  /** Grants `grantee` the data-plane access `access` on one table. */
  grantTable(grantee: iam.IGrantable, tableId: TableId, access: Access): iam.Grant {
    const table = this.tables[tableId];
    switch (access) {
      case 'read':
        return table.grantReadData(grantee);
      case 'write':
        return table.grantWriteData(grantee);
      case 'readwrite':
        return table.grantReadWriteData(grantee);
    }
  }

  /**
   * Grants `grantee` object access on the segment bucket, with exact actions
   * rather than the `s3:GetObject*`-style groups of `Bucket.grantRead`: `read` is
   * `s3:GetObject` and `s3:ListBucket`, `write` is `s3:PutObject` only (no
   * delete), `readwrite` is get, list, put and delete. The bucket uses S3-managed
   * keys, so no KMS grant is needed.
   */
  grantBucket(grantee: iam.IGrantable, access: BucketAccess): iam.Grant {
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: [...OBJECT_ACTIONS[access]],
      resourceArns: [this.bucket.arnForObjects('*')],
    });
    if (access === 'write' || access === 'delete') return objects;
    return objects.combine(iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] }));
  }

  private createTable(definition: TableDefinition, removalPolicy: RemovalPolicy): dynamodb.Table {
    const { partitionKey, sortKey, stream, timeToLiveAttribute } = definition;
    const table = new dynamodb.Table(this, definition.id, {
      partitionKey: { name: partitionKey.name, type: ATTRIBUTE_TYPES[partitionKey.type] },
      ...(sortKey ? { sortKey: { name: sortKey.name, type: ATTRIBUTE_TYPES[sortKey.type] } } : {}),
      ...(stream ? { stream: STREAM_VIEW_TYPES[stream] } : {}),
      ...(timeToLiveAttribute ? { timeToLiveAttribute } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    });
    for (const index of definition.localIndexes ?? []) {
      table.addLocalSecondaryIndex({
        indexName: index.name,
        sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    for (const index of definition.globalIndexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey.name, type: ATTRIBUTE_TYPES[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
    return table;
  }
}
