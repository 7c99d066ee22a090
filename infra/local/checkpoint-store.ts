import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where the local stream triggers remember how far each function has read each
 * shard: the sequence number of the last record that was delivered, filtered out
 * or sent to the on-failure destination. Reading resumes after it.
 */
export interface CheckpointStore {
  get(key: string): string | undefined;
  set(key: string, sequenceNumber: string): void;
}

/** The key of one function's position in one shard of one stream. */
export function checkpointKey(functionName: string, streamArn: string, shardId: string): string {
  return `${functionName}|${streamArn}|${shardId}`;
}

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, string>();

  get(key: string): string | undefined {
    return this.checkpoints.get(key);
  }

  set(key: string, sequenceNumber: string): void {
    this.checkpoints.set(key, sequenceNumber);
  }
}

interface CheckpointFile {
  version: 1;
  checkpoints: Record<string, string>;
}

/**
 * Checkpoints in a JSON file, so that restarting `npm start` over data on disk
 * resumes where it left off instead of delivering every record again.
 *
 * Each `set` rewrites the whole file through a temporary file and a rename, so
 * a crash leaves either the old or the new file, never a torn one. It re-reads
 * the file first and merges, so several stores (one per trigger) in one process
 * can share a path; concurrent writers in different processes are not supported.
 */
export class FileCheckpointStore implements CheckpointStore {
  private checkpoints: Record<string, string>;

  constructor(readonly path: string) {
    this.checkpoints = readCheckpointFile(path);
  }

  get(key: string): string | undefined {
    return this.checkpoints[key];
  }

  set(key: string, sequenceNumber: string): void {
    const checkpoints = { ...readCheckpointFile(this.path), ...this.checkpoints, [key]: sequenceNumber };
    const file: CheckpointFile = { version: 1, checkpoints };
    writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
    this.checkpoints = checkpoints;
  }
}

function readCheckpointFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Checkpoint file ${path} is not valid JSON (${String(error)}); delete it to start the stream triggers from their starting positions.`, {
      cause: error,
    });
  }
  const checkpoints = (parsed as Partial<CheckpointFile> | null)?.checkpoints;
  if (typeof checkpoints !== 'object' || checkpoints === null || Object.values(checkpoints).some((v) => typeof v !== 'string')) {
    throw new Error(`Checkpoint file ${path} does not hold a "checkpoints" object of strings; delete it to start the stream triggers from their starting positions.`);
  }
  return { ...checkpoints };
}

function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
