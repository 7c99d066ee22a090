import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../support/console-browser';

let session: ConsoleSession;

describe('the console shell', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('shell-orders', { partitions: 3 });
    await session.client.produce('shell-orders', { records: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
  });
  after(async () => session?.close());

  it('sends / to the console and opens on the topic list', async () => {
    await session.page.goto(`${session.url}/`, { waitUntil: 'networkidle' });
    assert.equal(new URL(session.page.url()).pathname, '/console/');
    await session.page.getByRole('heading', { name: 'Topics' }).waitFor();
    const row = session.page.locator('tr[data-topic="shell-orders"]');
    await row.locator('[data-field="held"]').filter({ hasText: '2' }).waitFor();
    assert.equal(await row.locator('td').nth(1).textContent(), '3');
    assertNoBrowserErrors(session);
  });

  it('names a screen that does not exist instead of showing a blank page', async () => {
    await session.open('#/no/such/screen');
    await session.page.getByRole('heading', { name: 'Not found' }).waitFor();
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations on the topic list', async () => {
    await session.open('#/topics');
    await session.page.locator('tr[data-topic="shell-orders"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });
});
