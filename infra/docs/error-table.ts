import { ERROR_CODES, type ErrorCode } from '../../lib/protocol/error-codes';

/** The markers around the generated error table in docs/http-api.md. */
export const ERROR_TABLE_START = '<!-- error-codes:start (generated from lib/protocol/error-codes.ts by `npm run docs`) -->';
export const ERROR_TABLE_END = '<!-- error-codes:end -->';

/** The Markdown error table, one row per code, by status then code. */
export function errorTableMarkdown(): string {
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).sort((a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status || (a < b ? -1 : 1));
  const rows = codes.map((code) => {
    const spec = ERROR_CODES[code];
    return `| ${spec.status} | \`${code}\` | ${spec.retriable ? 'yes' : 'no'} | ${spec.meaning} |`;
  });
  return ['| status | code | retriable | when |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `markdown` with the text between the markers replaced by the current table; throws if the markers are missing. */
export function withErrorTable(markdown: string): string {
  const start = markdown.indexOf(ERROR_TABLE_START);
  const end = markdown.indexOf(ERROR_TABLE_END);
  if (start < 0 || end < start) throw new Error('docs/http-api.md has no error-codes markers');
  return `${markdown.slice(0, start + ERROR_TABLE_START.length)}\n${errorTableMarkdown()}\n${markdown.slice(end)}`;
}
