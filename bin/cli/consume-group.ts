import { SluiceConsumer } from '../../lib/client/consumer';
import { type GlobalOptions, clientFor, watchSocket } from './common';
import { type ConsumeOptions, consumeReport, recordRenderer } from './consume';
import { flushed, out } from './output';
import { recordBytes } from './record-format';

/**
 * `consume --group`: a member of the group through the client's `SluiceConsumer`
 * (lib/client/consumer.ts). Records go to stdout first; a batch's offsets are committed
 * only once it was written and the next is asked for, so the group sees every record at
 * least once. Without --follow it stops at the high watermarks as of the start, once that
 * commit went through. Notes on stderr; leaves the group on every exit.
 */
export async function consumeGroup(topics: string[], group: string, opts: ConsumeOptions, globals: GlobalOptions): Promise<void> {
  const report = consumeReport(topics, opts, globals);
  const consumer = new SluiceConsumer(
    clientFor(globals, await watchSocket(globals)),
    {
      groupId: group,
      topics,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      ...(opts.reset !== undefined && { resetPolicy: opts.reset }),
      ...(opts.assignor !== undefined && { assignor: opts.assignor }),
      ...(opts.clientId !== undefined && { clientId: opts.clientId }),
      autoCommitIntervalMs: opts.commitIntervalMs,
      encoding: 'base64',
      note: report.note,
    },
    { stopAtEnd: opts.follow !== true, ...(opts.maxRecords !== undefined && { maxRecords: opts.maxRecords }) },
  );
  // Interrupted while a batch is being written: stop once it is out, with it counted as consumed.
  let writing = false;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    if (!writing) void consumer.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const render = recordRenderer(opts, globals);
  try {
    for await (const batch of consumer.batches()) {
      writing = true;
      await out(Buffer.concat(batch.map(render)));
      report.progress.update({ records: batch.length, bytes: batch.reduce((sum, r) => sum + recordBytes(r), 0) });
      // Written before the batch counts as consumed: a commit never runs ahead of what was printed.
      await flushed(process.stdout);
      writing = false;
      if (stopping) {
        const last = batch.at(-1)!;
        consumer.seek(last, last.offset + 1); // printed: the commit on close goes past it
        break;
      }
    }
  } finally {
    report.progress.done();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
  }
}
