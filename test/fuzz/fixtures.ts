import { createServer, type Server } from 'node:http';
import { streamPathOf } from '../../lib/protocol/durable-streams';
import type { TestPlatform } from '../support/local-platform';
import { DS_FIXTURE_PRODUCER, DS_FIXTURE_WRITER_SEQ, DS_STREAMS } from './durable-streams';
import type { WireClient } from './http';
import type { Fixtures } from './routes';

/**
 * The state the fuzzer's requests aim at: topics with records, a group with a live
 * member and committed offsets, a push subscription (to a local HTTP target) that has
 * delivered everything, ACL rules and a quota. `repair` puts it back after a request
 * the API wrongly accepted, so the rest of a run still starts from valid requests.
 */
export const TOKENS = { admin: 't-fuzz-admin', nobody: 't-fuzz-nobody', alice: 't-fuzz-alice' } as const;
export type Principal = 'admin' | 'nobody';

/** Token auth with ACLs on; `admin` bypasses ACLs, `nobody` has no rule at all. Set before the platform starts. */
export function useFuzzAuth(env: NodeJS.ProcessEnv = process.env): void {
  env.SLUICE_AUTH_MODE = 'token';
  env.SLUICE_AUTH_TOKENS = Object.entries(TOKENS)
    .map(([principal, token]) => `${principal}=${token}`)
    .join(',');
  env.SLUICE_ADMIN_PRINCIPALS = 'admin';
  delete env.SLUICE_AUTHORIZATION;
  delete env.SLUICE_DEFAULT_PRODUCE_BYTES_PER_SECOND;
  delete env.SLUICE_DEFAULT_FETCH_BYTES_PER_SECOND;
  // No Lambda push target is allowed: any lambda target is a 400.
  delete env.SLUICE_PUSH_TARGET_FUNCTION_ARNS;
}

const RECORDS_PER_PARTITION = 5;
const FIXTURE_SUBSCRIPTION = { batchSize: 10, batchingWindowMs: 0, retryAttempts: 2, maxRecordAgeSeconds: -1, bisectOnError: true, resetPolicy: 'earliest' };
const FIXTURE_RULES = [
  { principal: 'alice', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: 'fuzz-a', operation: 'READ', permission: 'ALLOW' },
  { principal: 'alice', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'fuzz-', operation: 'WRITE', permission: 'ALLOW' },
  { principal: 'alice', resourceType: 'GROUP', patternType: 'LITERAL', resourceName: 'fuzz-live', operation: 'READ', permission: 'DENY' },
];
const FIXTURE_QUOTA = { principal: 'alice', produceBytesPerSecond: 1_000_000, fetchBytesPerSecond: 2_000_000 };

/** A push target that acknowledges every delivery and counts them. */
export interface PushTarget {
  readonly url: string;
  deliveries: number;
  close(): Promise<void>;
}

