import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';
import { commitAs, emptyGroup, fill, joinLive } from '../../../support/console-groups';

let session: ConsoleSession;

/** Opens a screen in a fresh page: a hash-only change would keep the last test's page and its state. */
async function openFresh(hash: string): Promise<void> {
  await session.page.goto('about:blank');
  await session.open(hash);
}

describe('the consumer groups screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('gl-orders', { partitions: 2 });
    await fill(session.client, 'gl-orders', { 0: 5, 1: 3 });
    const live = await joinLive(session.client, 'gl-live', ['gl-orders']);
    await commitAs(session.client, live, [{ topic: 'gl-orders', partition: 0, offset: 2 }]);
    await emptyGroup(session.client, 'gl-idle', [
      { topic: 'gl-orders', partition: 0, offset: 5 },
      { topic: 'gl-orders', partition: 1, offset: 1 },
    ]);
  });
  after(async () => session?.close());

  it('lists each group with the state, generation, members and total lag the API answers', async () => {
    await openFresh('#/groups');
    await session.page.getByRole('heading', { name: 'Consumer groups' }).waitFor();
    const groups = await session.client.listGroups();
    assert.deepEqual(
      groups.map((g) => g.group),
      ['gl-idle', 'gl-live'],
    );
    for (const group of groups) {
      const row = session.page.locator(`tr[data-group="${group.group}"]`);
      const { totalLag } = await session.client.groupOffsets(group.group);
      await row.locator('[data-field="lag"]').filter({ hasText: new RegExp(`^${totalLag}$`) }).waitFor();
      assert.equal(await row.locator('[data-field="state"]').textContent(), group.state);
      assert.equal(await row.locator('[data-field="generation"]').textContent(), String(group.generation));
      assert.equal(await row.locator('[data-field="members"]').textContent(), String(group.members));
    }
    // Not zeros: the live group is at 2 of 5 on partition 0 (and at the end of 1, by its reset policy), the idle one at 1 of 3 on partition 1.
    assert.equal(await session.page.locator('tr[data-group="gl-live"] [data-field="lag"]').textContent(), '3');
    assert.equal(await session.page.locator('tr[data-group="gl-idle"] [data-field="lag"]').textContent(), '2');
    assert.equal(await session.page.locator('tr[data-group="gl-live"] [data-field="state"]').textContent(), 'Stable');
    assert.equal(await session.page.locator('tr[data-group="gl-idle"] [data-field="state"]').textContent(), 'Empty');
    assertNoBrowserErrors(session);
  });

  it('links each group to its screen', async () => {
    await openFresh('#/groups');
    await session.page.locator('tr[data-group="gl-idle"] a').click();
    await session.page.getByRole('heading', { name: 'Group gl-idle' }).waitFor();
    assert.equal(new URL(session.page.url()).hash, '#/groups/gl-idle');
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await openFresh('#/groups');
    await session.page.locator('tr[data-group="gl-live"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });
});
