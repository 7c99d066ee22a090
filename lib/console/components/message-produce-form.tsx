import { useState } from 'preact/hooks';
import type { ProducedRecord, ProduceRecord } from '../../client/index';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { parseNameValueLines } from '../model/record-view';
import { ErrorView } from './error-view';

/**
 * Produces one record as UTF-8 text (the request's default encoding): key (empty: none, so
 * the partition is chosen as for any keyless record), value or a tombstone, headers as
 * name=value lines, and an optional partition.
 */
export function MessageProduceForm({ api, topic, partitions }: { api: Api; topic: string; partitions: number }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [tombstone, setTombstone] = useState(false);
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const [error, setError] = useState<ShownError | undefined>();
  const [produced, setProduced] = useState<ProducedRecord | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const lines = parseNameValueLines(headers);
    if ('error' in lines) {
      setError({ code: 'INVALID_HEADER_LINES', message: lines.error, field: 'headers' });
      return;
    }
    const record: ProduceRecord = { value: tombstone ? null : value };
    if (key !== '') record.key = key;
    if (lines.pairs.length > 0) record.headers = lines.pairs.map((h) => ({ key: h.name, value: h.value }));
    if (partition !== '') record.partition = Number(partition);
    setBusy(true);
    setError(undefined);
    setProduced(undefined);
    try {
      const answer = await api.client.produce(topic, { records: [record] });
      setProduced(answer.records[0]);
    } catch (err) {
      setError(shownError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="toolbar" data-form="produce" onSubmit={submit}>
      <label>
        Key (empty: none)
        <input name="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Value
        <textarea name="value" rows={3} cols={36} disabled={tombstone} value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Headers (name=value lines)
        <textarea name="headers" rows={3} cols={24} value={headers} onInput={(e) => setHeaders((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Partition
        <select name="partition" value={partition} onChange={(e) => setPartition((e.target as HTMLSelectElement).value)}>
          <option value="">by key (or any)</option>
          {Array.from({ length: partitions }, (_, p) => (
            <option key={p} value={String(p)}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label class="inline">
        <input type="checkbox" name="tombstone" checked={tombstone} onChange={(e) => setTombstone((e.target as HTMLInputElement).checked)} />
        Tombstone (null value)
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Produce
      </button>
      {produced && (
        <p class="notice form-error" role="status" data-produced-partition={produced.partition} data-produced-offset={produced.offset}>
          Produced to partition {produced.partition} at offset {produced.offset}.
        </p>
      )}
      {error && (
        <div class="form-error">
          <ErrorView error={error} />
        </div>
      )}
    </form>
  );
}
