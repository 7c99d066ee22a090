import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';

let session: ConsoleSession;

describe('the topic list', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('list-orders', { partitions: 3 });
    await session.admin.createTopic('list-audit', { partitions: 1 });
    await session.client.produce('list-orders', { records: [0, 1, 2, 2, 2].map((partition, i) => ({ value: `v${i}`, partition })) });
    await session.client.produce('list-audit', { records: [{ value: 'a' }] });
  });
  after(async () => session?.close());

  it("shows each topic's partition count and records held as the API answers them", async () => {
    await session.open('#/topics');
    for (const topic of await session.client.listTopics()) {
      const offsets = await session.client.listTopicOffsets(topic.name);
      const held = offsets.partitions.reduce((sum, p) => sum + p.highWatermark - p.logStartOffset, 0);
      const row = session.page.locator(`tr[data-topic="${topic.name}"]`);
      await row.locator('[data-field="held"]').filter({ hasText: new RegExp(`^${held}$`) }).waitFor();
      assert.equal(await row.locator('td').nth(1).textContent(), String(topic.partitions));
      const bytes = offsets.partitions.reduce((sum, p) => sum + (p.storedBytes ?? 0), 0);
      assert.equal(await row.locator('[data-field="stored-bytes"]').getAttribute('data-bytes'), String(bytes));
    }
    assertNoBrowserErrors(session);
  });

  it('creates a topic from the form, with its partitions and config, as the API then describes it', async () => {
    await session.open('#/topics');
    const form = session.page.locator('form[data-form="create-topic"]');
    await form.getByLabel('Name', { exact: true }).fill('list-created');
    await form.getByLabel('Partitions', { exact: true }).fill('4');
    await form.getByLabel('retention.ms', { exact: true }).fill('3600000');
    await form.locator('select[name="cleanup.policy"]').selectOption('compact,delete');
    await form.getByLabel('Other config (name=value lines)', { exact: true }).fill('compression.type=zstd');
    await form.getByRole('button', { name: 'Create topic' }).click();
    await session.page.locator('[data-created="list-created"]').waitFor();
    await session.page.locator('tr[data-topic="list-created"]').waitFor();
    const described = await session.client.describeTopic('list-created');
    assert.equal(described.partitions, 4);
    assert.deepEqual(described.config, { 'retention.ms': '3600000', 'cleanup.policy': 'compact,delete', 'compression.type': 'zstd' });
    assertNoBrowserErrors(session);
  });

  it("shows the API's refusal of an invalid topic with its code and field, and creates nothing", async () => {
    await session.open('#/topics');
    const form = session.page.locator('form[data-form="create-topic"]');
    await form.getByLabel('Name', { exact: true }).fill('list-bad');
    await form.getByLabel('retention.ms', { exact: true }).fill('soon');
    await form.getByRole('button', { name: 'Create topic' }).click();
    const error = form.locator('[data-error-code]');
    await error.waitFor();
    const refused = await session.client.createTopic('list-bad', { config: { 'retention.ms': 'soon' } }).then(
      () => assert.fail('the API accepted it'),
      (err: { code: string; details: { field?: string } }) => err,
    );
    assert.equal(await error.getAttribute('data-error-code'), refused.code);
    assert.equal(await error.locator('[data-error-field]').getAttribute('data-error-field'), refused.details.field);
    assert.ok(!(await session.client.listTopics()).some((t) => t.name === 'list-bad'));
    // The browser logs the 400 it was answered; nothing else may fail.
    assert.deepEqual(session.browserErrors.filter((e) => !e.includes('400')), []);
    session.browserErrors.length = 0;
  });

  it('has no serious accessibility violations', async () => {
    await session.open('#/topics');
    await session.page.locator('tr[data-topic="list-orders"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });
});
