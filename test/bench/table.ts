/** Plain-text tables for the terminal and for docs/benchmarks.md (GitHub-flavoured Markdown). */

export type Cell = string | number | undefined;

export interface Column {
  header: string;
  /** Digits after the point for numbers; default chosen by magnitude. */
  digits?: number;
}

export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return '–';
  if (digits !== undefined) return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  const auto = abs === 0 ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 6;
  return value.toLocaleString('en-US', { minimumFractionDigits: auto, maximumFractionDigits: auto });
}

export function usd(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '$0';
  const abs = Math.abs(value);
  if (abs >= 100) return `$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (abs >= 1) return `$${value.toFixed(2)}`;
  if (abs >= 0.01) return `$${value.toFixed(3)}`;
  return `$${value.toPrecision(2)}`;
}

/** A Markdown table, columns padded so it also reads well in a terminal; numbers right-aligned. */
export function renderTable(columns: readonly (Column | string)[], rows: readonly (readonly Cell[])[]): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const text = rows.map((row) => cols.map((col, i) => cellText(row[i], col)));
  const numeric = cols.map((_, i) => rows.some((row) => typeof row[i] === 'number'));
  const widths = cols.map((col, i) => Math.max(col.header.length, 3, ...text.map((r) => r[i]!.length)));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cols.map((c) => c.header)), rule, ...text.map(line)].join('\n');
}

function cellText(value: Cell, column: Column): string {
  if (value === undefined) return '–';
  if (typeof value === 'number') return formatNumber(value, column.digits);
  return value;
}
