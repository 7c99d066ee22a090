import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

/** Waits until `condition` holds, checking every 50 ms for up to 20 s (what it waits for happens in the background). */
export async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await delay(50);
  }
  assert.fail(`never happened: ${what}`);
}
