import type { Caller } from '../auth/access-control';
import type { SluiceContext } from '../core/context';
import type { CheckRequest, WatchServerMessage } from '../protocol/watch';
import { readHeads } from '../store/partition-head-store';
import { byTopic, resolveTopic } from './watched-topics';

/**
 * The periodic safety net of waiting at the tail (docs/design.md, "Waiting at the tail"):
 * the client names the watches it still waits on, and gets `ready` for every partition
 * whose high watermark is already past the offset, so a notice lost while its connection
 * stayed up costs at most one check period. Authorized per topic as arming is; a refused
 * partition gets its `watch-error`. Writes nothing: it neither arms nor removes a watch,
 * and reads the heads eventually consistent (half a read unit each): a commit of the
 * last second or so that this read misses was either notified already or is found by the
 * next check, and arming (the read the correctness argument rests on) stays strongly
 * consistent. Answers with `checked` last.
 */
export async function checkWatches(ctx: SluiceContext, caller: Caller, request: CheckRequest): Promise<WatchServerMessage[]> {
  const answers = await Promise.all(
    [...byTopic(request.partitions)].map(async ([topicName, partitions]) => {
      const { topic, valid, refused } = await resolveTopic(ctx, caller, topicName, partitions);
      const messages = [...refused];
      if (!topic || valid.length === 0) return { messages, waiting: 0 };
      const heads = await readHeads(ctx, topic.topicId, valid.map((w) => w.partition), { consistent: false });
      let waiting = 0;
      for (const w of valid) {
        const highWatermark = heads.get(w.partition)?.nextOffset ?? 0;
        if (highWatermark > w.offset) messages.push({ type: 'ready', topic: topic.name, partition: w.partition, highWatermark });
        else waiting++;
      }
      return { messages, waiting };
    }),
  );
  const messages = answers.flatMap((answer) => answer.messages);
  messages.push({ type: 'checked', waiting: answers.reduce((n, answer) => n + answer.waiting, 0) });
  return messages;
}
