import type { CostField, CostFields } from '../model/cost-input';

const FIELDS: { field: CostField; label: string; hint: string; measured: boolean }[] = [
  { field: 'recordsPerSecond', label: 'Records/s written', hint: 'over every topic', measured: true },
  { field: 'recordBytes', label: 'Bytes per record', hint: 'key and value', measured: true },
  { field: 'batchRecords', label: 'Records per produce call', hint: '1–10,000', measured: false },
  { field: 'fetchRecords', label: 'Records per fetch', hint: 'at most 4 MiB', measured: false },
  { field: 'consumers', label: 'Consumer groups', hint: 'each reads everything once', measured: true },
  { field: 'retentionHours', label: 'Retention (hours)', hint: 'longest of any topic', measured: true },
  { field: 'partitions', label: 'Partitions', hint: 'MSK Serverless bills them', measured: true },
  { field: 'activeHoursPerDay', label: 'Active hours a day', hint: '24: around the clock', measured: false },
];

/**
 * The workload priced, one field per input of the cost model. A measured field follows the
 * measurement until the user types in it; "Use measured" gives it back.
 */
export function CostFieldsForm({ fields, edited, measuring, invalid, onChange, onReset }: { fields: CostFields; edited: Set<CostField>; /** No sample yet: a measured field still holds its default. */ measuring: boolean; invalid?: CostField; onChange: (field: CostField, value: string) => void; onReset: (field: CostField) => void }) {
  return (
    <form class="cost-fields" aria-label="Workload priced" onSubmit={(e) => e.preventDefault()}>
      {FIELDS.map(({ field, label, hint, measured }) => (
        <div key={field} class="cost-field">
          <label>
            {label}
            <input name={field} data-input={field} inputMode="decimal" value={fields[field]} aria-invalid={invalid === field ? 'true' : undefined} onInput={(e) => onChange(field, (e.target as HTMLInputElement).value)} />
          </label>
          <span class="muted small" data-source={field}>
            {measured ? (edited.has(field) ? 'edited' : measuring ? 'default until measured' : 'measured') : 'assumed'}: {hint}
          </span>
          {measured && edited.has(field) && (
            <button type="button" class="link" onClick={() => onReset(field)}>
              Use measured<span class="visually-hidden"> {label.toLowerCase()}</span>
            </button>
          )}
        </div>
      ))}
    </form>
  );
}