export async function startPushTarget(): Promise<PushTarget> {
  const target = { url: '', deliveries: 0, close: async () => undefined } as PushTarget;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      target.deliveries++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export class FixtureSet {
  readonly fixtures: Fixtures;
  /** Bumped by every repair, so cached answers about the fixtures are asked again. */
  version = 0;
  private lastHeartbeat = 0;

  private constructor(
    private readonly client: WireClient,
    private readonly env: TestPlatform,
    readonly target: PushTarget,
  ) {
    this.fixtures = {
      topics: { a: 'fuzz-a', b: 'fuzz-b', deadLetter: 'fuzz-push.dlq' },
      liveGroup: 'fuzz-live',
      memberId: '',
      generation: 0,
      pushGroup: 'fuzz-push',
      pushUrl: target.url,
      ruleId: '',
      producer: { id: 0, epoch: 0, nextSequence: 0 },
      highWatermarkA1: 0,
      streams: DS_STREAMS,
    };
  }

  static async create(client: WireClient, env: TestPlatform, target: PushTarget): Promise<FixtureSet> {
    const set = new FixtureSet(client, env, target);
    await set.ensure();
    return set;
  }

  private async admin(method: string, path: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<any> {
    const answer = await this.client.json(TOKENS.admin, method, path, body);
    if (!ok.includes(answer.status)) throw new Error(`fixture ${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Creates whatever is missing and undoes what is extra; idempotent. */
  async ensure(): Promise<void> {
    const fx = this.fixtures;
    const topics: { name: string }[] = (await this.admin('GET', '/v1/topics')).topics;
    const names = new Set(topics.map((t) => t.name));
    for (const name of [fx.topics.a, fx.topics.b]) {
      if (names.has(name)) continue;
      await this.admin('POST', '/v1/topics', { name, partitions: 2 });
      for (const partition of [0, 1]) {
        const records = Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => ({ key: `k${i}`, value: `${name}-${partition}-${i}`, headers: [{ key: 'fixture', value: 'yes' }], partition }));
        await this.admin('POST', `/v1/topics/${name}/records`, { records });
      }
    }
    // Topics a wrongly accepted create made; the dead-letter topic is the subscription's; streams' topics go with their streams.
    for (const name of names) {
      if ([fx.topics.a, fx.topics.b, fx.topics.deadLetter].includes(name) || streamPathOf(name) !== undefined) continue;
      await this.admin('DELETE', `/v1/topics/${encodeURIComponent(name)}`, undefined, [204, 404]);
    }
    await this.ensureStreams([...names].filter((name) => streamPathOf(name) !== undefined));

    // A new producer epoch: its next sequence on a partition is 0 again.
    const producer = await this.admin('POST', '/v1/producers', { name: 'fuzz-producer' });
    fx.producer = { id: producer.producerId, epoch: producer.epoch, nextSequence: 0 };
    fx.highWatermarkA1 = (await this.admin('GET', `/v1/topics/${fx.topics.a}/partitions/1/offsets`)).highWatermark;

    await this.ensureSubscription();
    await this.ensureMember();
    await this.ensureAcls();
    await this.admin('PUT', '/v1/quotas', FIXTURE_QUOTA);
    this.version++;
  }

  /**
   * The Durable Streams fixtures as DS_BASES expect them; streams a wrongly accepted create
   * made are deleted. When one of the fixtures is not as it should be (deleted, closed,
   * its settings changed), they are all made again, forks first deleted.
   */
  private async ensureStreams(streamTopics: readonly string[]): Promise<void> {
    const s = this.fixtures.streams;
    const ds = (path: string) => `/ds/${path}`;
    const fixturePaths = new Set<string>(Object.values(s));
    for (const topic of streamTopics) {
      const path = streamPathOf(topic)!;
      if (fixturePaths.has(path)) continue;
      await this.admin('DELETE', ds(path.split('/').map(encodeURIComponent).join('/')), undefined, [204, 404, 410]);
    }
    const expected: Record<string, { type: string; closed: boolean }> = {
      [s.json]: { type: 'application/json', closed: false },
      [s.bytes]: { type: 'application/octet-stream', closed: false },
      [s.closed]: { type: 'text/plain', closed: true },
      [s.fork]: { type: 'application/json', closed: false },
      [s.doomed]: { type: 'application/json', closed: false },
    };
    let intact = true;
    for (const [path, want] of Object.entries(expected)) {
      const answer = await this.client.send({ method: 'HEAD', path: ds(path), headers: { authorization: `Bearer ${TOKENS.admin}` } });
      const closed = answer.headers['stream-closed'] === 'true';
      if (answer.status !== 200 || answer.headers['content-type'] !== want.type || closed !== want.closed || answer.headers['stream-ttl'] || answer.headers['stream-expires-at']) intact = false;
    }
    if (intact) return;
    for (const path of [s.fork, s.json, s.bytes, s.closed, s.doomed]) await this.admin('DELETE', ds(path), undefined, [204, 404, 410]);
    const put = async (path: string, headers: Record<string, string>, body?: string) => {
      const answer = await this.client.send({ method: 'PUT', path: ds(path), headers: { authorization: `Bearer ${TOKENS.admin}`, ...headers }, ...(body === undefined ? {} : { body: Buffer.from(body) }) });
      if (answer.status !== 201) throw new Error(`fixture PUT /ds/${path} answered ${answer.status}: ${answer.text}`);
    };
    const post = async (path: string, headers: Record<string, string>, body: string) => {
      const answer = await this.client.send({ method: 'POST', path: ds(path), headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json', ...headers }, body: Buffer.from(body) });
      if (answer.status >= 300) throw new Error(`fixture POST /ds/${path} answered ${answer.status}: ${answer.text}`);
    };
    await put(s.json, { 'content-type': 'application/json' }, '[{"fixture":0}]');
    await post(s.json, { 'stream-seq': DS_FIXTURE_WRITER_SEQ }, '[{"fixture":1}]');
    await post(s.json, { 'producer-id': DS_FIXTURE_PRODUCER.id, 'producer-epoch': String(DS_FIXTURE_PRODUCER.epoch), 'producer-seq': '0' }, '[{"fixture":2}]');
    await put(s.bytes, { 'content-type': 'application/octet-stream' }, 'fixture');
    await put(s.closed, { 'content-type': 'text/plain', 'stream-closed': 'true' }, 'fixture');
    await put(s.fork, { 'stream-forked-from': ds(s.json) });
    await put(s.doomed, { 'content-type': 'application/json' });
  }

  private async ensureSubscription(): Promise<void> {
    const fx = this.fixtures;
    const current = await this.client.json(TOKENS.admin, 'GET', `/v1/groups/${fx.pushGroup}/subscription`);
    const same = current.status === 200 && current.body.batchSize === FIXTURE_SUBSCRIPTION.batchSize && current.body.target?.url === fx.pushUrl && current.body.topic === fx.topics.a;
    if (!same) {
      await this.admin('PUT', `/v1/groups/${fx.pushGroup}/subscription`, {
        topic: fx.topics.a,
        target: { type: 'https', url: fx.pushUrl },
        deadLetterTopic: fx.topics.deadLetter,
        ...FIXTURE_SUBSCRIPTION,
      });
    }
    // Deliver everything now (not at the next minute's catch-up), and wait until it is committed.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const offsets = await this.admin('GET', `/v1/groups/${fx.pushGroup}/offsets`);
      if (offsets.partitions.length > 0 && offsets.partitions.every((p: any) => p.committedOffset === p.highWatermark)) return;
      if (Date.now() > deadline) throw new Error(`the fixture subscription did not deliver: ${JSON.stringify(offsets)}`);
      await this.env.platform.schedules.runNow('catch-up-deliveries').catch(() => undefined);
      await sleep(200);
    }
  }

  private async ensureMember(): Promise<void> {
    const fx = this.fixtures;
    const described = await this.client.json(TOKENS.admin, 'GET', `/v1/groups/${fx.liveGroup}`);
    const members: { memberId: string }[] = described.status === 200 ? described.body.memberDetails : [];
    for (const m of members) if (m.memberId !== fx.memberId) await this.admin('DELETE', `/v1/groups/${fx.liveGroup}/members/${encodeURIComponent(m.memberId)}`, undefined, [204, 404]);
    if (!members.some((m) => m.memberId === fx.memberId)) {
      const joined = await this.admin('POST', `/v1/groups/${fx.liveGroup}/members`, {
        topics: [fx.topics.a],
        sessionTimeoutMs: 300_000,
        assignor: 'sticky',
        resetPolicy: 'earliest',
        clientId: 'fuzz',
      });
      fx.memberId = joined.memberId;
    }
    // Wait for the coordinator's assignment of both partitions to the one member.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = await this.heartbeat(true);
      const partitions = (view?.assignment ?? []).flatMap((a: { partitions: number[] }) => a.partitions);
      const group = await this.admin('GET', `/v1/groups/${fx.liveGroup}`);
      if (view && !view.rebalanceInProgress && partitions.length === 2 && group.state === 'Stable') {
        fx.generation = view.generation;
        break;
      }
      if (Date.now() > deadline) throw new Error(`the fixture member was not assigned: ${JSON.stringify(view)}`);
      await sleep(200);
    }
    await this.admin('POST', `/v1/groups/${fx.liveGroup}/offsets`, {
      memberId: fx.memberId,
      generation: fx.generation,
      offsets: [0, 1].map((partition) => ({ topic: fx.topics.a, partition, offset: 2 })),
    });
  }

  private async ensureAcls(): Promise<void> {
    const fx = this.fixtures;
    const rules: ({ ruleId: string } & Record<string, string>)[] = (await this.admin('GET', '/v1/acls')).rules;
    const sameRule = (a: Record<string, string>, b: Record<string, string>) => Object.keys(b).every((k) => a[k] === b[k]);
    const kept = new Set<string>();
    for (const wanted of FIXTURE_RULES) {
      const found = rules.find((r) => !kept.has(r.ruleId) && sameRule(r, wanted));
      kept.add(found ? found.ruleId : (await this.admin('POST', '/v1/acls', wanted)).ruleId);
    }
    for (const rule of rules) if (!kept.has(rule.ruleId)) await this.admin('DELETE', `/v1/acls/${encodeURIComponent(rule.ruleId)}`, undefined, [204, 404]);
    fx.ruleId = [...kept][0]!;
  }

  /** Renews the fixture member's lease (at most once a minute unless forced); answers its view. */
  async heartbeat(force = false): Promise<any> {
    if (!force && Date.now() - this.lastHeartbeat < 60_000) return undefined;
    const fx = this.fixtures;
    const answer = await this.client.json(TOKENS.admin, 'POST', `/v1/groups/${fx.liveGroup}/members/${encodeURIComponent(fx.memberId)}/heartbeat`);
    if (answer.status !== 200) return undefined;
    this.lastHeartbeat = Date.now();
    return answer.body;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
