/**
 * An in-memory fake of the parts of the Sluice HTTP API a group consumer uses: topics
 * (describe, fetch with long-poll) and consumer groups (join, heartbeat, leave, commit,
 * offsets, list, describe), with the server's error codes. Its coordinator assigns
 * partitions by range as soon as membership changes, or, with `auto` off, only when
 * a test calls `assign`, so a test decides exactly when generations move. Partitions
 * also answer offsets and offsets-for-times, can be truncated (a log start offset past
 * 0), and each request is kept with when it came, how it was answered and when.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  /** When the request arrived (Date.now()). */
  at: number;
  /** The status answered; undefined while unanswered, or if the client went away first. */
  status?: number;
  /** When the connection closed (answered or abandoned). */
  closedAt?: number;
}

/** A commit the fake accepted. */
export interface AcceptedCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  generation: number | undefined;
  memberId: string | undefined;
}

interface FakeMember {
  memberId: string;
  topics: string[];
  sessionTimeoutMs: number;
  expiresAt: number;
  /** As a Kafka member's: its client id and host. */
  clientId?: string;
  clientHost?: string;
}

export interface FakeGroup {
  name: string;
  generation: number;
  assignor: string;
  resetPolicy: 'earliest' | 'latest';
  members: Map<string, FakeMember>;
  /** The members the current generation was computed for, and their partitions (one topic per group in these tests). */
  generationMembers: string[];
  assignment: Map<string, { topic: string; partitions: number[] }[]>;
  committed: Map<string, number>;
  /** Rebalance on every join and leave; otherwise only when the test calls `assign`. */
  auto: boolean;
}

interface Injected {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  times: number;
}

