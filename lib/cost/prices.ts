/**
 * Every public AWS price the cost model uses, for us-east-1 (US East, N. Virginia),
 * on-demand list prices without free tiers, savings plans or discounts.
 *
 * How these were taken: on 2026-11-22, without a browser, through a search tool over
 * stored copies of public pages (AWS's pricing pages, AWS documentation and blogs, and
 * third-party articles quoting them). AWS renders most of its pricing tables from
 * scripts, so the stored copies of aws.amazon.com/…/pricing often carry no figures;
 * `evidence` says where each figure was actually seen.
 *
 * `verified: true` means a page the search returned states this figure for us-east-1
 * (or for US East). `verified: false` means the search gave no such figure: the value
 * is the best-known public figure, and `evidence` says what was (not) found. Check
 * `source` before quoting any of them.
 *
 * Units: AWS bills data in "GB" of 2^30 bytes (GiB), and so does this model.
 */
export interface Price {
  /** US dollars for `per` units. */
  readonly usd: number;
  readonly per: number;
  /** What one unit is. */
  readonly unit: string;
  readonly description: string;
  /** The official pricing page. */
  readonly source: string;
  /** Where the figure was seen, and what that page says about region and date. */
  readonly evidence: string;
  /** The date the figure was taken. */
  readonly takenOn: string;
  readonly verified: boolean;
}

const TAKEN_ON = '2026-11-22';

