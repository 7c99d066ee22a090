import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { figures, type CellFigures, type Progress } from '../measure';
import { runBounded, type Bounds } from '../runner';
import type { RawStorage } from '../target';

/**
 * The emulators' own rates, measured in the same run with direct SDK clients, for the
 * requests a Sluice call stands on:
 *
 * - `put`: S3 PutObject of the object size a produce call writes;
 * - `commit`: a DynamoDB TransactWriteItems shaped like a commit (a ConditionCheck on a
 *   topic item, a conditional Put of a ref item, a conditional Update of a partition head,
 *   a conditional Put of an index item);
 * - `floor`: the whole storage sequence of one produce call, one request after the other
 *   as Sluice makes them: GetItems (topic, quota), BatchGetItem (head, and the producer's
 *   state for an idempotent call), PutObject, TransactWriteItems, as many of each as the
 *   produce calls of the cell made;
 * - `get`: a ranged S3 GetObject of a batch's bytes, as fetches read.
 */
export interface RawCell extends CellFigures {
  kind: 'put' | 'commit' | 'floor' | 'get';
  objectBytes: number;
  concurrency: number;
  /** For `floor`: the requests of one sequence. */
  shape?: FloorShape;
}

/** Requests in one raw produce sequence, by kind. */
export interface FloorShape {
  getItems: number;
  batchGets: number;
  puts: number;
  transactions: number;
}

/** A produce call's storage requests before authorization and quotas: topic GetItem, head BatchGetItem, PutObject, TransactWriteItems. */
export const DEFAULT_FLOOR: FloorShape = { getItems: 1, batchGets: 1, puts: 1, transactions: 1 };

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

  /**
   * The storage sequence of one produce call, one request after the other: its GetItems
   * (topic, quota), its BatchGetItems (the heads), the PutObject, the TransactWriteItems.
   * `shape` gives how many of each a produce call
   * made in the cell this is compared with, so the floor follows the code as it changes.
   */
  async floor(objectBytes: number, concurrency: number, bounds: Bounds, shape: FloorShape = DEFAULT_FLOOR): Promise<RawCell> {
    const body = randomBytes(Math.max(1, Math.round(objectBytes)));
    const result = await runBounded(concurrency, bounds, async (worker) => {
      for (let i = 0; i < shape.getItems; i++) {
        await this.raw.ddb.send(new GetCommand({ TableName: this.raw.topicsTable, Key: this.raw.topicKey, ConsistentRead: true }));
      }
      for (let i = 0; i < shape.batchGets - 1; i++) await this.readHead(worker);
      let key = '';
      for (let i = 0; i < shape.puts; i++) key = await this.putObject(body);
      if (shape.batchGets > 0) await this.readHead(worker);
      for (let i = 0; i < shape.transactions; i++) await this.transact(worker, i === 0 ? key : `${key}#${i}`);
      return { bytes: body.byteLength };
    });
    return this.report({ kind: 'floor', objectBytes: body.byteLength, concurrency, shape, ...figures(result) });
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