export class FakeGroupServer {
  readonly topics = new Map<string, string[][]>();
  readonly groups = new Map<string, FakeGroup>();
  readonly requests: SeenRequest[] = [];
  /** Every offset the fake accepted in a commit, in order. */
  readonly accepted: AcceptedCommit[] = [];
  /** Record timestamps by topic and partition (1 unless appended with `appendAt`). */
  private readonly timestamps = new Map<string, number[][]>();
  /** Log start offsets by `topic#partition` (0 unless truncated). */
  private readonly logStarts = new Map<string, number>();
  private readonly injected: Injected[] = [];
  private server!: Server;
  private nextMember = 1;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://fake');
        const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body: raw ? JSON.parse(raw) : undefined, at: Date.now() };
        this.requests.push(seen);
        res.on('finish', () => (seen.status = res.statusCode));
        res.on('close', () => (seen.closedAt = Date.now()));
        void this.handle(seen, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  /** The next `times` requests matching answer `status` with `body`. */
  inject(method: string, path: RegExp, status: number, body: unknown, times = 1): void {
    this.injected.push({ method, path, status, body, times });
  }

  createTopic(name: string, partitions: number): void {
    this.topics.set(name, Array.from({ length: partitions }, () => []));
    this.timestamps.set(name, Array.from({ length: partitions }, () => []));
  }

  /** Appends values `<prefix><offset>` to a partition. */
  append(topic: string, partition: number, count: number, prefix = `p${partition}-`): void {
    this.appendAt(topic, partition, Array.from({ length: count }, () => 1), prefix);
  }

  /** Appends one record per timestamp, values `<prefix><offset>`. */
  appendAt(topic: string, partition: number, timestamps: number[], prefix = `p${partition}-`): void {
    const log = this.topics.get(topic)![partition]!;
    const times = this.timestamps.get(topic)![partition]!;
    for (const timestamp of timestamps) {
      times[log.length] = timestamp;
      log.push(`${prefix}${log.length}`);
    }
  }

  /** Deletes records before `logStartOffset`, as retention would: fetching below it is OFFSET_OUT_OF_RANGE. */
  truncate(topic: string, partition: number, logStartOffset: number): void {
    this.logStarts.set(`${topic}#${partition}`, logStartOffset);
  }

  private logStart(topic: string, partition: number): number {
    return this.logStarts.get(`${topic}#${partition}`) ?? 0;
  }

  /** Creates a group (with no members) so tests can set commits and policies before anyone joins. */
  group(name: string, settings: Partial<Pick<FakeGroup, 'resetPolicy' | 'auto' | 'assignor'>> = {}): FakeGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = {
        name,
        generation: 0,
        assignor: settings.assignor ?? 'sticky',
        resetPolicy: settings.resetPolicy ?? 'latest',
        members: new Map(),
        generationMembers: [],
        assignment: new Map(),
        committed: new Map(),
        auto: settings.auto ?? true,
      };
      this.groups.set(name, group);
    }
    return group;
  }

  /** A new generation with exactly this assignment (memberId → partitions of `topic`). */
  assign(groupName: string, topic: string, assignment: Record<string, number[]>): number {
    const group = this.groups.get(groupName)!;
    group.generation++;
    group.generationMembers = Object.keys(assignment);
    group.assignment = new Map(Object.entries(assignment).map(([id, partitions]) => [id, partitions.length > 0 ? [{ topic, partitions: [...partitions].sort((a, b) => a - b) }] : []]));
    return group.generation;
  }

  /** Drops a member as an expired lease would: its next heartbeat or commit is UNKNOWN_MEMBER. */
  expel(groupName: string, memberId: string): void {
    const group = this.groups.get(groupName)!;
    group.members.delete(memberId);
    if (group.auto) this.rebalance(group);
  }

  memberIds(groupName: string): string[] {
    return [...(this.groups.get(groupName)?.members.keys() ?? [])];
  }

  commits(groupName?: string): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && /^\/v1\/groups\/[^/]+\/offsets$/.test(r.path) && (groupName === undefined || r.path === `/v1/groups/${groupName}/offsets`));
  }

  private rebalance(group: FakeGroup): void {
    const members = [...group.members.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    const topic = members[0]?.topics[0];
    const count = topic ? (this.topics.get(topic)?.length ?? 0) : 0;
    const assignment: Record<string, number[]> = Object.fromEntries(members.map((m) => [m.memberId, [] as number[]]));
    for (let p = 0; p < count; p++) assignment[members[Math.floor((p * members.length) / count)]!.memberId]!.push(p);
    this.assign(group.name, topic ?? '', assignment);
  }

  private view(group: FakeGroup, member: FakeMember, rebalanceInProgress: boolean): Record<string, unknown> {
    const current = !rebalanceInProgress && group.generationMembers.includes(member.memberId);
    return {
      group: group.name,
      memberId: member.memberId,
      generation: group.generation,
      assignment: current ? (group.assignment.get(member.memberId) ?? []) : [],
      rebalanceInProgress: !current,
      sessionTimeoutMs: member.sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(100, Math.floor(member.sessionTimeoutMs / 3)),
    };
  }

  private positions(group: FakeGroup, topicFilter?: string): Record<string, unknown>[] {
    const topics = topicFilter ? [topicFilter] : [...new Set([...group.members.values()].flatMap((m) => m.topics).concat([...group.committed.keys()].map((k) => k.split('#')[0]!)))].sort();
    return topics.flatMap((topic) =>
      (this.topics.get(topic) ?? []).map((log, partition) => {
        const committed = group.committed.get(`${topic}#${partition}`);
        const logStartOffset = this.logStart(topic, partition);
        const position = committed ?? (group.resetPolicy === 'earliest' ? logStartOffset : log.length);
        return { topic, partition, committedOffset: committed ?? null, position, logStartOffset, highWatermark: log.length, lag: Math.max(0, log.length - position) };
      }),
    );
  }

  private async handle(req: SeenRequest, res: ServerResponse): Promise<void> {
    const injected = this.injected.find((i) => i.times > 0 && i.method === req.method && i.path.test(req.path));
    if (injected) {
      injected.times--;
      return send(res, injected.status, injected.body);
    }
    const parts = req.path.split('/').slice(1).map(decodeURIComponent);
    const route = `${req.method} /${parts.map((p, i) => (i === 2 || i === 4 ? '*' : p)).join('/')}`;
    if (parts[1] === 'topics') {
      const log = this.topics.get(parts[2] ?? '');
      if (!log) return error(res, 404, 'TOPIC_NOT_FOUND', `Topic '${parts[2]}' does not exist`);
      if (route === 'GET /v1/topics/*') {
        return send(res, 200, {
          name: parts[2],
          topicId: 't',
          partitions: log.length,
          config: {},
          createdAt: 0,
        });
      }
      if (route === 'GET /v1/topics/*/offsets') {
        return send(res, 200, { topic: parts[2], partitions: log.map((l, partition) => ({ partition, logStartOffset: this.logStart(parts[2]!, partition), highWatermark: l.length })) });
      }
      if (route === 'GET /v1/topics/*/partitions/*/records') return this.fetch(parts[2]!, Number(parts[4]), req.query, res);
      if (route === 'GET /v1/topics/*/partitions/*/offsets') return this.offsets(parts[2]!, Number(parts[4]), req.query, res);
      return error(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`);
    }
    if (route === 'GET /v1/groups') {
      const groups = [...this.groups.values()].map((g) => ({ group: g.name, generation: g.generation, assignor: g.assignor, members: g.members.size, state: stateOf(g) }));
      return send(res, 200, { groups });
    }
    const group = this.groups.get(parts[2] ?? '');
    switch (`${req.method} ${parts.slice(3).map((p, i) => (i === 1 ? '*' : p)).join('/')}`) {
      case 'POST members': {
        const body = req.body as { topics: string[]; sessionTimeoutMs?: number; resetPolicy?: 'earliest' | 'latest'; clientId?: string; assignor?: string };
        for (const topic of body.topics) if (!this.topics.has(topic)) return error(res, 404, 'TOPIC_NOT_FOUND', `Topic '${topic}' does not exist`);
        const g = this.group(parts[2]!, { ...(body.resetPolicy && { resetPolicy: body.resetPolicy }), ...(body.assignor && { assignor: body.assignor }) });
        const member = { memberId: `${body.clientId ?? 'member'}-${this.nextMember++}`, topics: body.topics, sessionTimeoutMs: body.sessionTimeoutMs ?? 30_000, expiresAt: 0 };
        g.members.set(member.memberId, member);
        const answer = this.view(g, member, true);
        if (g.auto) this.rebalance(g);
        return send(res, 201, answer);
      }
      case 'POST members/*/heartbeat': {
        const member = group?.members.get(parts[4]!);
        if (!group || !member) return error(res, 404, 'UNKNOWN_MEMBER', `Group '${parts[2]}' has no member '${parts[4]}'`);
        return send(res, 200, this.view(group, member, false));
      }
      case 'DELETE members/*': {
        if (!group || !group.members.delete(parts[4]!)) return error(res, 404, 'UNKNOWN_MEMBER', `Group '${parts[2]}' has no member '${parts[4]}'`);
        if (group.auto) this.rebalance(group);
        return void res.writeHead(204).end();
      }
      case 'POST offsets': {
        const body = req.body as { memberId?: string; generation?: number; offsets: { topic: string; partition: number; offset: number }[] };
        const g = group ?? this.group(parts[2]!);
        if (body.memberId !== undefined) {
          if (body.generation !== g.generation) return error(res, 409, 'ILLEGAL_GENERATION', `generation ${body.generation} is not current (current is ${g.generation})`, { currentGeneration: g.generation });
          if (!g.generationMembers.includes(body.memberId)) return error(res, 409, 'ILLEGAL_GENERATION', `member '${body.memberId}' is not part of it`);
          const owned = (g.assignment.get(body.memberId) ?? []).flatMap((t) => t.partitions.map((p) => `${t.topic}#${p}`));
          for (const o of body.offsets) {
            if (!owned.includes(`${o.topic}#${o.partition}`)) return error(res, 409, 'PARTITION_NOT_ASSIGNED', `${o.topic}/${o.partition} is not assigned to '${body.memberId}'`);
          }
          if (!g.members.has(body.memberId)) return error(res, 404, 'UNKNOWN_MEMBER', `Group '${g.name}' has no member '${body.memberId}'`);
        } else if (g.members.size > 0) return error(res, 409, 'GROUP_ACTIVE', `Group '${g.name}' has active members`);
        for (const o of body.offsets) {
          g.committed.set(`${o.topic}#${o.partition}`, o.offset);
          this.accepted.push({ group: g.name, ...o, generation: body.generation, memberId: body.memberId });
        }
        return send(res, 200, { group: g.name, committed: body.offsets.map((o) => ({ group: g.name, ...o, generation: body.generation ?? -1, memberId: body.memberId ?? null, metadata: null, committedAt: 1 })) });
      }
      case 'GET offsets': {
        if (!group) return error(res, 404, 'GROUP_NOT_FOUND', `Group '${parts[2]}' does not exist`);
        const partitions = this.positions(group, req.query.get('topic') ?? undefined);
        return send(res, 200, { group: group.name, resetPolicy: group.resetPolicy, partitions, totalLag: partitions.reduce((s, p) => s + (p.lag as number), 0) });
      }
      case 'GET ': {
        if (!group) return error(res, 404, 'GROUP_NOT_FOUND', `Group '${parts[2]}' does not exist`);
        const partitions = this.positions(group);
        return send(res, 200, {
          group: group.name,
          generation: group.generation,
          assignor: group.assignor,
          resetPolicy: group.resetPolicy,
          members: group.members.size,
          state: stateOf(group),
          memberDetails: [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            topics: m.topics,
            expiresAt: m.expiresAt,
            assignment: group.generationMembers.includes(m.memberId) ? (group.assignment.get(m.memberId) ?? []) : [],
            ...(m.clientId !== undefined && { clientId: m.clientId }),
            ...(m.clientHost !== undefined && { clientHost: m.clientHost }),
          })),
          partitions,
          totalLag: partitions.reduce((s, p) => s + (p.lag as number), 0),
        });
      }
      default:
        return error(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`);
    }
  }

  private async fetch(topic: string, partition: number, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const log = this.topics.get(topic)![partition];
    if (!log) return error(res, 404, 'PARTITION_NOT_FOUND', `Topic '${topic}' has no partition ${partition}`);
    const offset = Number(query.get('offset') ?? 0);
    const maxRecords = Number(query.get('maxRecords') ?? 500);
    const logStartOffset = this.logStart(topic, partition);
    if (offset < logStartOffset || offset > log.length) return error(res, 416, 'OFFSET_OUT_OF_RANGE', `Offset ${offset} is out of range`, { offset, logStartOffset, highWatermark: log.length });
    const deadline = Date.now() + Number(query.get('waitMs') ?? 0);
    let gone = false;
    res.on('close', () => (gone = true));
    while (offset === log.length && Date.now() < deadline && !gone) await new Promise((r) => setTimeout(r, 10));
    const times = this.timestamps.get(topic)![partition]!;
    const records = log.slice(offset, offset + maxRecords).map((value, i) => ({ offset: offset + i, timestamp: times[offset + i] ?? 1, key: null, value: Buffer.from(value).toString('base64'), headers: [] }));
    send(res, 200, { topic, partition, encoding: 'base64', records, nextOffset: offset + records.length, highWatermark: log.length, logStartOffset });
  }

  /** `GET .../offsets`, and with `timestamp` offsets-for-times: the first offset whose timestamp is at least it, null if none. */
  private offsets(topic: string, partition: number, query: URLSearchParams, res: ServerResponse): void {
    const log = this.topics.get(topic)![partition];
    if (!log) return error(res, 404, 'PARTITION_NOT_FOUND', `Topic '${topic}' has no partition ${partition}`);
    const logStartOffset = this.logStart(topic, partition);
    const base = { topic, partition, logStartOffset, highWatermark: log.length };
    const at = query.get('timestamp');
    if (at === null) return send(res, 200, base);
    const timestamp = Number(at);
    const times = this.timestamps.get(topic)![partition]!;
    let offset: number | null = null;
    for (let o = logStartOffset; o < log.length && offset === null; o++) if ((times[o] ?? 1) >= timestamp) offset = o;
    send(res, 200, { ...base, timestamp, offset });
  }
}

function stateOf(group: FakeGroup): string {
  const live = [...group.members.keys()];
  if (live.length === 0 && group.generationMembers.length === 0) return 'Empty';
  return live.length === group.generationMembers.length && live.every((id) => group.generationMembers.includes(id)) ? 'Stable' : 'Rebalancing';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string, details: Record<string, unknown> = {}): void {
  send(res, status, { error: { code, message, retriable: false, ...details } });
}
