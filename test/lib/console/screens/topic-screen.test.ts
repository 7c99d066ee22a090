import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';

let session: ConsoleSession;

describe('the topic screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('screen-orders', { partitions: 3, config: { 'retention.ms': '86400000' } });
    await session.client.produce('screen-orders', { records: [0, 0, 0, 2].map((partition, i) => ({ key: `k${i}`, value: `value ${i}`, partition })) });
    await session.client.trimPartition('screen-orders', 0, 1);
  });
  after(async () => session?.close());

  it("shows each partition's log start offset, high watermark and stored bytes as the API answers them", async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    await session.page.getByRole('heading', { name: 'Topic screen-orders' }).waitFor();
    const offsets = await session.client.listTopicOffsets('screen-orders');
    assert.equal(offsets.partitions[0]!.logStartOffset, 1, 'the trim moved partition 0 on');
    for (const p of offsets.partitions) {
      const row = session.page.locator(`table[data-table="partitions"] tr[data-partition="${p.partition}"]`);
      await row.waitFor();
      assert.equal(await row.locator('[data-field="log-start"]').getAttribute('data-value'), String(p.logStartOffset));
      assert.equal(await row.locator('[data-field="high-watermark"]').getAttribute('data-value'), String(p.highWatermark));
      assert.equal(await row.locator('[data-field="stored-bytes"]').getAttribute('data-value'), String(p.storedBytes));
    }
    assertNoBrowserErrors(session);
  });

  it('says the rates are measured since the page opened, and counts records produced while it is open', async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    const rateIn = session.page.locator('[data-field="rate-in"]');
    await rateIn.filter({ hasText: 'since you opened this page' }).waitFor();
    await session.client.produce('screen-orders', { records: [{ value: 'while open', partition: 1 }] });
    // The next sample (every few seconds) sees the high watermark move: a rate above zero.
    await rateIn.locator('.value').filter({ hasText: /^(?!0\.00\/s)\d/ }).waitFor({ timeout: 20_000 });
    assert.equal(await rateIn.getAttribute('data-full-window'), 'false');
    await session.page.locator('[data-field="rate-out"]').filter({ hasText: 'Records/s out' }).waitFor();
    assertNoBrowserErrors(session);
  });

  it('counts records a group commits while the page is open as records out', async () => {
    // A group the API lists (it lists groups that joined once): joined, left, then committing standalone.
    const member = await session.client.joinGroup('screen-readers', { topics: ['screen-orders'] });
    await session.client.leaveGroup('screen-readers', member.memberId);
    await session.client.commitOffsets('screen-readers', { offsets: [{ topic: 'screen-orders', partition: 2, offset: 0 }] });
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    const rateOut = session.page.locator('[data-field="rate-out"]');
    await rateOut.filter({ hasText: '1 group committing' }).waitFor();
    await session.client.commitOffsets('screen-readers', { offsets: [{ topic: 'screen-orders', partition: 2, offset: 1 }] });
    await rateOut.locator('.value').filter({ hasText: /^(?!0\.00\/s)\d/ }).waitFor({ timeout: 20_000 });
    assertNoBrowserErrors(session);
  });

  it('sets and removes config keys, as describeTopic then answers', async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    const form = session.page.locator('form[data-form="alter-config"]');
    await form.getByLabel('Config key', { exact: true }).fill('cleanup.policy');
    await form.getByLabel('Value', { exact: true }).fill('compact');
    await form.getByRole('button', { name: 'Set' }).click();
    await session.page.locator('tr[data-config-key="cleanup.policy"] [data-field="value"]').filter({ hasText: 'compact' }).waitFor();
    assert.equal((await session.client.describeTopic('screen-orders')).config['cleanup.policy'], 'compact');
    await session.page.locator('tr[data-config-key="retention.ms"]').getByRole('button', { name: 'Remove retention.ms' }).click();
    await session.page.locator('tr[data-config-key="retention.ms"]').waitFor({ state: 'detached' });
    assert.deepEqual((await session.client.describeTopic('screen-orders')).config, { 'cleanup.policy': 'compact' });
    assertNoBrowserErrors(session);
  });

  it("shows the API's refusal of a config value with its code and field", async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    const form = session.page.locator('form[data-form="alter-config"]');
    await form.getByLabel('Config key', { exact: true }).fill('retention.ms');
    await form.getByLabel('Value', { exact: true }).fill('0');
    await form.getByRole('button', { name: 'Set' }).click();
    const error = form.locator('[data-error-code]');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-error-code'), 'INVALID_REQUEST');
    assert.match((await error.locator('[data-error-field]').getAttribute('data-error-field')) ?? '', /retention\.ms/);
    session.browserErrors.splice(0, session.browserErrors.length, ...session.browserErrors.filter((e) => !e.includes('400')));
    assertNoBrowserErrors(session);
  });

  it('adds partitions, as the API then counts them', async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    const form = session.page.locator('form[data-form="add-partitions"]');
    await form.getByRole('spinbutton').fill('5');
    await form.getByRole('button', { name: 'Add partitions' }).click();
    await session.page.locator('table[data-table="partitions"] tr[data-partition="4"]').waitFor();
    assert.equal((await session.client.describeTopic('screen-orders')).partitions, 5);
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await session.page.goto('about:blank');
    await session.open('#/topics/screen-orders');
    await session.page.locator('table[data-table="partitions"] tr[data-partition="0"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });

  it('deletes the topic only once its name is typed, and the API then answers TOPIC_NOT_FOUND', async () => {
    await session.admin.createTopic('screen-doomed');
    await session.open('#/topics/screen-doomed');
    await session.page.getByRole('button', { name: 'Delete topic' }).click();
    const dialog = session.page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete topic' });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByRole('textbox').fill('screen-doomed');
    await confirm.click();
    await session.page.getByRole('heading', { name: 'Topics', exact: true }).waitFor();
    await assert.rejects(session.client.describeTopic('screen-doomed'), { code: 'TOPIC_NOT_FOUND' });
    assertNoBrowserErrors(session);
  });
});
