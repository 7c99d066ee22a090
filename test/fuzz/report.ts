import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_KINDS } from './check';
import { previewBody } from './request';
import type { Failure, FuzzReport } from './runner';

/** The run's figures and its first failures, each with the exact request to send again. */
export function renderReport(report: FuzzReport, options: { failures?: number } = {}): string {
  const lines: string[] = [];
  const count = (n: number) => n.toLocaleString('en-US');
  lines.push(`HTTP API fuzz check — seed ${report.seed}`);
  lines.push(`  requests sent:     ${count(report.sent)} (+${count(report.references)} valid reference requests from the principal without rights), ${(report.durationMs / 1000).toFixed(1)} s, ${(report.sent / (report.durationMs / 1000)).toFixed(0)}/s`);
  lines.push(`  by status:         ${Object.entries(report.byStatus).sort(([a], [b]) => Number(a) - Number(b)).map(([s, n]) => `${s}: ${count(n)}`).join(', ')}`);
  lines.push(`  5xx:               ${count(Object.entries(report.byStatus).filter(([s]) => Number(s) >= 500).reduce((sum, [, n]) => sum + n, 0))}`);
  lines.push(`  malformed errors:  ${count(report.byKind['malformed-error'])}`);
  lines.push(`  state changes:     ${count(report.byKind['state-change'])}`);
  lines.push(`  failing:           ${count(report.failing)} (${FAILURE_KINDS.filter((k) => report.byKind[k] > 0).map((k) => `${k}: ${count(report.byKind[k])}`).join(', ') || 'none'})`);
  lines.push('  by route (sent / failing):');
  for (const [route, { sent, failing }] of Object.entries(report.byRoute).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`    ${route.padEnd(58)} ${String(sent).padStart(6)} / ${failing}`);
  }
  if (report.signatures.length > 0) {
    lines.push('  most frequent failures (kind | route | mutation):');
    for (const { signature, count: n } of report.signatures.slice(0, 40)) lines.push(`    ${String(n).padStart(5)}  ${signature}`);
  }
  const shown = report.failures.slice(0, options.failures ?? 10);
  if (shown.length > 0) {
    lines.push(`  first ${shown.length} failure(s):`);
    shown.forEach((failure, i) => lines.push(...renderFailure(failure, i + 1)));
  }
  lines.push(report.failing === 0 ? 'PASS: every bad request got a well-formed 4xx and changed nothing' : `FAIL: ${count(report.failing)} failing (rerun with --seed ${report.seed})`);
  return lines.join('\n');
}

export function renderFailure(failure: Failure, n: number): string[] {
  const lines = [`  #${n} ${failure.kind} — ${failure.route} — ${failure.label}${failure.index >= 0 && !failure.window ? ` (request #${failure.index}${failure.principal ? `, as ${failure.principal}` : ''})` : ''}`];
  for (const problem of failure.problems) lines.push(`      ${problem}`);
  if (failure.request) {
    const { method, path, headers, body } = failure.request;
    lines.push(`      request:  ${method} ${path}`);
    for (const [name, value] of Object.entries(headers)) lines.push(`                ${name}: ${value}`);
    lines.push(`                body: ${previewBody(body)}`);
  }
  if (failure.response) {
    const text = failure.response.text.length > 400 ? `${failure.response.text.slice(0, 400)}…` : failure.response.text;
    lines.push(`      response: ${failure.response.status}${failure.response.headers.allow ? ` (allow: ${failure.response.headers.allow})` : ''} ${text}`);
  }
  return lines;
}

/** The report as JSON, with each kept failure's request in full (bodies as UTF-8 text), to send again exactly. */
export function writeReport(report: FuzzReport, outDir: string, startedAt: Date): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `fuzz-${startedAt.toISOString().replaceAll(':', '-').replaceAll('.', '-')}.json`);
  const failures = report.failures.map(({ request, response, ...rest }) => ({
    ...rest,
    ...(request ? { request: { method: request.method, path: request.path, headers: request.headers, body: request.body?.toString('utf8') ?? null } } : {}),
    ...(response ? { response: { status: response.status, headers: response.headers, body: response.text } } : {}),
  }));
  writeFileSync(file, `${JSON.stringify({ kind: 'sluice-fuzz-check', startedAt: startedAt.toISOString(), ...report, failures }, null, 2)}\n`);
  return file;
}
