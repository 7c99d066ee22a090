import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { figures, type CellFigures, type Progress } from '../measure';
import { runBounded, type Bounds } from '../runner';
import type { RawStorage } from '../target';

/**
 * The emulators' own rates, measured in the same run with direct SDK clients, for the
 * requests a Sluice call stands on. The floors model the minimum the design needs, not
 * the calls Sluice happens to make today (issue #18):
 *
 * - `put`: S3 PutObject of the object size a produce call writes;
 * - `commit`: a DynamoDB TransactWriteItems shaped like a commit (a ConditionCheck on a
 *   topic item, a conditional Put of a ref item, a conditional Update of a partition head,
 *   a conditional Put of an index item);
 * - `floor`: the minimum produce: PutObject overlapped with one BatchGetItem of the
 *   partition heads, then the commit's TransactWriteItems. No topic, quota or producer
 *   read: the commit's conditions already guard what those reads would check;
 * - `get`: a ranged S3 GetObject of a batch's bytes, as fetches read;
 * - `fetch-floor`: the minimum fetch: one index Query, then one ranged GET per object of
 *   the batches it returns (adjacent batches of one object coalesced into one GET);
 * - `describe-floor`: the minimum describe of a topic of `partitions` partitions: the
 *   topic item (GetItem), then every partition head (strongly consistent BatchGetItems
 *   of at most 100 keys, all at once).
 */
export interface RawCell extends CellFigures {
  kind: 'put' | 'commit' | 'floor' | 'get' | 'fetch-floor' | 'describe-floor';
  objectBytes: number;
  concurrency: number;
  /** For `fetch-floor`: the objects (one GET each) one fetch reads. */
  objectsPerFetch?: number;
  /** For `describe-floor`: the heads one describe reads. */
  partitions?: number;
}

export class RawStorageBench {
  private heads = new Map<string, number>();
  private readonly run = randomUUID().slice(0, 8);

  constructor(
    private readonly raw: RawStorage,
    private readonly progress: Progress,
  ) {}

  async put(objectBytes: number, concurrency: number, bounds: Bounds): Promise<RawCell> {
    const body = randomBytes(Math.max(1, Math.round(objectBytes)));
    const result = await runBounded(concurrency, bounds, async () => {
      await this.putObject(body);
      return { bytes: body.byteLength };
    });
    return this.report({ kind: 'put', objectBytes: body.byteLength, concurrency, ...figures(result) });
  }

  async commit(concurrency: number, bounds: Bounds): Promise<RawCell> {
    const result = await runBounded(concurrency, bounds, async (worker) => {
      await this.transact(worker, `seg/raw/${randomUUID()}.slc`);
      return {};
    });
    return this.report({ kind: 'commit', objectBytes: 0, concurrency, ...figures(result) });
  }

  /** The minimum produce: PutObject and BatchGetItem of the head at once, then TransactWriteItems. */
  async floor(objectBytes: number, concurrency: number, bounds: Bounds): Promise<RawCell> {
    const body = randomBytes(Math.max(1, Math.round(objectBytes)));
    const result = await runBounded(concurrency, bounds, async (worker) => {
      const [key] = await Promise.all([this.putObject(body), this.readHead(worker)]);
      await this.transact(worker, key);
      return { bytes: body.byteLength };
    });
    return this.report({ kind: 'floor', objectBytes: body.byteLength, concurrency, ...figures(result) });
  }

  /**
   * The minimum fetch of `objectsPerFetch` batches of `objectBytes` each, one batch per object
   * (as a producer writing one batch per call leaves them): one Query of the index items,
   * then the objects' ranged GETs at once.
   */
  async fetchFloor(objectBytes: number, objectsPerFetch: number, concurrency: number, bounds: Bounds): Promise<RawCell> {
    const body = randomBytes(Math.max(1, Math.round(objectBytes)));
    const batches = Math.max(1, Math.round(objectsPerFetch));
    const pk = `raw-fetch-${this.run}`;
    const keys: string[] = [];
    for (let i = 0; i < 8 + batches; i++) {
      const key = await this.putObject(body);
      keys.push(key);
      await this.raw.ddb.send(
        new PutCommand({
          TableName: this.raw.logTable,
          Item: { pk, sk: `o#${String(i).padStart(20, '0')}`, baseOffset: i, lastOffset: i, objectKey: key, byteStart: 0, byteLength: body.byteLength },
        }),
      );
    }
    const result = await runBounded(concurrency, bounds, async (_worker, sequence) => {
      const start = sequence % 8;
      const page = await this.raw.ddb.send(
        new QueryCommand({
          TableName: this.raw.logTable,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': pk, ':from': `o#${String(start).padStart(20, '0')}` },
          Limit: batches,
          ConsistentRead: true,
        }),
      );
      const items = (page.Items ?? []) as { objectKey: string; byteStart: number; byteLength: number }[];
      const sizes = await Promise.all(
        items.map(async (item) => {
          const answer = await this.raw.s3.send(
            new GetObjectCommand({ Bucket: this.raw.bucket, Key: item.objectKey, Range: `bytes=${item.byteStart}-${item.byteStart + item.byteLength - 1}` }),
          );
          return (await answer.Body!.transformToByteArray()).byteLength;
        }),
      );
      return { bytes: sizes.reduce((a, b) => a + b, 0) };
    });
    return this.report({ kind: 'fetch-floor', objectBytes: body.byteLength, concurrency, objectsPerFetch: batches, ...figures(result) });
  }

