import fc from 'fast-check';
import { checkResponse, FAILURE_KINDS, parseErrorBody, type ErrorBody, type FailureKind } from './check';
import { TOKENS, type FixtureSet, type Principal } from './fixtures';
import type { WireClient, WireResponse } from './http';
import { methodsAt, mutationFamilies, type Expect, type Mutation } from './mutations';
import { cloneJson, toWire, type Draft, type WireRequest } from './request';
import { bodyFor, ROUTE_CASES, routeKey, SHAPE_FIXTURES, type Fixtures } from './routes';
import { diffStates, type State, type StateReader } from './state';

/**
 * The fuzz run: plans (route, base, one mutation, caller) drawn with fast-check from
 * a seed, sent a window at a time with the state read before and after each window.
 */
export interface Plan {
  readonly key: string;
  readonly base: number;
  readonly principal: Principal;
  readonly mutation: Mutation;
}

export interface FuzzOptions {
  readonly requests: number;
  readonly seed: number;
  readonly concurrency: number;
  /** Requests between state snapshots: a change is reported with this window. */
  readonly checkEvery: number;
  /** Share of requests sent by a principal with no ACL rules. */
  readonly nobodyShare: number;
  /** Failures kept with their requests (all are counted). */
  readonly keepFailures: number;
  readonly onProgress?: (progress: Progress) => void;
  /** Send these instead of drawing `requests` plans from the seed (tests of the harness itself). */
  readonly plans?: readonly Plan[];
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly perSecond: number;
  readonly failing: number;
  readonly stateChanges: number;
}

export interface Failure {
  /** The request's index in the run (for a state change, the window's first). */
  readonly index: number;
  readonly kind: FailureKind;
  readonly route: string;
  readonly label: string;
  readonly principal?: Principal;
  readonly request?: WireRequest;
  readonly response?: WireResponse;
  readonly problems: readonly string[];
  /** For a state change: the window's request indices, inclusive. */
  readonly window?: readonly [number, number];
}

export interface FuzzReport {
  readonly seed: number;
  readonly sent: number;
  /** Valid requests sent by the principal without rights, to compare its 403s with. */
  readonly references: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byRoute: Readonly<Record<string, { sent: number; failing: number }>>;
  /** Failing requests by their most severe problem; state changes by window. */
  readonly byKind: Readonly<Record<FailureKind, number>>;
  readonly failing: number;
  readonly failures: readonly Failure[];
  /** Failing requests grouped by kind, route and mutation family, most frequent first. */
  readonly signatures: readonly { signature: string; count: number }[];
  readonly durationMs: number;
}

export interface FuzzTarget {
  readonly client: WireClient;
  readonly fixtures: FixtureSet;
  readonly state: StateReader;
  readonly routes: readonly { method: string; path: string }[];
}

/** Every route's plans: uniform over routes, then over the route's bases and mutation families. */
export function planArbitrary(routes: readonly { method: string; path: string }[], nobodyShare: number): fc.Arbitrary<Plan> {
  const perRoute = routes.map((route) => {
    const key = routeKey(route);
    const entry = ROUTE_CASES[key];
    if (!entry) throw new Error(`no fuzz case for route ${key} (add one to test/fuzz/routes.ts)`);
    const perBase = entry.bases.map((base, index) => {
      const shape = base(SHAPE_FIXTURES);
      const families = entry.families ? entry.families(shape, routes) : mutationFamilies({ ...entry, method: route.method, path: route.path, body: bodyFor(key, shape.body) }, shape.body, routes);
      return fc.oneof(...families).map((mutation) => ({ key, base: index, mutation }));
    });
    return fc.oneof(...perBase);
  });
  const share = Math.round(nobodyShare * 100);
  const principal = fc.oneof({ weight: 100 - share, arbitrary: fc.constant<Principal>('admin') }, { weight: share, arbitrary: fc.constant<Principal>('nobody') });
  return fc.tuple(fc.oneof(...perRoute), principal).map(([plan, who]) => ({ ...plan, principal: share === 0 ? 'admin' : who }));
}

