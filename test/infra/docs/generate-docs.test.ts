import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../../../infra/docs/generate-docs';
import { errorTableMarkdown } from '../../../infra/docs/error-table';
import { CONSOLE_PROXY_ERROR_CODES, ERROR_CODES, type ErrorCode } from '../../../lib/protocol/error-codes';
import { COMMON_ERRORS } from '../../../lib/protocol/route-contract';
import { ROUTES } from '../../../lib/protocol/routes';

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
    const proxy = readFileSync(join(ROOT, 'infra/console/console-proxy.ts'), 'utf8');
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      if (CONSOLE_PROXY_ERROR_CODES.includes(code)) assert.match(proxy, new RegExp(`refuse\\(res, '${code}'`), `${code} is never answered by the console proxy`);
      else assert.match(server, new RegExp(`super\\(\\s*'${code}'`), `${code} is never raised`);
    }
  });

  it('include docs/openapi.json, so a stale OpenAPI document fails the check above', () => {
    const openapi = generatedDocs().find((doc) => doc.path.endsWith('/docs/openapi.json'));
    assert.ok(openapi, 'docs/openapi.json is not generated');
    assert.equal(openapi.current, openapi.wanted, 'docs/openapi.json is stale: run npm run docs');
  });

  it('describe every route of lib/protocol/routes.ts in docs/openapi.json, with its path parameters and the errors every route answers', () => {
    const document = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'));
    assert.equal(document.openapi, '3.1.0');
    for (const [route, { method, path }] of Object.entries(ROUTES)) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      assert.ok(operation, `${route}: ${method} ${path} is missing`);
      const pathParameters = (operation.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      assert.deepEqual(pathParameters, [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]), route);
      const codes = Object.values(operation.responses).flatMap((r: any) => r.content?.['application/json']?.schema?.allOf?.[1]?.properties.error.properties.code.enum ?? []);
      for (const code of COMMON_ERRORS) assert.ok(codes.includes(code), `${route} does not list ${code}`);
    }
  });
});
