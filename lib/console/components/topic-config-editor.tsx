import { useState } from 'preact/hooks';
import type { TopicConfigChange } from '../../client/index';
import type { Api } from '../model/api';
import { FormError, useAction } from './use-action';

/** The keys the server accepts (lib/protocol/topic-config.ts; not imported, it would bring zod into the bundle), as suggestions only. */
const KNOWN_KEYS = ['retention.ms', 'retention.bytes', 'cleanup.policy', 'compression.type', 'message.timestamp.type', 'delete.retention.ms', 'min.compaction.lag.ms', 'max.compaction.lag.ms', 'min.cleanable.dirty.ratio'];

/**
 * A topic's config: each key set, removable (back to the default), and a form that sets one
 * (`PATCH /v1/topics/{topic}`); the server validates, and its refusal is shown with its field.
 */
export function TopicConfigEditor({ api, topic, config, onChanged }: { api: Api; topic: string; config: Record<string, string>; onChanged: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const { busy, error, run } = useAction();

  const alter = (change: TopicConfigChange) =>
    run(async () => {
      await api.client.alterTopicConfig(topic, change);
      onChanged();
    });

  const entries = Object.entries(config).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      {entries.length === 0 ? (
        <p class="muted">No config set: every key has its default.</p>
      ) : (
        <table data-table="config">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k} data-config-key={k}>
                <td>
                  <code>{k}</code>
                </td>
                <td data-field="value">
                  <code>{v}</code>
                </td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void alter({ [k]: null })}>
                    Remove <span class="visually-hidden">{k}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="toolbar"
        data-form="alter-config"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await alter({ [key.trim()]: value })) {
            setKey('');
            setValue('');
          }
        }}
      >
        <label>
          Config key
          <input name="key" required list="topic-config-keys" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
        <datalist id="topic-config-keys">
          {KNOWN_KEYS.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <label>
          Value
          <input name="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy}>
          Set
        </button>
        <FormError error={error} />
      </form>
    </>
  );
}
