import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MembershipView } from '../../../../lib/client/index';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';
import { commitAs, emptyGroup, fill, joinLive } from '../../../support/console-groups';

let session: ConsoleSession;
let member: MembershipView;

/** Opens a screen in a fresh page: a hash-only change would keep the last test's page and its state. */
async function openFresh(hash: string): Promise<void> {
  await session.page.goto('about:blank');
  await session.open(hash);
}

describe('the consumer group screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('gs-orders', { partitions: 2 });
    await session.admin.createTopic('gs-audit', { partitions: 1 });
    await fill(session.client, 'gs-orders', { 0: 6, 1: 4 });
    await fill(session.client, 'gs-audit', { 0: 3 });
    member = await joinLive(session.client, 'gs-live', ['gs-orders'], 'billing');
    await commitAs(session.client, member, [
      { topic: 'gs-orders', partition: 0, offset: 2 },
      { topic: 'gs-orders', partition: 1, offset: 4 },
    ]);
    await emptyGroup(session.client, 'gs-idle', [
      { topic: 'gs-orders', partition: 0, offset: 5 },
      { topic: 'gs-orders', partition: 1, offset: 3 },
      { topic: 'gs-audit', partition: 0, offset: 1 },
    ]);
    await emptyGroup(session.client, 'gs-doomed', [{ topic: 'gs-audit', partition: 0, offset: 2 }]);
  });
  after(async () => session?.close());

  it('shows the state, generation, members and their partitions as the API describes them', async () => {
    await openFresh('#/groups/gs-live');
    const described = await session.client.describeGroup('gs-live');
    const cards = session.page.locator('[data-group="gs-live"]');
    await cards.waitFor();
    assert.equal(await cards.locator('[data-field="state"]').textContent(), described.state);
    assert.equal(await cards.locator('[data-field="generation"]').textContent(), String(described.generation));
    assert.equal(await cards.locator('[data-field="members"]').textContent(), '1');
    const row = session.page.locator(`tr[data-member="${member.memberId}"]`);
    const assigned = described.memberDetails[0]!.assignment;
    assert.deepEqual(assigned, [{ topic: 'gs-orders', partitions: [0, 1] }]);
    assert.equal(await row.locator('[data-field="assignment"]').textContent(), 'gs-orders: 0, 1');
    assert.match((await row.textContent()) ?? '', /billing/);
    assertNoBrowserErrors(session);
  });

  it('shows each partition’s committed offset, high watermark and lag as the API answers them', async () => {
    await openFresh('#/groups/gs-idle');
    const { partitions } = await session.client.groupOffsets('gs-idle');
    assert.equal(partitions.length, 3);
    for (const p of partitions) {
      const row = session.page.locator(`section[data-topic="${p.topic}"] tr[data-partition="${p.partition}"]`);
      await row.waitFor();
      assert.equal(await row.locator('[data-field="committed"]').textContent(), String(p.committedOffset));
      assert.equal(await row.locator('[data-field="high-watermark"]').textContent(), String(p.highWatermark));
      assert.equal(await row.locator('[data-field="lag"]').textContent(), String(p.lag));
    }
    assertNoBrowserErrors(session);
  });

  it('draws a point of the lag chart for each sample taken while the page is open', async () => {
    await openFresh('#/groups/gs-idle');
    const total = session.page.locator('.lag-chart g[data-series="Total"]');
    await total.locator('circle').nth(2).waitFor();
    const { totalLag } = await session.client.groupOffsets('gs-idle');
    assert.equal(await total.locator('circle').first().getAttribute('data-point'), String(totalLag));
    assert.equal(await total.locator('polyline').count(), 1);
    // One line per topic besides the total.
    assert.equal(await session.page.locator('.lag-chart g[data-series="gs-orders"] circle').count() >= 3, true);
    assertNoBrowserErrors(session);
  });

  it('shows the API’s refusal to reset a group with a live member', async () => {
    await openFresh('#/groups/gs-live');
    const form = session.page.locator('form.reset-offsets');
    await form.getByRole('button', { name: 'Dry run' }).click();
    await form.locator('[data-error-code="GROUP_ACTIVE"]').waitFor();
    assert.match(session.apiErrorAnswers.join('\n'), /status of 409 .*: \/v1\/groups\/gs-live\/reset-offsets$/m);
    assertNoBrowserErrors(session);
  });

  it('shows a dry run’s plan without changing the offsets, then applies it', async () => {
    const before = await session.client.groupOffsets('gs-idle', { topic: 'gs-orders' });
    await openFresh('#/groups/gs-idle');
    const form = session.page.locator('form.reset-offsets');
    await form.locator('select[name="topic"]').selectOption('gs-orders');
    await form.locator('select[name="target"]').selectOption('earliest');
    await form.getByRole('button', { name: 'Dry run' }).click();
    const plan = form.locator('table[data-plan="dry-run"]');
    await plan.waitFor();
    for (const p of before.partitions) {
      const row = plan.locator(`tr[data-partition="${p.partition}"]`);
      assert.equal(await row.locator('[data-field="previous"]').textContent(), String(p.committedOffset));
      assert.equal(await row.locator('[data-field="offset"]').textContent(), String(p.logStartOffset));
    }
    assert.deepEqual(await session.client.groupOffsets('gs-idle', { topic: 'gs-orders' }), before, 'a dry run writes nothing');

    await form.getByRole('button', { name: 'Apply' }).click();
    await form.locator('[data-reset="applied"]').waitFor();
    const after = await session.client.groupOffsets('gs-idle', { topic: 'gs-orders' });
    assert.deepEqual(
      after.partitions.map((p) => p.committedOffset),
      before.partitions.map((p) => p.logStartOffset),
    );
    // The screen reads the group again: the table shows the new offsets.
    await session.page.locator('section[data-topic="gs-orders"] tr[data-partition="0"] [data-field="committed"]').filter({ hasText: /^0$/ }).waitFor();
    assertNoBrowserErrors(session);
  });

  it('resets to an explicit offset on chosen partitions only', async () => {
    await openFresh('#/groups/gs-idle');
    const form = session.page.locator('form.reset-offsets');
    await form.locator('select[name="topic"]').selectOption('gs-orders');
    await form.locator('input[name="partitions"]').fill('1');
    await form.locator('select[name="target"]').selectOption('offset');
    await form.locator('input[name="offset"]').fill('2');
    await form.getByRole('button', { name: 'Dry run' }).click();
    await form.locator('table[data-plan="dry-run"] tr[data-partition="1"]').waitFor();
    assert.equal(await form.locator('table[data-plan="dry-run"] tbody tr').count(), 1);
    await form.getByRole('button', { name: 'Apply' }).click();
    await form.locator('[data-reset="applied"]').waitFor();
    const offsets = await session.client.groupOffsets('gs-idle', { topic: 'gs-orders' });
    assert.equal(offsets.partitions.find((p) => p.partition === 1)?.committedOffset, 2);
    assertNoBrowserErrors(session);
  });

  it('deletes a topic’s committed offsets for the group after the topic’s name is typed', async () => {
    await openFresh('#/groups/gs-idle');
    await session.page.getByRole('button', { name: 'Delete offsets of gs-audit' }).click();
    const dialog = session.page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete offsets' });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByRole('textbox').fill('gs-audit');
    await confirm.click();
    await session.page.locator('[data-offsets="deleted"]').filter({ hasText: 'partitions 0' }).waitFor();
    const { partitions } = await session.client.groupOffsets('gs-idle');
    assert.deepEqual(
      partitions.filter((p) => p.topic === 'gs-audit' && p.committedOffset !== null),
      [],
    );
    assert.ok(partitions.some((p) => p.topic === 'gs-orders' && p.committedOffset !== null), 'other topics keep their offsets');
    assertNoBrowserErrors(session);
  });

  it('deletes the group after its name is typed, and returns to the list', async () => {
    await openFresh('#/groups/gs-doomed');
    await session.page.getByRole('button', { name: 'Delete group' }).click();
    const dialog = session.page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('gs-doomed');
    await dialog.getByRole('button', { name: 'Delete group' }).click();
    await session.page.getByRole('heading', { name: 'Consumer groups' }).waitFor();
    await assert.rejects(session.client.describeGroup('gs-doomed'), { code: 'GROUP_NOT_FOUND' });
    await session.page.locator('tr[data-group="gs-live"]').waitFor();
    assert.equal(await session.page.locator('tr[data-group="gs-doomed"]').count(), 0);
    assertNoBrowserErrors(session);
  });

  it('shows a group that does not exist as the API’s error', async () => {
    await openFresh('#/groups/gs-nobody');
    await session.page.locator('[data-error-code="GROUP_NOT_FOUND"]').first().waitFor();
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await openFresh('#/groups/gs-live');
    await session.page.locator('.lag-chart g[data-series="Total"] circle').first().waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
    await session.page.getByRole('button', { name: 'Delete group' }).click();
    await session.page.getByRole('dialog').waitFor();
    assert.deepEqual(await session.seriousViolations(), [], 'with the confirmation open');
  });
});
