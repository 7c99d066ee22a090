/**
 * Regenerates the documents derived from the wire contract (lib/protocol):
 *
 *   npm run docs            # rewrite them
 *   npm run docs -- --check # exit 1 if any is stale (test/infra/docs checks the same)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withErrorTable } from './error-table';
import { openApiJson } from './openapi';

const HTTP_API = fileURLToPath(new URL('../../docs/http-api.md', import.meta.url));
const OPENAPI = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

export function generatedDocs(): { path: string; current: string; wanted: string }[] {
  const current = readFileSync(HTTP_API, 'utf8');
  return [
    { path: HTTP_API, current, wanted: withErrorTable(current) },
    { path: OPENAPI, current: existsSync(OPENAPI) ? readFileSync(OPENAPI, 'utf8') : '', wanted: openApiJson() },
  ];
}

function main(args: string[]): number {
  const check = args.includes('--check');
  let stale = 0;
  for (const doc of generatedDocs()) {
    if (doc.current === doc.wanted) continue;
    stale++;
    if (check) console.error(`${doc.path} is stale: run npm run docs`);
    else writeFileSync(doc.path, doc.wanted);
  }
  if (!check) console.log(`docs: ${stale} file(s) rewritten`);
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
