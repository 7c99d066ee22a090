/**
 * SluiceConsumer against the real local platform: a group of three sharing a topic
 * while one crashes, and the manual-assignment features (seek, offsets-for-times,
 * pause/resume, manual commit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SluiceConsumer, type ConsumerRecord, type TopicPartition } from '../../../lib/client/consumer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

let env: TestPlatform;
let client: SluiceHttpClient;
const consumers: SluiceConsumer[] = [];

before(async () => {
  env = await startTestPlatform();
  client = new SluiceHttpClient(env.url);
});

after(async () => {
  await Promise.allSettled(consumers.map((c) => c.close()));
  await env?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The next `n` records from an iterator, or a timeout. */
async function take(it: AsyncIterator<ConsumerRecord>, n: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const next = await Promise.race([it.next(), sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const)]);
    if (next === 'timeout') throw new Error(`timed out after ${out.length} of ${n} records`);
    if (next.done) throw new Error(`iteration ended after ${out.length} of ${n} records`);
    out.push(next.value);
  }
  return out;
}

async function topicWith(name: string, partitions: number, perPartition: number, timestampOf?: (p: number, i: number) => number): Promise<void> {
  await client.createTopic(name, { partitions });
  for (let p = 0; p < partitions; p++) {
    await client.produce(name, {
      records: Array.from({ length: perPartition }, (_, i) => ({ value: `${p}-${i}`, partition: p, ...(timestampOf && { timestamp: timestampOf(p, i) }) })),
    });
  }
}

function consumer(c: SluiceHttpClient, options: ConstructorParameters<typeof SluiceConsumer>[1]): SluiceConsumer {
  const made = new SluiceConsumer(c, { encoding: 'utf8', waitMs: 500, ...options });
  consumers.push(made);
  return made;
}

