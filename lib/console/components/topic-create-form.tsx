import { useState } from 'preact/hooks';
import type { Api } from '../model/api';
import { parseNameValueLines } from '../model/record-view';
import { FormError, useAction } from './use-action';

/** Kafka's cleanup policies as lib/protocol/topic-config.ts lists them (not imported: it would bring zod into the bundle). */
const CLEANUP_POLICIES = ['delete', 'compact', 'compact,delete'];

/**
 * Creates a topic: name, partitions, and optional config (retention.ms and cleanup.policy
 * by field, any other key as name=value lines). The server validates it all; its 4xx is
 * shown with code and field, so the console keeps no second copy of the rules.
 */
export function TopicCreateForm({ api, onCreated }: { api: Api; onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [retentionMs, setRetentionMs] = useState('');
  const [cleanupPolicy, setCleanupPolicy] = useState('');
  const [otherConfig, setOtherConfig] = useState('');
  const { busy, error, run, setError } = useAction();

  async function submit(e: Event) {
    e.preventDefault();
    const lines = parseNameValueLines(otherConfig);
    if ('error' in lines) {
      setError({ code: 'INVALID_CONFIG_LINES', message: lines.error, field: 'config' });
      return;
    }
    const config: Record<string, string> = {};
    for (const { name: key, value } of lines.pairs) config[key] = value;
    if (retentionMs.trim()) config['retention.ms'] = retentionMs.trim();
    if (cleanupPolicy) config['cleanup.policy'] = cleanupPolicy;
    // Sent as typed (a number only when it is one), so the server's refusal names the field.
    const count = partitions.trim() === '' ? undefined : Number(partitions);
    await run(async () => {
      const created = await api.client.createTopic(name.trim(), { ...(count === undefined ? {} : { partitions: count }), ...(Object.keys(config).length ? { config } : {}) });
      setName('');
      setRetentionMs('');
      setCleanupPolicy('');
      setOtherConfig('');
      onCreated(created.name);
    });
  }

  return (
    <form class="toolbar" data-form="create-topic" onSubmit={submit}>
      <label>
        Name
        <input name="name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="orders" />
      </label>
      <label>
        Partitions
        <input name="partitions" type="number" min={1} value={partitions} onInput={(e) => setPartitions((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        retention.ms
        <input name="retention.ms" value={retentionMs} onInput={(e) => setRetentionMs((e.target as HTMLInputElement).value)} placeholder="default (7 days)" />
      </label>
      <label>
        cleanup.policy
        <select name="cleanup.policy" value={cleanupPolicy} onChange={(e) => setCleanupPolicy((e.target as HTMLSelectElement).value)}>
          <option value="">default (delete)</option>
          {CLEANUP_POLICIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label>
        Other config (name=value lines)
        <textarea name="config" rows={2} cols={28} value={otherConfig} onInput={(e) => setOtherConfig((e.target as HTMLTextAreaElement).value)} placeholder="compression.type=zstd" />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Create topic
      </button>
      <FormError error={error} />
    </form>
  );
}
