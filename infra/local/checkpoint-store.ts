import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Where the local stream triggers remember how far each function has read each
 * shard: the sequence number of the last record that was delivered, filtered out
 * or sent to the on-failure destination. Reading resumes after it.
 */
export interface CheckpointStore {
  get(key: string): string | undefined;
  set(key: string, sequenceNumber: string): void;
  /** Resolves once every checkpoint set so far is durable. */
  flush(): Promise<void>;
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

  async flush(): Promise<void> {}
}

interface CheckpointFile {
  version: 1;
  checkpoints: Record<string, string>;
}

/** How long a checkpoint may wait in memory before it is written: one write serves every trigger's checkpoints meanwhile. */
export const CHECKPOINT_FLUSH_DELAY_MS = 200;

/**
 * Checkpoints in a JSON file, so that restarting `npm start` over data on disk
 * resumes where it left off instead of delivering every record again.
 *
 * Writes are behind and asynchronous: `set` changes memory and schedules one write
 * within `flushDelayMs`, which takes every checkpoint set meanwhile. Writing each one
 * at once, synchronously, blocked the event loop every API handler shares (an open,
 * a write, an fsync and a rename per stream batch per trigger: several milliseconds
 * of each produce call). A crash loses at most the last `flushDelayMs` of checkpoints,
 * so their records are delivered again after a restart: at least once, as Lambda's
 * event source mappings deliver. `flush()` (called when a trigger stops) writes at once.
 *
 * Each write goes through a temporary file, an fsync and a rename, so a crash leaves
 * either the old or the new file, never a torn one. It re-reads the file first and
 * merges, so several stores in one process can share a path; concurrent writers in
 * different processes are not supported.
 */
export class FileCheckpointStore implements CheckpointStore {
  private checkpoints: Record<string, string>;
  /** Keys set since the last write began. */
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** The write in progress, if any; writes never overlap. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly flushDelayMs = CHECKPOINT_FLUSH_DELAY_MS,
  ) {
    this.checkpoints = readCheckpointFile(path);
  }

  get(key: string): string | undefined {
    return this.checkpoints[key];
  }

  set(key: string, sequenceNumber: string): void {
    this.checkpoints[key] = sequenceNumber;
    this.dirty.add(key);
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.flushDelayMs);
    // A pending write must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.catch(() => undefined).then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    try {
      // Another store's checkpoints in the file, under this one's.
      const checkpoints = { ...(await readCheckpointFileAsync(this.path)), ...this.checkpoints };
      const file: CheckpointFile = { version: 1, checkpoints };
      await writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
      // Keep what was set while writing.
      this.checkpoints = { ...checkpoints, ...this.checkpoints };
    } catch (error) {
      // Written next time, with whatever is set meanwhile.
      for (const key of keys) this.dirty.add(key);
      throw error;
    }
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
  return parseCheckpointFile(path, text);
}

async function readCheckpointFileAsync(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseCheckpointFile(path, text);
}

function parseCheckpointFile(path: string, text: string): Record<string, string> {
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

async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
