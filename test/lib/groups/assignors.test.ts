import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ASSIGNORS,
  assignPartitions,
  type Assignment,
  type AssignorName,
  type MemberSubscription,
  movedPartitions,
  type TopicPartitions,
} from '../../../lib/groups/assignors';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const key = (topic: string, partition: number) => JSON.stringify([topic, partition]);

/** Compact form for examples: { C0: ['t0p0', 't1p1'] } (topics here never end in p<digits>). */
function flat(assignment: Assignment): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(assignment).map(([m, tas]) => [m, tas.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}p${p}`))]),
  );
}

function owners(assignment: Assignment): Map<string, string> {
  const map = new Map<string, string>();
  for (const [m, tas] of Object.entries(assignment)) {
    for (const { topic, partitions } of tas) for (const p of partitions) map.set(key(topic, p), m);
  }
  return map;
}

function counts(assignment: Assignment): Map<string, number> {
  return new Map(Object.entries(assignment).map(([m, tas]) => [m, tas.reduce((n, ta) => n + ta.partitions.length, 0)]));
}

function partitionKeysOf(assignment: Assignment, memberId: string): Set<string> {
  return new Set((assignment[memberId] ?? []).flatMap(({ topic, partitions }) => partitions.map((p) => key(topic, p))));
}

/** Subscribed partitions: those of existing topics with at least one subscriber. */
function subscribedPartitionCount(members: readonly MemberSubscription[], topics: readonly TopicPartitions[]): number {
  const subscribed = new Set(members.flatMap((m) => m.topics));
  return topics.filter((t) => subscribed.has(t.topic)).reduce((n, t) => n + t.partitions, 0);
}

/** Exactly-once, subscribed-only, well-formed. */
function assertValid(assignment: Assignment, members: readonly MemberSubscription[], topics: readonly TopicPartitions[]): void {
  assert.deepEqual(Object.keys(assignment).sort(compare), members.map((m) => m.memberId).sort(compare), 'every member present, no one else');
  const partitionCount = new Map(topics.map((t) => [t.topic, t.partitions]));
  const subscriptions = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const seen = new Set<string>();
  for (const [memberId, tas] of Object.entries(assignment)) {
    assert.ok(Object.hasOwn(assignment, memberId));
    const topicNames = tas.map((ta) => ta.topic);
    assert.deepEqual(topicNames, [...topicNames].sort(compare), 'topics sorted');
    assert.equal(new Set(topicNames).size, topicNames.length, 'each topic once per member');
    for (const { topic, partitions } of tas) {
      assert.ok(subscriptions.get(memberId)!.has(topic), `${memberId} got ${topic} without subscribing`);
      assert.ok(partitionCount.has(topic), `unknown topic ${topic} assigned`);
      assert.ok(partitions.length > 0, 'no empty topic entries');
      for (let i = 0; i < partitions.length; i++) {
        const p = partitions[i]!;
        assert.ok(Number.isInteger(p) && p >= 0 && p < partitionCount.get(topic)!, `partition ${topic}/${p} out of range`);
        if (i > 0) assert.ok(partitions[i - 1]! < p, 'partitions strictly ascending');
        assert.ok(!seen.has(key(topic, p)), `${topic}/${p} assigned twice`);
        seen.add(key(topic, p));
      }
    }
  }
  assert.equal(seen.size, subscribedPartitionCount(members, topics), 'every subscribed partition assigned');
}

/** No partition could move from its owner to a subscriber of its topic with at least 2 fewer partitions. */
function assertLocallyBalanced(assignment: Assignment, members: readonly MemberSubscription[]): void {
  const load = counts(assignment);
  for (const [owner, tas] of Object.entries(assignment)) {
    for (const { topic } of tas) {
      for (const m of members) {
        if (m.topics.includes(topic)) {
          assert.ok(load.get(m.memberId)! >= load.get(owner)! - 1, `${topic} could move from ${owner} (${load.get(owner)}) to ${m.memberId} (${load.get(m.memberId)})`);
        }
      }
    }
  }
}

function assertBalanced(assignment: Assignment): void {
  const loads = [...counts(assignment).values()];
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `unbalanced loads ${loads.join(',')}`);
}

/** A deterministic Fisher-Yates shuffle driven by a seed (mulberry32). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Ids and topic names, including ones that are special on plain objects. */
const nameArb = fc.oneof(
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), weight: 1 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 6 }), weight: 9 },
);

interface Scenario {
  topics: TopicPartitions[];
  members: MemberSubscription[];
  /** An assignment computed for a different group: other members (some gone), other subscriptions, other topic sizes. */
  previous: Assignment;
  /** A name that is neither a member nor a topic. */
  fresh: string;
  seed: number;
}

const topicsArb = fc.uniqueArray(fc.record({ topic: nameArb, partitions: fc.integer({ min: 1, max: 64 }) }), {
  minLength: 1,
  maxLength: 5,
  selector: (t) => t.topic,
});

/** `identical`: every member subscribes to the same (non-empty) set of topics. */
function scenarioArb(identical: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({
      topics: topicsArb,
      ids: fc.uniqueArray(nameArb, { minLength: 20, maxLength: 24 }),
      seed: fc.noShrink(fc.integer()),
    })
    .chain(({ topics, ids, seed }) => {
      // The last ids are reserved: one unknown topic, one vanished topic, one fresh name;
      // and members of the previous generation that have left are drawn from the rest.
      const names = topics.map((t) => t.topic);
      const spare = ids.filter((id) => !names.includes(id));
      if (spare.length < 3 + 12) return fc.constant(null);
      const [unknownTopic, vanishedTopic, fresh, ...memberPool] = spare as [string, string, string, ...string[]];
      const subscriptionArb = fc.subarray([...names, unknownTopic]);
      return fc
        .record({
          memberCount: fc.integer({ min: 1, max: 12 }),
          common: fc.subarray(names, { minLength: 1 }),
          subs: fc.array(subscriptionArb, { minLength: memberPool.length, maxLength: memberPool.length }),
          stay: fc.array(fc.boolean(), { minLength: memberPool.length, maxLength: memberPool.length }),
          prevSubs: fc.array(fc.subarray([...names, vanishedTopic]), { minLength: memberPool.length, maxLength: memberPool.length }),
          prevSizes: fc.array(fc.option(fc.integer({ min: 1, max: 64 }), { freq: 1 }), { minLength: topics.length, maxLength: topics.length }),
          prevAssignor: fc.constantFrom(...ASSIGNORS),
        })
        .map(({ memberCount, common, subs, stay, prevSubs, prevSizes, prevAssignor }): Scenario | null => {
          const memberIds = memberPool.slice(0, memberCount);
          const members = memberIds.map((memberId, i) => ({ memberId, topics: identical ? [...common] : subs[i]! }));
          // Previous generation: each id of the pool with probability 1/2, current members and ones that have left since.
          const prevMembers = memberPool.map((memberId, i) => ({ memberId, topics: prevSubs[i]! })).filter((_, i) => stay[i]);
          const prevTopics = [
            ...topics.map((t, i) => ({ topic: t.topic, partitions: prevSizes[i] ?? t.partitions })),
            { topic: vanishedTopic, partitions: 3 },
          ];
          const previous = assignPartitions(prevAssignor, prevMembers, prevTopics);
          return { topics, members, previous, fresh, seed };
        });
    })
    .filter((s): s is Scenario => s !== null);
}

const anyScenario = scenarioArb(false);
/** Each property sees this many random groups; the whole file stays around a second. */
const runs = { numRuns: 200 };
const identicalScenario = scenarioArb(true);

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

const t0t1 = [
  { topic: 't0', partitions: 3 },
  { topic: 't1', partitions: 3 },
];
const twoMembers = [
  { memberId: 'C0', topics: ['t0', 't1'] },
  { memberId: 'C1', topics: ['t0', 't1'] },
];

describe('range assignor (Kafka RangeAssignor)', () => {
  it('splits each topic into contiguous ranges, the first members taking the remainder', () => {
    assert.deepEqual(flat(assignPartitions('range', twoMembers, t0t1)), {
      C0: ['t0p0', 't0p1', 't1p0', 't1p1'],
      C1: ['t0p2', 't1p2'],
    });
  });

  it('returns the documented structure', () => {
    assert.deepEqual(assignPartitions('range', twoMembers, t0t1), {
      C0: [
        { topic: 't0', partitions: [0, 1] },
        { topic: 't1', partitions: [0, 1] },
      ],
      C1: [
        { topic: 't0', partitions: [2] },
        { topic: 't1', partitions: [2] },
      ],
    });
  });

  it('ranges each topic over its own subscribers only, and leaves members beyond the partition count empty', () => {
    const members = [
      { memberId: 'b', topics: ['x'] },
      { memberId: 'a', topics: ['x', 'y'] },
      { memberId: 'c', topics: ['y'] },
      { memberId: 'd', topics: ['x'] },
    ];
    const topics = [
      { topic: 'x', partitions: 2 },
      { topic: 'y', partitions: 5 },
    ];
    assert.deepEqual(flat(assignPartitions('range', members, topics)), {
      a: ['xp0', 'yp0', 'yp1', 'yp2'],
      b: ['xp1'],
      c: ['yp3', 'yp4'],
      d: [],
    });
  });

  it('property: each subscriber gets one contiguous block, in memberId order, floor(n/m) or ceil(n/m) long with the larger ones first', () => {
    fc.assert(
      fc.property(anyScenario, ({ topics, members }) => {
        const assignment = assignPartitions('range', members, topics);
        assertValid(assignment, members, topics);
        for (const { topic, partitions: n } of topics) {
          const subscribers = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort(compare);
          let next = 0;
          subscribers.forEach((memberId, i) => {
            const size = Math.floor(n / subscribers.length) + (i < n % subscribers.length ? 1 : 0);
            const got = assignment[memberId]!.find((ta) => ta.topic === topic)?.partitions ?? [];
            assert.deepEqual(got, Array.from({ length: size }, (_, k) => next + k));
            next += size;
          });
        }
      }),
      runs,
    );
  });
});

describe('roundrobin assignor (Kafka RoundRobinAssignor)', () => {
  it('deals all topic-partitions in turn to members sorted by id', () => {
    assert.deepEqual(flat(assignPartitions('roundrobin', twoMembers, t0t1)), {
      C0: ['t0p0', 't0p2', 't1p1'],
      C1: ['t0p1', 't1p0', 't1p2'],
    });
  });

  it('skips members not subscribed to a topic (the Kafka documentation example)', () => {
    const topics = [
      { topic: 't0', partitions: 1 },
      { topic: 't1', partitions: 2 },
      { topic: 't2', partitions: 3 },
    ];
    const members = [
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
    ];
    assert.deepEqual(flat(assignPartitions('roundrobin', members, topics)), {
      C0: ['t0p0'],
      C1: ['t1p0'],
      C2: ['t1p1', 't2p0', 't2p1', 't2p2'],
    });
    // And once C0 has left, as in Kafka's StickyAssignor documentation.
    assert.deepEqual(flat(assignPartitions('roundrobin', members.slice(0, 1).concat(members.slice(2)), topics)), {
      C1: ['t0p0', 't1p1'],
      C2: ['t1p0', 't2p0', 't2p1', 't2p2'],
    });
  });

  it('property: with identical subscriptions the k-th partition (by topic, then partition) goes to the (k mod M)-th member', () => {
    fc.assert(
      fc.property(identicalScenario, ({ topics, members }) => {
        const assignment = assignPartitions('roundrobin', members, topics);
        assertValid(assignment, members, topics);
        assertBalanced(assignment);
        const sortedMembers = members.map((m) => m.memberId).sort(compare);
        const subscribed = topics.filter((t) => members[0]!.topics.includes(t.topic)).sort((a, b) => compare(a.topic, b.topic));
        const own = owners(assignment);
        let k = 0;
        for (const { topic, partitions } of subscribed) {
          for (let p = 0; p < partitions; p++, k++) assert.equal(own.get(key(topic, p)), sortedMembers[k % sortedMembers.length]);
        }
      }),
      runs,
    );
  });
});

describe('sticky assignor (Kafka StickyAssignor goals)', () => {
  const fourTopics = ['t0', 't1', 't2', 't3'].map((topic) => ({ topic, partitions: 2 }));
  const all = (ids: string[]) => ids.map((memberId) => ({ memberId, topics: ['t0', 't1', 't2', 't3'] }));
  const asSets = (a: Record<string, string[]>) => Object.fromEntries(Object.entries(a).map(([m, ps]) => [m, new Set(ps)]));

  it('without a previous assignment, balances like round robin (Kafka documentation example 1)', () => {
    assert.deepEqual(flat(assignPartitions('sticky', all(['C0', 'C1', 'C2']), fourTopics)), {
      C0: ['t0p0', 't1p1', 't3p0'],
      C1: ['t0p1', 't2p0', 't3p1'],
      C2: ['t1p0', 't2p1'],
    });
  });

  it('when C1 leaves, keeps all five partitions of C0 and C2 in place, where round robin moves five', () => {
    const before = assignPartitions('sticky', all(['C0', 'C1', 'C2']), fourTopics);
    const after = assignPartitions('sticky', all(['C0', 'C2']), fourTopics, before);
    assert.deepEqual(asSets(flat(after)), asSets({ C0: ['t0p0', 't1p1', 't3p0', 't2p0'], C2: ['t1p0', 't2p1', 't0p1', 't3p1'] }));
    assert.ok(movedPartitions(before, after).every((m) => m.from === 'C1'));
    // Round robin keeps only 3 of the 8 in place (Kafka's documentation says the same).
    const roundRobin = assignPartitions('roundrobin', all(['C0', 'C2']), fourTopics);
    assert.equal(movedPartitions(before, after).length, 3);
    assert.equal(movedPartitions(before, roundRobin).length, 5);
  });

  it('with unequal subscriptions, balances as far as subscriptions allow (Kafka documentation example 2)', () => {
    const topics = [
      { topic: 't0', partitions: 1 },
      { topic: 't1', partitions: 2 },
      { topic: 't2', partitions: 3 },
    ];
    const members = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ];
    const before = assignPartitions('sticky', members, topics);
    assert.deepEqual(flat(before), { C0: ['t0p0'], C1: ['t1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    const after = assignPartitions('sticky', members.slice(1), topics, before);
    assert.deepEqual(flat(after), { C1: ['t0p0', 't1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    assert.deepEqual(movedPartitions(before, after), [{ topic: 't0', partition: 0, from: 'C0', to: 'C1' }]);
  });

  it('keeps the extra partition with the members that already held the most', () => {
    // 7 partitions over 3 members: 3, 2, 2. 'c' held 5 (the others left), 'a' and 'b' held 1 each.
    const topics = [{ topic: 't', partitions: 7 }];
    const previous = { a: [{ topic: 't', partitions: [0] }], b: [{ topic: 't', partitions: [1] }], c: [{ topic: 't', partitions: [2, 3, 4, 5, 6] }] };
    const members = ['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['t'] }));
    const next = assignPartitions('sticky', members, topics, previous);
    assert.deepEqual(
      [...counts(next).entries()].sort(),
      [
        ['a', 2],
        ['b', 2],
        ['c', 3],
      ],
    );
    assert.equal(movedPartitions(previous, next).length, 2);
  });

  it('frees partitions of members that unsubscribed, and drops partitions of topics that shrank or vanished', () => {
    const previous: Assignment = {
      a: [
        { topic: 'gone', partitions: [0, 1] },
        { topic: 'x', partitions: [0, 1, 2, 3] },
      ],
      b: [{ topic: 'y', partitions: [0, 1] }],
    };
    const members = [
      { memberId: 'a', topics: ['x', 'y'] },
      { memberId: 'b', topics: ['x'] },
    ];
    const topics = [
      { topic: 'x', partitions: 2 },
      { topic: 'y', partitions: 2 },
    ];
    const next = assignPartitions('sticky', members, topics, previous);
    assertValid(next, members, topics);
    // x shrank to 2 partitions, both stay with a; b no longer reads y, so a takes it (4 vs 0);
    // balancing then hands b the x partitions, the only ones it can take.
    assert.deepEqual(flat(next), { a: ['yp0', 'yp1'], b: ['xp0', 'xp1'] });
  });

  it('when balancing, hands over newly assigned partitions before revoking retained ones', () => {
    const members = [
      { memberId: 'a', topics: ['x', 'z'] },
      { memberId: 'b', topics: ['x', 'y'] },
      { memberId: 'c', topics: ['y'] },
    ];
    const topics = [
      { topic: 'x', partitions: 3 },
      { topic: 'y', partitions: 2 },
      { topic: 'z', partitions: 2 },
    ];
    const previous: Assignment = { a: [{ topic: 'x', partitions: [0] }], b: [{ topic: 'y', partitions: [0, 1] }] };
    const next = assignPartitions('sticky', members, topics, previous);
    assertLocallyBalanced(next, members);
    // c can only read y, and balance needs it to have both y partitions: those 2 revocations are
    // unavoidable; a keeps x0 and gives b the new x2 instead.
    assert.deepEqual(flat(next), { a: ['xp0', 'zp0', 'zp1'], b: ['xp1', 'xp2'], c: ['yp0', 'yp1'] });
    assert.equal(movedPartitions(previous, next).filter((m) => m.from !== null).length, 2);
  });

  it('ignores previous claims that are malformed or contradictory, deterministically', () => {
    const members = ['a', 'b'].map((memberId) => ({ memberId, topics: ['t'] }));
    const topics = [{ topic: 't', partitions: 4 }];
    const previous: Assignment = {
      b: [{ topic: 't', partitions: [0, 1, 1, -1, 2.5, 99] }],
      a: [{ topic: 't', partitions: [1, 2] }],
      ghost: [{ topic: 't', partitions: [3] }],
    };
    const next = assignPartitions('sticky', members, topics, previous);
    assertValid(next, members, topics);
    // Partition 1 is claimed twice: the smallest memberId ('a') keeps it.
    assert.deepEqual(flat(next), { a: ['tp1', 'tp2'], b: ['tp0', 'tp3'] });
  });
});

describe('all assignors', () => {
  for (const assignor of ASSIGNORS) {
    it(`${assignor}: edge cases (no members, no topics, unknown topics, unsubscribed topics, empty topics)`, () => {
      assert.deepEqual(assignPartitions(assignor, [], t0t1), {});
      assert.deepEqual(assignPartitions(assignor, [{ memberId: 'a', topics: [] }], t0t1), { a: [] });
      assert.deepEqual(assignPartitions(assignor, [{ memberId: 'a', topics: ['nope'] }], t0t1), { a: [] });
      assert.deepEqual(assignPartitions(assignor, [{ memberId: 'a', topics: ['t0', 't0'] }], [...t0t1, { topic: 'e', partitions: 0 }]), {
        a: [{ topic: 't0', partitions: [0, 1, 2] }],
      });
      assert.deepEqual(assignPartitions(assignor, [{ memberId: 'a', topics: ['e'] }], [{ topic: 'e', partitions: 0 }]), { a: [] });
    });

    it(`${assignor}: keeps memberIds such as __proto__ as own keys`, () => {
      const result = assignPartitions(assignor, [{ memberId: '__proto__', topics: ['t0'] }], t0t1);
      assert.ok(Object.hasOwn(result, '__proto__'));
      assert.equal(Object.getPrototypeOf(result), Object.prototype);
      assert.deepEqual(Object.entries(result), [['__proto__', [{ topic: 't0', partitions: [0, 1, 2] }]]]);
    });

    it(`${assignor}: rejects duplicate members, duplicate topics and bad partition counts`, () => {
      assert.throws(() => assignPartitions(assignor, [...twoMembers, twoMembers[0]!], t0t1), RangeError);
      assert.throws(() => assignPartitions(assignor, twoMembers, [...t0t1, t0t1[0]!]), RangeError);
      assert.throws(() => assignPartitions(assignor, twoMembers, [{ topic: 't0', partitions: -1 }]), RangeError);
      assert.throws(() => assignPartitions(assignor, twoMembers, [{ topic: 't0', partitions: 1.5 }]), RangeError);
    });

    it(`${assignor} property: every subscribed partition goes to exactly one subscribed member, nothing else is assigned`, () => {
      fc.assert(
        fc.property(anyScenario, ({ topics, members, previous }) => {
          assertValid(assignPartitions(assignor, members, topics, previous), members, topics);
          assertValid(assignPartitions(assignor, members, topics), members, topics);
        }),
        runs,
      );
    });

    it(`${assignor} property: the result does not depend on the order of members, topics, subscriptions or the previous assignment`, () => {
      fc.assert(
        fc.property(anyScenario, ({ topics, members, previous, seed }) => {
          const expected = assignPartitions(assignor, members, topics, previous);
          const shuffledMembers = shuffle(members, seed).map((m, i) => ({ ...m, topics: shuffle(m.topics, seed + i) }));
          const shuffledPrevious: Assignment = Object.fromEntries(
            shuffle(Object.entries(previous), seed + 1).map(([m, tas], i) => [
              m,
              shuffle(tas, seed + i).map((ta) => ({ ...ta, partitions: shuffle(ta.partitions, seed - i) })),
            ]),
          );
          const actual = assignPartitions(assignor, shuffledMembers, shuffle(topics, seed + 2), shuffledPrevious);
          assert.equal(JSON.stringify(actual), JSON.stringify(expected));
        }),
        runs,
      );
    });
  }

  it('range and roundrobin ignore the previous assignment', () => {
    fc.assert(
      fc.property(anyScenario, ({ topics, members, previous }) => {
        for (const assignor of ['range', 'roundrobin'] as AssignorName[]) {
          assert.deepEqual(assignPartitions(assignor, members, topics, previous), assignPartitions(assignor, members, topics));
        }
      }),
      runs,
    );
  });
});

describe('sticky assignor properties', () => {
  it('balanced: with identical subscriptions, partition counts differ by at most 1, whatever the previous assignment', () => {
    fc.assert(
      fc.property(identicalScenario, ({ topics, members, previous }) => {
        assertBalanced(assignPartitions('sticky', members, topics, previous));
        assertBalanced(assignPartitions('sticky', members, topics));
      }),
      runs,
    );
  });

  it('balanced: with any subscriptions, no partition could move to a subscribed member with at least 2 fewer', () => {
    fc.assert(
      fc.property(anyScenario, ({ topics, members, previous }) => {
        assertLocallyBalanced(assignPartitions('sticky', members, topics, previous), members);
        assertLocallyBalanced(assignPartitions('sticky', members, topics), members);
      }),
      runs,
    );
  });

  it('sticky: with identical subscriptions, keeps the maximum number of partitions a balanced assignment can keep', () => {
    fc.assert(
      fc.property(identicalScenario, ({ topics, members, previous }) => {
        const next = assignPartitions('sticky', members, topics, previous);
        const subscribed = new Set(members[0]!.topics);
        const size = new Map(topics.map((t) => [t.topic, t.partitions]));
        const isMember = new Set(members.map((m) => m.memberId));
        // Partitions each member could keep: still a member, still subscribed, partition still exists.
        const keepable = new Map(members.map((m) => [m.memberId, 0]));
        for (const [m, tas] of Object.entries(previous)) {
          if (!isMember.has(m)) continue;
          for (const { topic, partitions } of tas) {
            if (subscribed.has(topic)) keepable.set(m, keepable.get(m)! + partitions.filter((p) => p < size.get(topic)!).length);
          }
        }
        const total = subscribedPartitionCount(members, topics);
        const floor = Math.floor(total / members.length);
        const extra = total % members.length;
        // The best any balanced assignment can do: the `extra` members with the most get ceil, the rest floor.
        const best = [...keepable.values()]
          .sort((a, b) => b - a)
          .reduce((sum, s, i) => sum + Math.min(s, floor + (i < extra ? 1 : 0)), 0);
        const prevOwners = owners(previous);
        const kept = [...owners(next)].filter(([k, m]) => prevOwners.get(k) === m).length;
        assert.equal(kept, best);
      }),
      runs,
    );
  });

  it('sticky: when a member leaves (identical subscriptions), only its partitions move and every other member keeps all it had', () => {
    fc.assert(
      fc.property(identicalScenario, fc.nat(), ({ topics, members, previous }, pick) => {
        fc.pre(members.length >= 2);
        const before = assignPartitions('sticky', members, topics, previous);
        const leaver = members[pick % members.length]!.memberId;
        const survivors = members.filter((m) => m.memberId !== leaver);
        const after = assignPartitions('sticky', survivors, topics, before);
        assertValid(after, survivors, topics);
        assertBalanced(after);
        for (const { memberId } of survivors) {
          const had = partitionKeysOf(before, memberId);
          const has = partitionKeysOf(after, memberId);
          for (const k of had) assert.ok(has.has(k), `${memberId} lost ${k}`);
        }
        const moved = movedPartitions(before, after);
        assert.ok(moved.every((m) => m.from === leaver && m.to !== null));
        assert.equal(moved.length, counts(before).get(leaver));
      }),
      runs,
    );
  });

  it('sticky: when a member joins (identical subscriptions), only the newcomer\'s share moves, floor(P/M) partitions, all to the newcomer', () => {
    fc.assert(
      fc.property(identicalScenario, ({ topics, members, previous, fresh }) => {
        const before = assignPartitions('sticky', members, topics, previous);
        const grown = [...members, { memberId: fresh, topics: [...members[0]!.topics] }];
        const after = assignPartitions('sticky', grown, topics, before);
        assertValid(after, grown, topics);
        assertBalanced(after);
        for (const { memberId } of members) {
          const had = partitionKeysOf(before, memberId);
          for (const k of partitionKeysOf(after, memberId)) assert.ok(had.has(k), `${memberId} gained ${k}`);
        }
        const moved = movedPartitions(before, after);
        assert.ok(moved.every((m) => m.to === fresh && m.from !== null));
        const share = counts(after).get(fresh)!;
        assert.equal(moved.length, share);
        const total = subscribedPartitionCount(grown, topics);
        assert.ok(share === Math.floor(total / grown.length) || share === Math.ceil(total / grown.length));
        // Stronger: the newcomer gets the smaller share, the fewest moves any balanced assignment needs.
        assert.equal(share, Math.floor(total / grown.length));
      }),
      runs,
    );
  });

  it('sticky: re-running with the same members and topics moves nothing', () => {
    fc.assert(
      fc.property(anyScenario, ({ topics, members, previous }) => {
        const once = assignPartitions('sticky', members, topics, previous);
        const twice = assignPartitions('sticky', members, topics, once);
        assert.deepEqual(twice, once);
        assert.deepEqual(movedPartitions(once, twice), []);
      }),
      runs,
    );
  });
});

describe('movedPartitions', () => {
  it('lists owner changes, new partitions (from null) and dropped ones (to null), by topic then partition', () => {
    const previous: Assignment = {
      a: [
        { topic: 'x', partitions: [0, 1] },
        { topic: 'z', partitions: [0] },
      ],
      b: [{ topic: 'x', partitions: [2] }],
    };
    const next: Assignment = {
      a: [{ topic: 'x', partitions: [0] }],
      b: [{ topic: 'x', partitions: [1, 2, 3] }],
      c: [],
    };
    assert.deepEqual(movedPartitions(previous, next), [
      { topic: 'x', partition: 1, from: 'a', to: 'b' },
      { topic: 'x', partition: 3, from: null, to: 'b' },
      { topic: 'z', partition: 0, from: 'a', to: null },
    ]);
    assert.deepEqual(movedPartitions({}, {}), []);
  });

  it('property: an assignment compared with itself moves nothing; compared with {} everything moves', () => {
    fc.assert(
      fc.property(anyScenario, fc.constantFrom(...ASSIGNORS), ({ topics, members, previous }, assignor) => {
        const assignment = assignPartitions(assignor, members, topics, previous);
        assert.deepEqual(movedPartitions(assignment, assignment), []);
        const all = movedPartitions({}, assignment);
        assert.equal(all.length, owners(assignment).size);
        assert.ok(all.every((m) => m.from === null && owners(assignment).get(key(m.topic, m.partition)) === m.to));
      }),
      runs,
    );
  });
});