describe('SluiceConsumer', () => {
  test('three members share 6 partitions; one crashes mid-stream; every record is processed, committed offsets never go back', { timeout: 45_000 }, async () => {
    const topic = 'shared';
    const group = 'trio';
    await topicWith(topic, 6, 50);
    const processed = new Map<string, number>(); // "p-offset" -> times
    const perMember: number[] = [0, 0, 0];
    const assigns: TopicPartition[][] = [];
    const revokes: TopicPartition[][] = [];

    // The victim's network can be cut: no heartbeat, commit or leave gets through afterwards (a crash).
    let dead = false;
    const victimClient = new SluiceHttpClient({
      baseUrl: env.url,
      fetch: (input, init) => (dead ? Promise.reject(new TypeError('network is down')) : globalThis.fetch(input, init)),
    });
    const options = {
      groupId: group,
      topics: [topic],
      sessionTimeoutMs: 3000,
      resetPolicy: 'earliest' as const,
      autoCommitIntervalMs: 150,
      fetchMaxRecords: 10,
      onAssign: (tps: TopicPartition[]) => void assigns.push(tps),
      onRevoke: (tps: TopicPartition[]) => void revokes.push(tps),
    };
    const members = [consumer(victimClient, options), consumer(client, options), consumer(client, options)];

    // Committed offsets, polled during the run: never backwards.
    const lastCommitted = new Map<number, number>();
    let pollError: Error | undefined;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const offsets = await client.groupOffsets(group, { topic }).catch(() => undefined);
        for (const p of offsets?.partitions ?? []) {
          if (p.committedOffset === null) continue;
          const before = lastCommitted.get(p.partition) ?? -1;
          if (p.committedOffset < before) pollError ??= new Error(`partition ${p.partition} went back from ${before} to ${p.committedOffset}`);
          lastCommitted.set(p.partition, p.committedOffset);
        }
        await sleep(50);
      }
    })();

    const runs = members.map(async (m, i) => {
      for await (const r of m) {
        if (i === 0 && dead) await new Promise(() => {}); // crashed: never moves on
        const key = `${r.partition}-${r.offset}`;
        processed.set(key, (processed.get(key) ?? 0) + 1);
        assert.equal(r.value, `${r.partition}-${r.offset}`);
        perMember[i]!++;
        await sleep(i === 0 ? 15 : 3);
      }
    });
    runs.forEach((r) => r.catch(() => {}));

    await until('the victim to be mid-stream', () => perMember[0]! >= 20);
    dead = true;
    const killedAt = Date.now();
    await until('every record processed', () => processed.size === 300, 30_000);
    await until('every partition committed to its end', () => [0, 1, 2, 3, 4, 5].every((p) => lastCommitted.get(p) === 50), 15_000);
    assert.ok(Date.now() - killedAt > 1000, 'the survivors took over the victim partitions after its session lapsed');
    await members[1]!.close();
    await members[2]!.close();
    await Promise.all([runs[1], runs[2]]);
    polling = false;
    await poller;
    await members[0]!.close(); // stops its timers; its commit and leave fail, as after a crash

    if (pollError) throw pollError;
    assert.equal(processed.size, 300);
    assert.ok(perMember[1]! > 0 && perMember[2]! > 0);
    assert.ok(assigns.length >= 3, 'each member was assigned partitions');
    const offsets = await client.groupOffsets(group, { topic });
    assert.deepEqual(offsets.partitions.map((p) => p.committedOffset), [50, 50, 50, 50, 50, 50]);
    assert.equal(offsets.totalLag, 0);
  });

  test('seek, seekToBeginning, seekToEnd and seekToTimestamp move the next record; the tail is long-polled', { timeout: 20_000 }, async () => {
    const topic = 'seeks';
    const t0 = 1_700_000_000_000;
    await topicWith(topic, 1, 10, (_, i) => t0 + i * 1000);
    const tp = { topic, partition: 0 };
    const c = consumer(client, { resetPolicy: 'earliest' });
    await c.assign([tp]);
    assert.deepEqual(c.assignment(), [tp]);
    const it = c[Symbol.asyncIterator]();
    assert.deepEqual((await take(it, 3)).map((r) => r.offset), [0, 1, 2]);

    c.seek(tp, 7);
    assert.deepEqual((await take(it, 1)).map((r) => r.offset), [7]);

    assert.equal(await c.seekToTimestamp(tp, t0 + 4500), 5);
    assert.deepEqual((await take(it, 2)).map((r) => [r.offset, r.timestamp]), [[5, t0 + 5000], [6, t0 + 6000]]);

    assert.equal(await c.seekToTimestamp(tp, t0 + 60_000), 10, 'no record that late: the high watermark');

    await c.seekToBeginning();
    assert.deepEqual((await take(it, 1)).map((r) => r.offset), [0]);

    await c.seekToEnd();
    const waiting = take(it, 1);
    await sleep(200);
    await client.produce(topic, { records: [{ value: 'late', partition: 0 }] });
    const [late] = await waiting;
    assert.equal(late!.offset, 10);
    assert.equal(late!.value, 'late');
    await c.close();
    assert.equal((await it.next()).done, true, 'close ends the iteration');
  });

  test('leaving the loop mid-batch loses nothing: the next iteration starts at the record it left on, as a restart from a commit would', { timeout: 20_000 }, async () => {
    const topic = 'break-mid-batch';
    await topicWith(topic, 1, 10);
    const c = consumer(client, { resetPolicy: 'earliest' });
    await c.assign([{ topic, partition: 0 }]);
    const seen: number[] = [];
    for await (const record of c) {
      seen.push(record.offset);
      if (record.offset === 2) break; // the fetch brought all 10; 3-9 were not handed out, and 2 was not moved past
    }
    for await (const batch of c.batches()) {
      seen.push(...batch.map((r) => r.offset));
      break; // a batch held when leaving does not count as consumed either
    }
    for await (const record of c) {
      seen.push(record.offset);
      if (record.offset === 9) break;
    }
    const again = [2, 3, 4, 5, 6, 7, 8, 9];
    assert.deepEqual(seen, [0, 1, 2, ...again, ...again]);
    await c.close();
  });

  test('pause stops a partition being fetched, resume brings it back', { timeout: 20_000 }, async () => {
    const topic = 'pausing';
    await topicWith(topic, 2, 5);
    const p0 = { topic, partition: 0 };
    const p1 = { topic, partition: 1 };
    const c = consumer(client, { resetPolicy: 'earliest' });
    await c.assign([p0, p1]);
    c.pause([p0]);
    assert.deepEqual(c.paused(), [p0]);
    const it = c[Symbol.asyncIterator]();
    const first = await take(it, 5);
    assert.deepEqual(first.map((r) => `${r.partition}/${r.offset}`), ['1/0', '1/1', '1/2', '1/3', '1/4']);
    const none = await take(it, 1, 800).catch((err: Error) => err);
    assert.ok(none instanceof Error && /timed out/.test(none.message), 'nothing while partition 0 is paused');
    c.resume([p0]);
    // The pending next() from the timed-out take resolves first; it is a partition-0 record too.
    const rest = await take(it, 4);
    assert.deepEqual(rest.map((r) => r.partition), [0, 0, 0, 0]);
    await c.close();
  });

  test('autoCommit false: commit() sends the position past the records iterated past, close() does not commit, a later consumer starts there', { timeout: 20_000 }, async () => {
    const topic = 'manual';
    const group = 'manual-group';
    await topicWith(topic, 1, 10);
    const tp = { topic, partition: 0 };
    const c = consumer(client, { groupId: group, resetPolicy: 'earliest', autoCommit: false });
    await c.assign([tp]);
    const it = c[Symbol.asyncIterator]();
    const got = await take(it, 5);
    assert.deepEqual(got.map((r) => r.offset), [0, 1, 2, 3, 4]);
    await c.commit(); // the iterator is still on offset 4: committed is 4, not 5
    let offsets = await client.groupOffsets(group, { topic });
    assert.equal(offsets.partitions[0]!.committedOffset, 4);
    await take(it, 3);
    await c.close();
    offsets = await client.groupOffsets(group, { topic });
    assert.equal(offsets.partitions[0]!.committedOffset, 4, 'no commit on close without auto-commit');

    const again = consumer(client, { groupId: group, autoCommit: false });
    await again.assign([tp]);
    assert.equal(again.position(tp), 4);
    const batches = again.batches();
    const batch = await batches.next();
    assert.deepEqual(batch.value!.map((r) => r.offset), [4, 5, 6, 7, 8, 9]);
    const waiting = batches.next(); // moves past the batch, then waits at the tail until closed
    await sleep(100);
    await again.close();
    assert.equal((await waiting).done, true);
  });

  test('auto-commit on close commits past what was iterated', { timeout: 20_000 }, async () => {
    const topic = 'auto';
    const group = 'auto-group';
    await topicWith(topic, 1, 6);
    const tp = { topic, partition: 0 };
    const c = consumer(client, { groupId: group, resetPolicy: 'earliest' });
    await c.assign([tp]);
    const it = c[Symbol.asyncIterator]();
    await take(it, 3);
    await c.close();
    const offsets = await client.groupOffsets(group, { topic });
    assert.equal(offsets.partitions[0]!.committedOffset, 2, 'offset 2 was returned but not moved past');
  });
});
