import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { progressEnabled } from '../../../bin/cli/consume';

describe('progressEnabled', () => {
  test('by default shows progress when stderr is a terminal and stdout is not', () => {
    assert.equal(progressEnabled(undefined, { stdout: false, stderr: true }), true);
    assert.equal(progressEnabled(undefined, { stdout: true, stderr: true }), false, 'records on the same screen');
    assert.equal(progressEnabled(undefined, { stdout: false, stderr: false }), false);
  });

  test('--progress and --no-progress decide whatever the terminals', () => {
    assert.equal(progressEnabled(true, { stdout: true, stderr: false }), true);
    assert.equal(progressEnabled(false, { stdout: false, stderr: true }), false);
  });
});
