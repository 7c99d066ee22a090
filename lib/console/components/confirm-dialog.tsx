import { useState } from 'preact/hooks';

/**
 * Asks before a destructive action; with `typeToConfirm` the user types the name, as
 * cloud consoles ask before deleting a resource.
 */
export function ConfirmDialog({ title, body, action, typeToConfirm, onConfirm, onCancel }: { title: string; body: string; action: string; typeToConfirm?: string; onConfirm: () => void; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const ready = typeToConfirm === undefined || typed === typeToConfirm;
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h2 id="dialog-title">{title}</h2>
        <p>{body}</p>
        {typeToConfirm !== undefined && (
          <label>
            Type <code>{typeToConfirm}</code> to confirm
            <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} autoFocus />
          </label>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" class="danger" disabled={!ready} onClick={onConfirm}>
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
