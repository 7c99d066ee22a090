import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../../../infra/docs/generate-docs';
import { errorTableMarkdown } from '../../../infra/docs/error-table';
import { ERROR_CODES } from '../../../lib/protocol/error-codes';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

describe('documents generated from the wire contract', () => {
  it('are current: run npm run docs after changing lib/protocol', () => {
    for (const doc of generatedDocs()) assert.equal(doc.current, doc.wanted, `${doc.path} is stale`);
  });

  it('list every error code of the protocol table in docs/http-api.md, each once', () => {
    const table = errorTableMarkdown();
    for (const code of Object.keys(ERROR_CODES)) assert.equal(table.split(`\`${code}\``).length - 1, 1, code);
  });

  it('have no dead rows: every code in the table is raised somewhere on the server', () => {
    const server = [...sources('lib'), ...sources('functions')].join('\n');
    for (const code of Object.keys(ERROR_CODES)) assert.match(server, new RegExp(`super\\(\\s*'${code}'`), `${code} is never raised`);
  });
});
