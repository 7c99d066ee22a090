import { DescribeStreamCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import type { Delivery } from './stream-records';

/** The shards of a table's stream as the local trigger tracks them: listing, and each one's reading state. */

export interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  readonly generation: number;
  /** Where to start when there is no checkpoint. */
  readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
  started: boolean;
  /** No longer listed by DescribeStream. */
  gone: boolean;
  iterator: string | undefined;
  /** GetRecords returned no NextShardIterator: the shard is closed and fully read. */
  endReached: boolean;
  /** Every record of the shard is processed. */
  finished: boolean;
  /** Matching records read but not yet processed (at most batchSize). */
  pending: Delivery[];
  /** Sequence number of the last record read, matching or not. */
  lastReadSequenceNumber: string | undefined;
  lastCheckpoint: string | undefined;
  /** Tick at which a read that found nothing new started, with nothing pending. */
  caughtUpTick: number;
}

export function newShardState(
  shardId: string,
  parentShardId: string | undefined,
  generation: number,
  initialPosition: ShardState['initialPosition'],
  finished: boolean,
): ShardState {
  return {
    shardId,
    parentShardId,
    generation,
    initialPosition,
    started: false,
    gone: false,
    iterator: undefined,
    endReached: finished,
    finished,
    pending: [],
    lastReadSequenceNumber: undefined,
    lastCheckpoint: undefined,
    caughtUpTick: 0,
  };
}

/** Every shard DescribeStream lists, page by page. */
export async function describeShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
    shards.push(...(page.StreamDescription?.Shards ?? []));
    exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);
  return shards;
}