  async describeFloor(partitions: number, bounds: Bounds): Promise<RawCell> {
    const pk = (p: number) => `raw-describe-${this.run}-${partitions}#${p}`;
    for (let i = 0; i < partitions; i += 25) {
      const puts = Array.from({ length: Math.min(25, partitions - i) }, (_, j) => ({
        PutRequest: { Item: { pk: pk(i + j), sk: 'head', nextOffset: 1, logStartOffset: 0, leaderEpoch: 0, maxTimestamp: Date.now(), updatedAt: Date.now() } },
      }));
      await this.raw.ddb.send(new BatchWriteCommand({ RequestItems: { [this.raw.logTable]: puts } }));
    }
    const chunks: { pk: string; sk: string }[][] = [];
    for (let i = 0; i < partitions; i += 100) chunks.push(Array.from({ length: Math.min(100, partitions - i) }, (_, j) => ({ pk: pk(i + j), sk: 'head' })));
    const result = await runBounded(1, bounds, async () => {
      await this.raw.ddb.send(new GetCommand({ TableName: this.raw.topicsTable, Key: this.raw.topicKey, ConsistentRead: true }));
      await Promise.all(chunks.map((Keys) => this.raw.ddb.send(new BatchGetCommand({ RequestItems: { [this.raw.logTable]: { Keys, ConsistentRead: true } } }))));
      return {};
    });
    const cell: RawCell = { kind: 'describe-floor', objectBytes: 0, concurrency: 1, partitions, ...figures(result) };
    this.progress(`raw describe-floor ${partitions} partition(s): p50 ${cell.latencyMs.p50.toFixed(1)} ms`);
    return cell;
  }

  async get(objectBytes: number, concurrency: number, bounds: Bounds): Promise<RawCell> {
    const body = randomBytes(Math.max(1, Math.round(objectBytes)));
    const keys: string[] = [];
    for (let i = 0; i < 8; i++) keys.push(await this.putObject(body));
    const result = await runBounded(concurrency, bounds, async (_worker, sequence) => {
      const answer = await this.raw.s3.send(
        new GetObjectCommand({ Bucket: this.raw.bucket, Key: keys[sequence % keys.length]!, Range: `bytes=0-${body.byteLength - 1}` }),
      );
      const bytes = await answer.Body!.transformToByteArray();
      return { bytes: bytes.byteLength };
    });
    return this.report({ kind: 'get', objectBytes: body.byteLength, concurrency, ...figures(result) });
  }

  private report(cell: RawCell): RawCell {
    this.progress(
      `raw ${cell.kind}${cell.objectBytes ? ` ${Math.round(cell.objectBytes / 1024)} KiB` : ''} x${cell.concurrency}: ${cell.opsPerSecond.toFixed(0)} ops/s${cell.objectBytes ? `, ${cell.mibPerSecond.toFixed(2)} MiB/s` : ''}, p50 ${cell.latencyMs.p50.toFixed(1)} ms${cell.errors ? `, ${cell.errors} errors ${JSON.stringify(cell.errorCodes)}` : ''}`,
    );
    return cell;
  }

  private async putObject(body: Buffer): Promise<string> {
    const id = randomUUID();
    const key = `seg/${id.slice(0, 2)}/raw-${Date.now()}-${id}.slc`;
    await this.raw.s3.send(new PutObjectCommand({ Bucket: this.raw.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
    return key;
  }

  private headKey(worker: number) {
    return { pk: `raw-${this.run}#${worker}`, sk: 'head' };
  }

  private async readHead(worker: number): Promise<void> {
    await this.raw.ddb.send(new BatchGetCommand({ RequestItems: { [this.raw.logTable]: { Keys: [this.headKey(worker)], ConsistentRead: true } } }));
  }

  /** A commit-shaped transaction: the same four actions, conditions and item sizes as a one-partition Sluice commit. */
  private async transact(worker: number, objectKey: string): Promise<void> {
    const head = this.headKey(worker);
    const expected = this.heads.get(head.pk);
    const base = expected ?? 0;
    const count = 100;
    const now = Date.now();
    await this.raw.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: { TableName: this.raw.topicsTable, Key: this.raw.topicKey, ConditionExpression: 'topicId = :topicId', ExpressionAttributeValues: { ':topicId': 'raw' } } },
          { Put: { TableName: this.raw.logTable, Item: { pk: `obj#${objectKey}`, sk: 'ref', objectKey, committedAt: now, batchCount: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: {
              TableName: this.raw.logTable,
              Key: head,
              UpdateExpression: 'SET nextOffset = :next, maxTimestamp = :maxTs, updatedAt = :now, logStartOffset = if_not_exists(logStartOffset, :zero), leaderEpoch = if_not_exists(leaderEpoch, :zero)',
              ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'nextOffset = :expected',
              ExpressionAttributeValues: { ':next': base + count, ':maxTs': now, ':now': now, ':zero': 0, ...(expected === undefined ? {} : { ':expected': expected }) },
            },
          },
          {
            Put: {
              TableName: this.raw.logTable,
              Item: {
                pk: head.pk,
                sk: `o#${String(base + count - 1).padStart(20, '0')}`,
                baseOffset: base,
                lastOffset: base + count - 1,
                recordCount: count,
                objectKey,
                byteStart: 5,
                byteLength: 104_000,
                firstTimestamp: now,
                maxTimestamp: now,
                committedAt: now,
                ts: `t#${String(now).padStart(15, '0')}#${String(base + count - 1).padStart(20, '0')}`,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    this.heads.set(head.pk, base + count);
  }
}
