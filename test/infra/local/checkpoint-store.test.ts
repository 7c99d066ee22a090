import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpointKey, FileCheckpointStore, MemoryCheckpointStore } from '../../../infra/local/checkpoint-store';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-checkpoints-'));
  dirs.push(dir);
  return dir;
}

describe('checkpointKey', () => {
  test('differs by function, stream and shard', () => {
    const keys = new Set([
      checkpointKey('f', 'arn:stream/1', 'shard-1'),
      checkpointKey('g', 'arn:stream/1', 'shard-1'),
      checkpointKey('f', 'arn:stream/2', 'shard-1'),
      checkpointKey('f', 'arn:stream/1', 'shard-2'),
    ]);
    assert.equal(keys.size, 4);
  });
});

describe('MemoryCheckpointStore', () => {
  test('returns the last sequence number set for a key', () => {
    const store = new MemoryCheckpointStore();
    assert.equal(store.get('k'), undefined);
    store.set('k', '001');
    store.set('k', '002');
    assert.equal(store.get('k'), '002');
  });
});

describe('FileCheckpointStore', () => {
  test('a new store on the same path sees the checkpoints written before', () => {
    const path = join(tempDir(), 'checkpoints.json');
    new FileCheckpointStore(path).set('k', '000000000000000000042');
    assert.equal(new FileCheckpointStore(path).get('k'), '000000000000000000042');
  });

  test('creates missing directories and leaves no temporary file behind', () => {
    const dir = tempDir();
    const path = join(dir, 'nested', 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    store.set('a', '1');
    store.set('b', '2');
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['checkpoints.json']);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, checkpoints: { a: '1', b: '2' } });
  });

  test('stores sharing a path keep each other\'s checkpoints', () => {
    const path = join(tempDir(), 'checkpoints.json');
    const one = new FileCheckpointStore(path);
    const two = new FileCheckpointStore(path);
    one.set('one', '1');
    two.set('two', '2');
    const reopened = new FileCheckpointStore(path);
    assert.equal(reopened.get('one'), '1');
    assert.equal(reopened.get('two'), '2');
  });

  test('a corrupt file is reported with its path instead of being silently ignored', () => {
    const path = join(tempDir(), 'checkpoints.json');
    writeFileSync(path, '{"checkpoints": {');
    assert.throws(() => new FileCheckpointStore(path), (error: Error) => error.message.includes(path));
  });
});
