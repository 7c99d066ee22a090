import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SCREENS, VIEWPORT, takeScreenshots } from '../../../infra/console/screenshots';
import { CONSOLE_SKIP } from '../../support/console-browser';

/** `npm run console:screenshots`, into a temp directory and without touching docs/. */
const outDir = mkdtempSync(path.join(tmpdir(), 'sluice-screenshots-test-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

/** A PNG's width and height, from its IHDR chunk; undefined if the bytes are no PNG. */
function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (!bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the console screenshots script', { skip: CONSOLE_SKIP }, () => {
  it('seeds a demo platform and writes one 1280x800 PNG per screen, saying each as it goes', { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const shots = await takeScreenshots({ outDir, log: (line) => lines.push(line) });
    assert.deepEqual(readdirSync(outDir).sort(), SCREENS.map((s) => `${s.name}.png`).sort());
    for (const shot of shots) assert.deepEqual(pngSize(readFileSync(shot.file)), VIEWPORT, shot.name);
    for (const screen of SCREENS) assert.ok(lines.some((line) => line.startsWith(screen.name) && line.includes(`${screen.name}.png`)), `a progress line for ${screen.name}`);
  });
});
