import { useState } from 'preact/hooks';
import type { TopicOffsets } from '../../client/index';
import type { Api } from '../model/api';
import { FormError, useAction } from './use-action';
import { formatBytes, formatCount } from './format';
import { Paged } from './pager';

const NO_BYTES_TITLE = 'The server did not say: this partition was last written before heads counted bytes, or the server is older than storedBytes';

/** Per partition: log start offset, high watermark, records held and stored bytes, as the offsets route answers them. */
export function TopicPartitionsTable({ offsets }: { offsets: TopicOffsets }) {
  return (
    <Paged items={offsets.partitions} label="partitions">
      {(page) => (
        <table data-table="partitions">
          <thead>
            <tr>
              <th scope="col" class="num">Partition</th>
              <th scope="col" class="num">Log start offset</th>
              <th scope="col" class="num">High watermark</th>
              <th scope="col" class="num">Records held</th>
              <th scope="col" class="num">Stored bytes</th>
            </tr>
          </thead>
          <tbody>
            {page.map((p) => (
              <tr key={p.partition} data-partition={p.partition}>
                <td class="num">{p.partition}</td>
                <td class="num" data-field="log-start" data-value={p.logStartOffset}>
                  {formatCount(p.logStartOffset)}
                </td>
                <td class="num" data-field="high-watermark" data-value={p.highWatermark}>
                  {formatCount(p.highWatermark)}
                </td>
                <td class="num">{formatCount(p.highWatermark - p.logStartOffset)}</td>
                <td class="num" data-field="stored-bytes" data-value={p.storedBytes} title={p.storedBytes === undefined ? NO_BYTES_TITLE : `${formatCount(p.storedBytes)} bytes`}>
                  {p.storedBytes === undefined ? '—' : formatBytes(p.storedBytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Paged>
  );
}

/** Raises the partition count (`POST /v1/topics/{topic}/partitions`; only upwards, as in Kafka). */
export function TopicAddPartitionsForm({ api, topic, partitions, onChanged }: { api: Api; topic: string; partitions: number; onChanged: () => void }) {
  const [count, setCount] = useState(String(partitions + 1));
  const { busy, error, run } = useAction();
  return (
    <form
      class="toolbar"
      data-form="add-partitions"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const topicNow = await api.client.createPartitions(topic, Number(count));
          setCount(String(topicNow.partitions + 1));
          onChanged();
        });
      }}
    >
      <label>
        New partition count (now {partitions})
        <input name="count" type="number" min={1} required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={busy}>
        Add partitions
      </button>
      <FormError error={error} />
    </form>
  );
}
