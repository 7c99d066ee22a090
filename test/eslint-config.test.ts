import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/**
 * The lint rules that hold the layering of docs/design.md ("Code map"): each forbidden
 * import is refused where it does not belong, and allowed where it does.
 */
const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

async function refusals(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

describe('layering lint rules', () => {
  it('lib/protocol imports only zod and itself', async () => {
    assert.deepEqual(await refusals('lib/protocol/probe.ts', `import * as z from 'zod/mini';\nimport { ROUTES } from './routes';${use('z, ROUTES')}`), []);
    assert.equal((await refusals('lib/protocol/probe.ts', `import { SluiceError } from '../core/errors';${use('SluiceError')}`)).length, 1);
    assert.equal((await refusals('lib/protocol/probe.ts', `import { gzipSync } from 'node:zlib';${use('gzipSync')}`)).length, 1);
  });

  it("lib/protocol uses none of Node's globals: the client decodes batches with it in a browser too", async () => {
    const [result] = await eslint.lintText(`export const bytes = Buffer.from('x');\nexport const node = process.versions.node;\n`, { filePath: 'lib/protocol/probe.ts' });
    assert.deepEqual(result!.messages.map((m) => m.ruleId), ['no-restricted-globals', 'no-restricted-globals']);
  });

  it('lib/client imports only lib/protocol and the SigV4 packages', async () => {
    assert.deepEqual(await refusals('lib/client/probe.ts', `import { ROUTES } from '../protocol/routes';\nimport { SignatureV4 } from '@smithy/signature-v4';${use('ROUTES, SignatureV4')}`), []);
    assert.equal((await refusals('lib/client/probe.ts', `import { readHead } from '../topics/topic-repository';${use('readHead')}`)).length, 1);
  });

  it('lib/client imports no server code: the batch decoding it needs is the contract\'s', async () => {
    const server = `import { decodeBatchAt } from '../format/batch-codec';\nimport { recordView } from '../records/record-encoding';\nimport { SluiceError } from '../core/errors';${use('decodeBatchAt, recordView, SluiceError')}`;
    assert.equal((await refusals('lib/client/record-batches-reader.ts', server)).length, 3);
    assert.deepEqual(await refusals('lib/client/record-batches-reader.ts', `import { decodeBatchAt } from '../protocol/record-batch-decoding';${use('decodeBatchAt')}`), []);
  });

  it('only the client\'s batches reader imports node:zlib', async () => {
    const zlib = `import * as zlib from 'node:zlib';${use('zlib')}`;
    assert.deepEqual(await refusals('lib/client/record-batches-reader.ts', zlib), []);
    assert.equal((await refusals('lib/client/probe.ts', zlib)).length, 1);
  });

  it('only lib/store imports the DynamoDB and S3 clients', async () => {
    const sdk = `import { GetCommand } from '@aws-sdk/lib-dynamodb';\nimport { PutObjectCommand } from '@aws-sdk/client-s3';${use('GetCommand, PutObjectCommand')}`;
    assert.deepEqual(await refusals('lib/store/probe.ts', sdk), []);
    assert.equal((await refusals('lib/log/probe.ts', sdk)).length, 2);
    assert.equal((await refusals('functions/http/probe.ts', sdk)).length, 2);
  });

  it('lib never imports functions, infra or bin; functions never import infra or bin', async () => {
    assert.equal((await refusals('lib/log/probe.ts', `import { FUNCTIONS } from '../../infra/platform-spec';${use('FUNCTIONS')}`)).length, 1);
    assert.equal((await refusals('lib/store/probe.ts', `import { json } from '../../functions/middleware/http';${use('json')}`)).length, 1);
    assert.equal((await refusals('functions/http/probe.ts', `import { FUNCTIONS } from '../../infra/platform-spec';${use('FUNCTIONS')}`)).length, 1);
  });
});