export const PRICES = {
  // --- API Gateway (HTTP API) ---
  apiGatewayHttpRequests: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'metered request (each 512 KB of a request counts as one)',
    description: 'API Gateway HTTP API requests, first 300 million a month ($0.90 per million after)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    evidence:
      'AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs", Cost optimization, table 4 (docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html): HTTP, us-east-1, first 300 million $1.00 per million, metered in 512 KB increments',
    takenOn: TAKEN_ON,
    verified: true,
  },
  // --- Lambda (arm64) ---
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second (memory in GB x billed seconds, 1 ms granularity)',
    description: 'Lambda duration on Arm (Graviton), first 7.5 billion GB-s a month',
    source: 'https://aws.amazon.com/lambda/pricing/',
    evidence: 'cloudchipr.com/blog/aws-lambda-pricing ("based on the US East (N. Virginia) region"): ARM first 7.5 billion GB-s $0.0000133334 per GB-second',
    takenOn: TAKEN_ON,
    verified: true,
  },
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'invocation',
    description: 'Lambda requests (same price on x86 and Arm)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    evidence: 'api-evangelist/aws-lambda plans/aws-lambda-plans-pricing.yml (geo US-East-1, arm requests $0.20 per million); git.mcrn.ar lambda cost notes: $0.20 / 1M for x86_64 and arm64',
    takenOn: TAKEN_ON,
    verified: true,
  },
  // --- S3 Standard ---
  s3StandardStorage: {
    usd: 0.023,
    per: 1,
    unit: 'GB-month',
    description: 'S3 Standard storage, first 50 TB a month',
    source: 'https://aws.amazon.com/s3/pricing/',
    evidence: 'cloudburn.io/blog/amazon-s3-pricing ("All prices are for US East (N. Virginia) as of March 2026"): S3 Standard $0.023/GB/month; devnotes.tech: $0.023 per GB/month (US East)',
    takenOn: TAKEN_ON,
    verified: true,
  },
  s3PutRequests: {
    usd: 0.005,
    per: 1_000,
    unit: 'PUT, COPY, POST or LIST request',
    description: 'S3 Standard PUT/COPY/POST/LIST requests (ListObjectsV2 is billed at this rate)',
    source: 'https://aws.amazon.com/s3/pricing/',
    evidence: 'devnotes.tech "Understanding AWS S3 Pricing" (US East figures): PUT, COPY, POST $0.005 per 1,000 requests; the product brief gives the same us-east-1 figure',
    takenOn: TAKEN_ON,
    verified: true,
  },
  s3GetRequests: {
    usd: 0.0004,
    per: 1_000,
    unit: 'GET or SELECT request (a ranged GET is one request)',
    description: 'S3 Standard GET requests',
    source: 'https://aws.amazon.com/s3/pricing/',
    evidence: 'devnotes.tech "Understanding AWS S3 Pricing" (US East figures): GET $0.0004 per 1,000 requests; the product brief gives the same us-east-1 figure',
    takenOn: TAKEN_ON,
    verified: true,
  },
  // --- DynamoDB on-demand ---
  dynamoWriteRequestUnits: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'write request unit (1 KB standard write; a transactional write is 2 per KB)',
    description: 'DynamoDB on-demand writes, Standard table class (after the November 2024 price cut)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    evidence: 'airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025, "Pricing Structure (US East Region)"): WRU $0.625 per million',
    takenOn: TAKEN_ON,
    verified: true,
  },
  dynamoReadRequestUnits: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'read request unit (4 KB strongly consistent read; eventually consistent is half)',
    description: 'DynamoDB on-demand reads, Standard table class',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    evidence: 'airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025, "Pricing Structure (US East Region)"): RRU $0.125 per million',
    takenOn: TAKEN_ON,
    verified: true,
  },
  dynamoStorage: {
    usd: 0.25,
    per: 1,
    unit: 'GB-month',
    description: 'DynamoDB Standard table storage (first 25 GB a month free, not modeled)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    evidence: 'aws.amazon.com/dynamodb/pricing/ (stored copy): "The first 25 GB consumed per month is free, and prices start from $0.25 per GB-month thereafter"; us-east-1 is the starting price',
    takenOn: TAKEN_ON,
    verified: true,
  },
  dynamoStreamsReadRequestUnits: {
    usd: 0.02,
    per: 100_000,
    unit: 'streams read request unit (one GetRecords call)',
    description: 'DynamoDB Streams reads by non-Lambda consumers; GetRecords calls made by Lambda triggers are free',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    evidence:
      'no figure found by the search; best-known public figure used. Found: AWS docs (docs.amazonaws.cn …/CostOptimization_StreamsUsage.html) and notes.paulswail.com quoting AWS: "You are not charged for GetRecords API calls invoked by AWS Lambda as part of DynamoDB triggers"',
    takenOn: TAKEN_ON,
    verified: false,
  },
  // --- Kinesis Data Streams ---
  kinesisOnDemandStreamHour: {
    usd: 0.04,
    per: 1,
    unit: 'stream-hour',
    description: 'Kinesis Data Streams On-demand Standard, per stream per hour',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence: 'AWS Big Data Blog "Kinesis On-demand Advantage saves 60%+ on streaming costs" (2026-03-09, "All prices … us-east-1"): "in On-demand Standard mode there is a $0.04 charge per stream hour"',
    takenOn: TAKEN_ON,
    verified: true,
  },
  kinesisOnDemandIngestGb: {
    usd: 0.08,
    per: 1,
    unit: 'GB ingested (each record rounded up to 1 KB)',
    description: 'Kinesis Data Streams On-demand Standard data in',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence: 'AWS Big Data Blog (2026-03-09, us-east-1): "the incoming bytes charge for Advantage mode is $0.032 per GB and On-demand Standard is $0.08 per GB"',
    takenOn: TAKEN_ON,
    verified: true,
  },
  kinesisOnDemandRetrievalGb: {
    usd: 0.04,
    per: 1,
    unit: 'GB retrieved (shared-throughput consumers)',
    description: 'Kinesis Data Streams On-demand Standard data out',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence:
      'no reliable us-east-1 figure found; best-known public figure used. c3x.dev states "$0.04 per GB retrieved by consumers" without a region, on a page that also misstates the ingest price',
    takenOn: TAKEN_ON,
    verified: false,
  },
  kinesisShardHour: {
    usd: 0.015,
    per: 1,
    unit: 'shard-hour (1 MiB/s or 1,000 records/s in, 2 MiB/s out per shard)',
    description: 'Kinesis Data Streams provisioned mode, per shard per hour',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence: 'found without a region: kindatechnical.com Kinesis pricing lesson ("5 shards * 24 hours * $0.015") and c3x.dev ("shard_count = 5 costs 5 × $0.015/hour × 730")',
    takenOn: TAKEN_ON,
    verified: false,
  },
  kinesisPutPayloadUnits: {
    usd: 0.014,
    per: 1_000_000,
    unit: 'PUT payload unit (25 KB of a record)',
    description: 'Kinesis Data Streams provisioned mode PUT payload units',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence: 'found for US West (Oregon) only: EveryMundo/aws-kinesis-client docs ("$0.014/1M messages in US West (Oregon)"); us-east-1 assumed equal',
    takenOn: TAKEN_ON,
    verified: false,
  },
  kinesisEfoConsumerShardHour: {
    usd: 0.015,
    per: 1,
    unit: 'consumer-shard-hour (one enhanced fan-out consumer registered on one shard for an hour)',
    description: 'Kinesis Data Streams enhanced fan-out (provisioned mode): billed per consumer per shard per hour whether or not it reads',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence:
      'no us-east-1 figure found by the search (the stored pricing page renders its table from scripts); the figure the issue (#18) and the bench brief quote, taken 2026-12-06',
    takenOn: '2026-12-06',
    verified: false,
  },
  kinesisEfoRetrievalGb: {
    usd: 0.013,
    per: 1,
    unit: 'GB retrieved by an enhanced fan-out consumer',
    description: 'Kinesis Data Streams enhanced fan-out data retrieval (provisioned mode)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    evidence: 'no us-east-1 figure found by the search; the figure the issue (#18) and the bench brief quote, taken 2026-12-06',
    takenOn: '2026-12-06',
    verified: false,
  },
  // --- API Gateway (WebSocket API): the tail-wait path ---
  apiGatewayWebSocketMessages: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'message sent or received (metered in 32 KB increments)',
    description: 'API Gateway WebSocket API messages, first 1 billion a month',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    evidence:
      'amnic.com/blogs/aws-api-gateway-pricing (citing the API Gateway pricing page): "WebSocket API $1.00/M messages + $0.25/M connection-minutes"; awsforengineers.com (May 2025, "Base Pricing (US East)"): WebSocket APIs $1.00/million (first 1B); 32 KB increments per awsnegotiations.com (June 2026)',
    takenOn: '2026-12-06',
    verified: true,
  },
  apiGatewayWebSocketConnectionMinutes: {
    usd: 0.25,
    per: 1_000_000,
    unit: 'connection-minute',
    description: 'API Gateway WebSocket API connection time',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    evidence: 'amnic.com/blogs/aws-api-gateway-pricing (citing the API Gateway pricing page): "$0.25/M connection-minutes"; the product brief gives the same figure',
    takenOn: '2026-12-06',
    verified: true,
  },
  // --- CloudWatch: what a deployed stack bills while idle ---
  cloudwatchStandardAlarmMetric: {
    usd: 0.1,
    per: 1,
    unit: 'alarm metric-month (standard resolution; a metric-math alarm counts each metric it reads)',
    description: 'CloudWatch standard-resolution alarms (first 10 a month free, not modeled)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    evidence: 'c3x.dev/resources/aws/aws_cloudwatch_metric_alarm: "$0.10/alarm-month for standard resolution"; the issue (#18) prices 67 alarms at $6.70 a month',
    takenOn: '2026-12-06',
    verified: false,
  },
  cloudwatchDashboard: {
    usd: 3.0,
    per: 1,
    unit: 'dashboard-month',
    description: 'CloudWatch custom dashboard (first 3 dashboards of up to 50 metrics free, not modeled)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    evidence: 'no figure found by the search; best-known public figure ($3.00 per dashboard per month)',
    takenOn: '2026-12-06',
    verified: false,
  },
  // --- MSK Serverless ---
  mskServerlessClusterHour: {
    usd: 0.75,
    per: 1,
    unit: 'cluster-hour',
    description: 'MSK Serverless cluster, per hour',
    source: 'https://aws.amazon.com/msk/pricing/',
    evidence: 'found without a region, dated October 2022: gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682 (Compute-hours $0.75 per hour)',
    takenOn: TAKEN_ON,
    verified: false,
  },
  mskServerlessPartitionHour: {
    usd: 0.0015,
    per: 1,
    unit: 'partition-hour',
    description: 'MSK Serverless, per partition per hour',
    source: 'https://aws.amazon.com/msk/pricing/',
    evidence: 'found without a region, dated October 2022: the same gist ($0.0015 per partition per hour)',
    takenOn: TAKEN_ON,
    verified: false,
  },
  mskServerlessStorage: {
    usd: 0.1,
    per: 1,
    unit: 'GB-month',
    description: 'MSK Serverless storage',
    source: 'https://aws.amazon.com/msk/pricing/',
    evidence: 'found without a region, dated October 2022: the same gist ($0.10 per GiB-month)',
    takenOn: TAKEN_ON,
    verified: false,
  },
  mskServerlessDataIn: {
    usd: 0.1,
    per: 1,
    unit: 'GB written',
    description: 'MSK Serverless data in',
    source: 'https://aws.amazon.com/msk/pricing/',
    evidence: 'found without a region, dated October 2022: the same gist ($0.10 per GiB)',
    takenOn: TAKEN_ON,
    verified: false,
  },
  mskServerlessDataOut: {
    usd: 0.05,
    per: 1,
    unit: 'GB read',
    description: 'MSK Serverless data out',
    source: 'https://aws.amazon.com/msk/pricing/',
    evidence: 'found without a region, dated October 2022: the same gist ($0.05 per GiB)',
    takenOn: TAKEN_ON,
    verified: false,
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;
export type PriceTable = Record<PriceId, Price>;

/** The price of one unit. */
export function unitPrice(price: Price): number {
  return price.usd / price.per;
}

/** API Gateway HTTP APIs meter each request in 512 KB increments. */
export const API_GATEWAY_METERING_BYTES = 512 * 1024;

/** API Gateway WebSocket APIs meter each message in 32 KB increments. */
export const WEBSOCKET_METERING_BYTES = 32 * 1024;

/** Hours in a month, as AWS's pricing examples count them. */
export const HOURS_PER_MONTH = 730;

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;
