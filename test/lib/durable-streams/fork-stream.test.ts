import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SluiceContext } from '../../../lib/core/context';
import { TopicNotFoundError } from '../../../lib/core/errors';
import { appendToStream } from '../../../lib/durable-streams/append-stream';
import { ForkSourceDeletedError, forkStream, type ForkRequest } from '../../../lib/durable-streams/fork-stream';
import { readStream } from '../../../lib/durable-streams/read-stream';
import { recordsOfBody } from '../../../lib/durable-streams/stream-body';
import { SoftDeletedPathError, createStream, dropStream, lookupStream, type OpenStream } from '../../../lib/durable-streams/stream-registry';
import { streamTopicName } from '../../../lib/protocol/durable-streams';
import { readHead, startEmptyHead } from '../../../lib/store/partition-head-store';
import { deleteStreamItem, readStreamItem } from '../../../lib/store/stream-item-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import type { TestPlatform } from '../../support/local-platform';
import { indexEntries } from '../../support/log-items';
import { startPlatformContext } from '../../support/platform-context';

/**
 * Durable Streams forks against the emulators (docs/design.md, "Durable Streams forks"):
 * reads stitch the sources' logs by pointer, so a fork holds no copy of what it
 * inherits; soft-deleted sources keep their data until the last fork goes.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

const topicOf = (path: string) => streamTopicName(path)!;

async function plain(path: string, contentType = 'text/plain', ...appends: string[]): Promise<OpenStream> {
  const { stream } = await createStream(ctx, path, topicOf(path), { contentType });
  for (const body of appends) await append(stream, body);
  return stream;
}

async function append(stream: OpenStream, body: string): Promise<number> {
  const json = stream.item.contentType === 'application/json';
  const outcome = await appendToStream(ctx, stream, recordsOfBody(Buffer.from(body), json, 'append'), {});
  return outcome.nextOffset;
}

async function fork(path: string, source: string, more: Partial<ForkRequest> = {}): Promise<OpenStream> {
  const outcome = await forkStream(ctx, { path, topicName: topicOf(path), sourcePath: source, sourceTopicName: topicOf(source), subOffset: 0, closed: false, ...more });
  assert.equal(outcome.kind, 'created');
  return outcome.stream;
}

async function text(stream: OpenStream, from: 'start' | number = 'start'): Promise<string> {
  const read = await readStream(ctx, stream, from === 'start' ? { kind: 'start' } : { kind: 'at', offset: from });
  return Buffer.concat(read.records.map((r) => r.value ?? new Uint8Array())).toString();
}

async function objectCount(): Promise<number> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket }));
  return listed.KeyCount ?? 0;
}

async function topicGone(name: string): Promise<boolean> {
  try {
    await getTopic(ctx, name);
    return false;
  } catch (error) {
    if (error instanceof TopicNotFoundError) return true;
    throw error;
  }
}

describe('stream forks', () => {
  it("reads the source's records through its log, writing no object and no index item for them", async () => {
    const source = await plain('f/src', 'text/plain', 'A', 'B', 'C');
    const objects = await objectCount();
    const child = await fork('f/child', 'f/src', { offset: 2 });
    assert.equal(await objectCount(), objects, 'the fork copied no object');
    assert.deepEqual(await indexEntries(ctx, child.topic.topicId), [], 'the fork indexes nothing it inherits');
    assert.deepEqual(child.item.fork?.inherited, [{ topicName: source.topic.name, topicId: source.topic.topicId, from: 0, to: 2 }]);
    const head = await readHead(ctx, child.topic.topicId, 0);
    assert.equal(head.logStartOffset, 2);
    assert.equal(head.nextOffset, 2);

    // The fork's own appends continue the source's offsets; the source's later ones stay its own.
    assert.equal(await append(child, 'x'), 3);
    await append(source, 'D');
    assert.equal(await text(child), 'ABx');
    assert.equal(await text(child, 1), 'Bx');
    assert.equal(await text(child, 2), 'x');
    assert.equal(await text(source), 'ABCD');
    const own = await indexEntries(ctx, child.topic.topicId);
    assert.deepEqual(
      own.map((e) => [e.baseOffset, e.lastOffset]),
      [[2, 2]],
    );
  });

  it('answers a long-poll in the inherited range at once, and waits at the tail for the fork alone', async () => {
    const source = await plain('f/lp-src', 'text/plain', 'abc');
    const child = await fork('f/lp-child', 'f/lp-src');
    const started = Date.now();
    const inherited = await readStream(ctx, child, { kind: 'start' }, { waitMs: 5_000 });
    assert.ok(Date.now() - started < 2_000);
    assert.equal(inherited.records.length, 1);
    assert.equal(inherited.upToDate, true);
    await append(source, 'more');
    const tail = await readStream(ctx, child, { kind: 'at', offset: inherited.nextOffset }, { waitMs: 300 });
    assert.deepEqual(tail.records, [], "the source's append does not reach the fork");
  });

  it('copies only the prefix of the record a byte sub-offset falls in, as the fork\'s first own record', async () => {
    await plain('f/sub-src', 'text/plain', 'first', 'second');
    const objects = await objectCount();
    const child = await fork('f/sub-child', 'f/sub-src', { offset: 1, subOffset: 3 });
    assert.equal(await objectCount(), objects + 1, 'one object: the prefix');
    assert.deepEqual(
      (await indexEntries(ctx, child.topic.topicId)).map((e) => [e.baseOffset, e.lastOffset, e.recordCount]),
      [[1, 1, 1]],
    );
    assert.equal(await text(child), 'firstsec');
    await append(child, 'X');
    assert.equal(await text(child), 'firstsecX');

    // A whole record is inherited, not copied; a JSON sub-offset counts messages, which are records.
    const whole = await fork('f/sub-whole', 'f/sub-src', { offset: 1, subOffset: 6 });
    assert.equal(whole.item.fork?.start, 2);
    assert.deepEqual(await indexEntries(ctx, whole.topic.topicId), []);
    await plain('f/sub-json', 'application/json', '[1,2,3]');
    const json = await fork('f/sub-json-child', 'f/sub-json', { offset: 0, subOffset: 2 });
    assert.equal(json.item.fork?.start, 2);
    assert.deepEqual((await readStream(ctx, json, { kind: 'start' })).records.map((r) => Buffer.from(r.value!).toString()), ['1', '2']);
  });

  it('cuts the inherited ranges of a chain at each fork offset', async () => {
    const root = await plain('f/chain-0', 'text/plain', 'A', 'B');
    const one = await fork('f/chain-1', 'f/chain-0');
    await append(one, 'C');
    const two = await fork('f/chain-2', 'f/chain-1', { offset: 1 });
    assert.deepEqual(two.item.fork?.inherited, [{ topicName: root.topic.name, topicId: root.topic.topicId, from: 0, to: 1 }], 'level 1 adds nothing below 1');
    const three = await fork('f/chain-3', 'f/chain-1');
    assert.deepEqual(
      three.item.fork?.inherited.map((r) => [r.topicName, r.from, r.to]),
      [
        [root.topic.name, 0, 2],
        [one.topic.name, 2, 3],
      ],
    );
    await append(three, 'D');
    assert.equal(await text(three), 'ABCD');
  });

  it('soft-deletes a source with forks, keeps its topic for them, and removes it with its last fork, up the chain', async () => {
    const root = await plain('f/del-0', 'text/plain', 'kept');
    const mid = await fork('f/del-1', 'f/del-0');
    await append(mid, '+');
    const leaf = await fork('f/del-2', 'f/del-1');
    assert.equal((await readStreamItem(ctx, root.topic.name))?.forkCount, 1);

    assert.equal(await dropStream(ctx, root.item), 'soft-deleted');
    assert.equal(await dropStream(ctx, mid.item), 'soft-deleted');
    assert.equal((await lookupStream(ctx, 'f/del-0', root.topic.name)).kind, 'gone');
    await assert.rejects(createStream(ctx, 'f/del-0', root.topic.name, { contentType: 'text/plain' }), SoftDeletedPathError);
    await assert.rejects(forkStream(ctx, { path: 'f/del-x', topicName: topicOf('f/del-x'), sourcePath: 'f/del-1', sourceTopicName: mid.topic.name, subOffset: 0, closed: false }), ForkSourceDeletedError);
    assert.equal(await text(leaf), 'kept+');
    assert.equal(await topicGone(root.topic.name), false);

    assert.equal(await dropStream(ctx, leaf.item), 'removed');
    for (const stream of [leaf, mid, root]) {
      assert.equal(await readStreamItem(ctx, stream.topic.name), undefined, stream.path);
      assert.equal(await topicGone(stream.topic.name), true, stream.path);
    }
  });

  it('removes a soft-deleted source whose last fork went without it (a crash between the two) when its path is next looked up', async () => {
    const source = await plain('f/crash-src', 'text/plain', 'x');
    const child = await fork('f/crash-child', 'f/crash-src');
    assert.equal(await dropStream(ctx, source.item), 'soft-deleted');
    // The fork's item and its count go; the process dies before the cascade.
    assert.equal(await deleteStreamItem(ctx, child.item), 'deleted');
    assert.equal((await readStreamItem(ctx, source.topic.name))?.forkCount, 0);
    assert.equal((await lookupStream(ctx, 'f/crash-src', source.topic.name)).kind, 'missing');
    assert.equal(await readStreamItem(ctx, source.topic.name), undefined);
    assert.equal(await topicGone(source.topic.name), true);
  });

  it('takes no count on the source for a fork it refuses', async () => {
    const source = await plain('f/ct-src', 'text/plain', 'x');
    await assert.rejects(fork('f/ct-child', 'f/ct-src', { contentType: 'application/json' }), { code: 'CONTENT_TYPE_MISMATCH' });
    await assert.rejects(fork('f/ct-child', 'f/ct-src', { offset: 5 }), { code: 'INVALID_REQUEST' });
    await assert.rejects(fork('f/ct-child', 'f/ct-src', { subOffset: 2, offset: 0 }), { code: 'INVALID_REQUEST' });
    assert.equal((await readStreamItem(ctx, source.topic.name))?.forkCount, undefined);
    assert.equal(await dropStream(ctx, source.item), 'removed');
  });

  it('moves only a head no record was committed to', async () => {
    const stream = await plain('f/head', 'text/plain');
    assert.equal(await startEmptyHead(ctx, stream.topic, 0, 7), 'started');
    assert.equal(await startEmptyHead(ctx, stream.topic, 0, 0), 'started');
    await append(stream, 'x');
    assert.equal(await startEmptyHead(ctx, stream.topic, 0, 9), 'not-empty');
    assert.equal((await readHead(ctx, stream.topic.topicId, 0)).nextOffset, 1);
  });
});
