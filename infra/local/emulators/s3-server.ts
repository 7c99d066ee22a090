import { createCipheriv } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { reservePort } from './free-port';
import { useConcurrencySafeStore } from './s3rver-store';
import { StartupError } from './startup-error';

export interface S3ServerOptions {
  port: number;
  dataDir: string;
  /** Access key ids the server accepts besides its built-in S3RVER. */
  accessKeyIds?: string[];
  log?: (line: string) => void;
}

export interface RunningS3Server {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
 * offers through its legacy provider; without it every truncated listing answers 500.
 * `npm start` and `npm test` run Node with --openssl-legacy-provider for this reason.
 */
export function s3rverCanPaginate(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

/** Starts s3rver, a filesystem-backed S3-compatible server. */
export async function startS3Server(options: S3ServerOptions): Promise<RunningS3Server> {
  const port = await reservePort(options.port).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new StartupError(`Port ${options.port} for the S3 server is already in use; set SLUICE_S3_PORT to a free port.`);
    throw error;
  });
  mkdirSync(options.dataDir, { recursive: true });
  // s3rver knows one hard-coded key; register the caller's too. Signatures are not checked.
  const { DUMMY_ACCOUNT } = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  for (const id of options.accessKeyIds ?? []) DUMMY_ACCOUNT.createKeyPair(id, 'unchecked');
  const server = new S3rver({ port, address: '127.0.0.1', directory: options.dataDir, silent: true, allowMismatchedSignatures: true });
  // s3rver's own store loses or crashes on a PUT racing a delete in the same prefix (see s3rver-store.ts).
  useConcurrencySafeStore(server, options.dataDir);
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  if (!s3rverCanPaginate()) options.log?.('warning: listings past 1,000 objects will fail; run Node with --openssl-legacy-provider (npm start does)');
  options.log?.(`S3 server (s3rver) listening on ${endpoint} (data in ${options.dataDir})`);
  return { endpoint, port, stop: () => server.close() };
}
