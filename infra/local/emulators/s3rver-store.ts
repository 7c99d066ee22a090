import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, posix } from 'node:path';
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
 *
 * Listings walk the bucket's directories by `readdir` entry types instead of upstream's
 * `readdirSync` then `statSync` of each name: a file deleted (or a `.part` renamed) between
 * the two made that `statSync` throw ENOENT and the whole ListObjectsV2 answer 500. A
 * directory that vanishes mid-walk is skipped for the same reason.
 */

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

interface ListedObjects {
  objects: object[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

interface FilesystemStore {
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

const require = createRequire(import.meta.url);
const UpstreamStore = require('s3rver/lib/stores/filesystem.js') as new (rootDirectory: string) => FilesystemStore;
const S3Object = require('s3rver/lib/models/object.js') as new (bucket: string, key: string, content: null, metadata: Record<string, unknown>) => object;

const OBJECT_SUFFIX = '._S3rver_object';

/** Files under `dir`, depth first in name order (libuv sorts entries), entering only directories `enter` allows. */
function* walkFiles(dir: string, enter: (dirPath: string) => boolean): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const path = posix.join(dir, entry.name);
    if (!entry.isDirectory()) yield path;
    else if (enter(path)) yield* walkFiles(path, enter);
  }
}

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

  /** Upstream's listing (prefix, delimiter, startAfter, maxKeys), over a walk that tolerates concurrent deletes. */
  async listObjects(bucket: string, options: ListOptions): Promise<ListedObjects> {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const bucketPath = this.getBucketPath(bucket);
    const startAfterPath = `${bucketPath}/${startAfter}`;
    const prefixPath = `${bucketPath}/${prefix}`;
    const enter = (dirPath: string): boolean => {
      // Directories wholly before startAfter hold no key to list.
      if (dirPath < startAfterPath && !startAfterPath.includes(dirPath)) return false;
      // Beneath a common prefix, one key already stands for all.
      if (dirPath.startsWith(prefixPath)) return !(delimiter && dirPath.slice(prefixPath.length).includes(delimiter));
      // Otherwise only directories on the way to the prefix.
      return prefixPath.startsWith(dirPath);
    };
    const commonPrefixes = new Set<string>();
    const keys: string[] = [];
    let isTruncated = false;
    for (const filePath of walkFiles(bucketPath, enter)) {
      if (!filePath.endsWith(OBJECT_SUFFIX)) continue;
      const key = filePath.slice(bucketPath.length + 1, -OBJECT_SUFFIX.length);
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      if (delimiter) {
        const at = key.slice(prefix.length).indexOf(delimiter);
        if (at !== -1) {
          commonPrefixes.add(key.slice(0, prefix.length + at + delimiter.length));
          continue;
        }
      }
      if (keys.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      keys.push(key);
    }
    // An object deleted since the walk saw it is left out, as a listing a moment later would.
    const metadata = await Promise.all(
      keys.map((key) =>
        this.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        }),
      ),
    );
    const objects = keys.flatMap((key, i) => (metadata[i] ? [new S3Object(bucket, key, null, metadata[i])] : []));
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
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
