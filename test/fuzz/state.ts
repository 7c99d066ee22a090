import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { streamPathOf } from '../../lib/protocol/durable-streams';
import type { TestPlatform } from '../support/local-platform';
import { TOKENS, type PushTarget } from './fixtures';
import type { WireClient } from './http';

/**
 * Everything a bad request could change, read through the API as the admin plus the
 * bucket's object count and the Producers table's item count (producer ids have no
 * list route). Lease expiry times are left out: heartbeats move them legitimately.
 */
export type State = Record<string, unknown>;

export class StateReader {
  private readonly s3: S3Client;
  private readonly dynamodb: DynamoDBClient;

  constructor(
    private readonly client: WireClient,
    private readonly env: TestPlatform,
    private readonly target: PushTarget,
  ) {
    const { region } = env.config;
    this.s3 = new S3Client({ region, endpoint: env.platform.endpoints.s3, forcePathStyle: true });
    this.dynamodb = new DynamoDBClient({ region, endpoint: env.platform.endpoints.dynamodb });
  }

  private async get(path: string): Promise<{ status: number; body: any }> {
    return this.client.json(TOKENS.admin, 'GET', path);
  }

  async snapshot(): Promise<State> {
    const state: State = {};
    const topics: { name: string }[] = (await this.get('/v1/topics')).body.topics;
    for (const { name } of topics) {
      state[`topic ${name}`] = (await this.get(`/v1/topics/${encodeURIComponent(name)}`)).body;
      state[`topic ${name} offsets`] = (await this.get(`/v1/topics/${encodeURIComponent(name)}/offsets`)).body;
      const stream = streamPathOf(name);
      if (stream !== undefined) state[`stream ${stream}`] = await this.stream(stream);
    }
    const groups: { group: string }[] = (await this.get('/v1/groups')).body.groups;
    for (const { group } of groups) {
      const path = `/v1/groups/${encodeURIComponent(group)}`;
      const described = (await this.get(path)).body;
      for (const member of described.memberDetails ?? []) delete member.expiresAt;
      state[`group ${group}`] = described;
      state[`group ${group} offsets`] = (await this.get(`${path}/offsets`)).body;
      const subscription = await this.get(`${path}/subscription`);
      state[`group ${group} subscription`] = subscription.status === 200 ? subscription.body : `(${subscription.status})`;
    }
    state.acls = (await this.get('/v1/acls')).body.rules;
    state.quotas = (await this.get('/v1/quotas')).body.quotas;
    state['s3 objects'] = await this.objectCount();
    state['producers table items'] = await this.itemCount(this.env.config.tables.Producers);
    state['push deliveries'] = this.target.deliveries;
    return state;
  }

  /** A Durable Streams stream's metadata as HEAD answers it (its closure, settings and tail are not all in its topic's). */
  private async stream(path: string): Promise<Record<string, string | number>> {
    const answer = await this.client.send({ method: 'HEAD', path: `/ds/${path.split('/').map(encodeURIComponent).join('/')}`, headers: { authorization: `Bearer ${TOKENS.admin}` } });
    const kept = ['content-type', 'stream-next-offset', 'stream-closed', 'stream-ttl', 'stream-expires-at'];
    return { status: answer.status, ...Object.fromEntries(kept.filter((h) => answer.headers[h] !== undefined).map((h) => [h, answer.headers[h]!])) };
  }

  private async objectCount(): Promise<number> {
    let count = 0;
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.s3.send(new ListObjectsV2Command({ Bucket: this.env.config.bucket, ContinuationToken: token }));
      count += page.KeyCount ?? page.Contents?.length ?? 0;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return count;
  }

  private async itemCount(table: string): Promise<number> {
    let count = 0;
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await this.dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  close(): void {
    this.s3.destroy();
    this.dynamodb.destroy();
  }
}

/** The differences between two states, one line each (`path: before → after`). */
export function diffStates(before: unknown, after: unknown, path = '', out: string[] = []): string[] {
  if (Object.is(before, after)) return out;
  const bothObjects = typeof before === 'object' && typeof after === 'object' && before !== null && after !== null && Array.isArray(before) === Array.isArray(after);
  if (!bothObjects) {
    out.push(`${path || '(state)'}: ${short(before)} → ${short(after)}`);
    return out;
  }
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  for (const key of keys) {
    const next = Array.isArray(before) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    diffStates((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], next, out);
  }
  return out;
}

function short(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