export function makePlans(routes: readonly { method: string; path: string }[], options: Pick<FuzzOptions, 'requests' | 'seed' | 'nobodyShare'>): Plan[] {
  return fc.sample(planArbitrary(routes, options.nobodyShare), { seed: options.seed, numRuns: options.requests });
}

export function buildDraft(key: string, baseIndex: number, fixtures: Fixtures, principal: Principal): Draft {
  const [method, pattern] = key.split(' ') as [string, string];
  const base = ROUTE_CASES[key]!.bases[baseIndex]!(fixtures);
  const body = base.rawBody !== undefined ? { bytes: Buffer.from(base.rawBody) } : base.body === undefined ? undefined : { json: cloneJson(base.body) };
  return {
    routeKey: key,
    method: base.method ?? method,
    pattern,
    params: { ...base.params },
    rawParams: { ...base.rawParams },
    query: Object.entries(base.query ?? {}),
    ...(body === undefined ? {} : { body }),
    headers: { ...base.headers, authorization: `Bearer ${TOKENS[principal]}` },
  };
}

function signatureOf(kind: FailureKind, route: string, label: string): string {
  // The mutation family, without the generated value: "records[0].value: lone surrogate".
  const family = label
    .replace(/\s*\(.*$/, '')
    .replace(/\s*["{[].*$/, '')
    .replace(/-?\d[\d.e+]*/g, 'N')
    .trim();
  return `${kind} | ${route} | ${family}`;
}

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const plans = options.plans ?? makePlans(target.routes, options);
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, { sent: number; failing: number }> = {};
  const byKind = Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<FailureKind, number>;
  const signatures = new Map<string, number>();
  const failures: Failure[] = [];
  let failing = 0;
  let sent = 0;
  let references = 0;
  const accepted: number[] = [];
  const referenceCache = new Map<string, Promise<ErrorBody | undefined>>();
  let lastProgress = 0;

  const fail = (failure: Failure) => {
    failing++;
    byKind[failure.kind]++;
    if (failure.kind !== 'state-change') byRoute[failure.route]!.failing++;
    const signature = signatureOf(failure.kind, failure.route, failure.label);
    signatures.set(signature, (signatures.get(signature) ?? 0) + 1);
    if (failures.length < options.keepFailures) failures.push(failure);
  };

  /** The 403 a caller without rights gets for the route's valid base request; undefined when it is not refused. */
  const reference = (plan: Plan): Promise<ErrorBody | undefined> => {
    const cacheKey = `${plan.key}#${plan.base}#${target.fixtures.version}`;
    let cached = referenceCache.get(cacheKey);
    if (!cached) {
      cached = (async () => {
        const wire = toWire(buildDraft(plan.key, plan.base, target.fixtures.fixtures, 'nobody'));
        references++;
        const response = await target.client.send(wire);
        const { error } = parseErrorBody(response);
        if (response.status === 403 && error?.code === 'ACCESS_DENIED') return error;
        fail({ index: -1, kind: 'auth-leak', route: plan.key, label: 'the valid request, from a principal without rights', principal: 'nobody', request: wire, response, problems: [`status ${response.status}, expected 403 ACCESS_DENIED`] });
        return undefined;
      })();
      referenceCache.set(cacheKey, cached);
    }
    return cached;
  };

  const runOne = async (plan: Plan, index: number) => {
    const entry = ROUTE_CASES[plan.key]!;
    const draft = buildDraft(plan.key, plan.base, target.fixtures.fixtures, plan.principal);
    plan.mutation.apply(draft);
    const wire = toWire(draft);
    let expect: Expect = plan.mutation.expect;
    let sameAs403: ErrorBody | undefined;
    if (plan.principal === 'nobody' && entry.auth !== 'none' && plan.mutation.scope !== 'route' && plan.mutation.scope !== 'method') {
      // Authorization comes before the body: a body mutation gets the same 403 as the valid request.
      if (plan.mutation.scope === 'body' && !plan.mutation.resource && !plan.mutation.beforeAuth) sameAs403 = await reference(plan);
      expect = { ...expect, status: [...expect.status, 403] };
    }
    byRoute[plan.key] ??= { sent: 0, failing: 0 };
    byRoute[plan.key]!.sent++;
    sent++;
    let response: WireResponse;
    try {
      response = await target.client.send(wire);
    } catch (error) {
      fail({ index, kind: 'transport', route: plan.key, label: plan.mutation.label, principal: plan.principal, request: wire, problems: [String(error)] });
      return;
    }
    byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
    if (response.status < 300) accepted.push(index);
    const problems = checkResponse({ response, expect, allowed: methodsAt(target.routes, wire.path.split('?')[0]!), ...(sameAs403 ? { sameAs403 } : {}) });
    if (problems.length > 0) {
      fail({ index, kind: problems[0]!.kind, route: plan.key, label: plan.mutation.label, principal: plan.principal, request: wire, response, problems: problems.map((p) => `${p.kind}: ${p.message}`) });
    }
    const now = Date.now();
    if (options.onProgress && now - lastProgress >= 2000) {
      lastProgress = now;
      options.onProgress({ done: sent, total: plans.length, perSecond: sent / ((now - started) / 1000), failing, stateChanges: byKind['state-change'] });
    }
  };

  let before = await settle(target.state);
  for (let from = 0; from < plans.length; from += options.checkEvery) {
    const to = Math.min(plans.length, from + options.checkEvery);
    accepted.length = 0;
    let next = from;
    await Promise.all(
      Array.from({ length: Math.max(1, options.concurrency) }, async () => {
        while (next < to) {
          const index = next++;
          await runOne(plans[index]!, index);
        }
      }),
    );
    await target.fixtures.heartbeat();
    const after = await target.state.snapshot();
    const changes = diffStates(before, after);
    if (changes.length === 0) {
      before = after;
      continue;
    }
    // Accepted writes first: they are the likely cause.
    const writesFirst = (i: number) => (plans[i]!.key.startsWith('GET ') ? 1 : 0);
    const suspects = accepted.sort((a, b) => writesFirst(a) - writesFirst(b) || a - b).map((i) => `#${i} ${plans[i]!.key} [${plans[i]!.mutation.label}] answered 2xx`);
    fail({
      index: from,
      kind: 'state-change',
      route: '(window)',
      label: `requests #${from}–#${to - 1}`,
      window: [from, to - 1],
      problems: [...changes.slice(0, 12), ...(changes.length > 12 ? [`… and ${changes.length - 12} more differences`] : []), ...suspects.slice(0, 8)],
    });
    // Put the fixtures back, so the next window starts from valid requests again.
    await target.fixtures.ensure();
    before = await settle(target.state);
  }
  options.onProgress?.({ done: sent, total: plans.length, perSecond: sent / ((Date.now() - started) / 1000), failing, stateChanges: byKind['state-change'] });
  return {
    seed: options.seed,
    sent,
    references,
    byStatus,
    byRoute,
    byKind,
    failing,
    failures,
    signatures: [...signatures].map(([signature, count]) => ({ signature, count })).sort((a, b) => b.count - a.count),
    durationMs: Date.now() - started,
  };
}

/** The state once background work (stream triggers, deliveries) has stopped moving it: two equal reads in a row. */
export async function settle(reader: StateReader, timeoutMs = 20_000): Promise<State> {
  const deadline = Date.now() + timeoutMs;
  let previous = await reader.snapshot();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = await reader.snapshot();
    if (diffStates(previous, current).length === 0 || Date.now() > deadline) return current;
    previous = current;
  }
}
