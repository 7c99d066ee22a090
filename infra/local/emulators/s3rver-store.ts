import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * s3rver's FilesystemStore (node_modules/s3rver/lib/stores/filesystem.js, 3.7.1), made
 * safe for PUTs and deletes running at once in the same key prefix, as Sluice's
 * producers, compaction and retention do under `seg/<2 hex>/`.
 *
 * Upstream, `deleteObject` removes every directory the delete left empty (a
 * `readdirSync` then an async `rmdir`, walking up), while `putObject` creates its
 * directory (`mkdirp`) and only then opens the file. A delete that empties a directory
 * between a PUT's mkdir and its open removes the directory under the PUT: the open fails
 * with ENOENT on a write stream nothing listens to for errors, so the process dies of an
 * uncaught exception; and `putObject` resolves when its hashing transform has seen the
 * body, not when the file is written, so that PUT can be answered 200 without an object.
 * The same race fails deletes with 500 (`rmdir` of a directory a PUT just wrote into,
 * `readdirSync` of one another delete just removed).
 *
 * Here deletes remove the object's files and leave directories alone: S3 has no
 * directories, an empty one is invisible (listings report only `._S3rver_object` files,
 * common prefixes come from keys), and Sluice's layout bounds them (`seg/00/` … `seg/ff/`).
 * A PUT writes its body to a temporary file beside the object, waits until the file is
 * written and closed, and renames it into place: a write error rejects the request (an error the
 * client sees) instead of ending the process, a 200 means the object is there, and a
 * failed or aborted upload leaves nothing a GET or listing would show.
 */

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

const UpstreamStore = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as new (rootDirectory: string) => FilesystemStore;

export class ConcurrencySafeFilesystemStore extends UpstreamStore {
  override async putObject(object: StoredObject): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Not a name listings count as an object (those end in `._S3rver_object`), nor one another key's files use.
    const partPath = `${objectPath}.${randomBytes(6).toString('hex')}.part`;
    const md5Context = createHash('md5');
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        md5Context.update(object.content);
        size = object.content.length;
        await writeFile(partPath, object.content);
      } else {
        const hashing = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5Context.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        await pipeline(object.content, hashing, createWriteStream(partPath));
      }
      await rename(partPath, objectPath);
    } catch (error) {
      await unlink(partPath).catch(() => undefined);
      throw error;
    }
    const md5 = md5Context.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  }

  override async deleteObject(bucket: string, key: string): Promise<void> {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  }
}

/** Puts the concurrency-safe store in place of the one s3rver's constructor made; call before `run()`. */
export function useConcurrencySafeStore(server: object, directory: string): void {
  const store = new ConcurrencySafeFilesystemStore(directory);
  const target = server as { store: unknown; context: { store: unknown } };
  target.store = target.context.store = store;
}
