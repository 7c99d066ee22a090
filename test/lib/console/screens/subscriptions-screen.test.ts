import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { formatTime } from '../../../../lib/console/components/format';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';
import { emptyGroup, fill, joinLive } from '../../../support/console-groups';

// The catch-up sweep every 2 s instead of every minute: it delivers what the stream trigger, still starting, may miss.
process.env.SLUICE_SCHEDULE_SPEEDUP = '30';

let session: ConsoleSession;
const servers: Server[] = [];

/** A webhook target on a free port that answers every delivery with `status`. */
async function target(status: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function held(topic: string): Promise<number> {
  const { partitions } = await session.client.listTopicOffsets(topic);
  return partitions.reduce((sum, p) => sum + p.highWatermark - p.logStartOffset, 0);
}

/** Opens a screen in a fresh page: a hash-only change would keep the last test's page and its state. */
async function openFresh(hash: string): Promise<void> {
  await session.page.goto('about:blank');
  await session.open(hash);
}

/** Unfolds the create form. */
async function openCreateForm() {
  const details = session.page.locator('details.create-subscription');
  await details.locator('summary').click();
  return details.locator('form');
}

describe('the push subscriptions screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('ps-orders', { partitions: 2 });
    await session.client.putSubscription('ps-ok', { topic: 'ps-orders', target: { type: 'https', url: await target(200) }, resetPolicy: 'earliest', batchSize: 50 });
    await session.client.putSubscription('ps-failing', {
      topic: 'ps-orders',
      target: { type: 'https', url: await target(500) },
      resetPolicy: 'earliest',
      retryAttempts: 0,
      deadLetterTopic: 'ps-failing-dead',
    });
    // Groups without a subscription: one with a live member (never asked), one empty (asked, and answered 404).
    await joinLive(session.client, 'ps-puller', ['ps-orders']);
    await emptyGroup(session.client, 'ps-idle', [{ topic: 'ps-orders', partition: 0, offset: 0 }]);
    await fill(session.client, 'ps-orders', { 0: 2, 1: 1 });
    // Settled: the good target took everything, the failing one dead-lettered all three records.
    await waitFor(async () => (await session.client.getSubscription('ps-ok')).totalLag === 0, 'ps-ok to catch up');
    await waitFor(async () => (await held('ps-failing-dead')) === 3 && (await session.client.getSubscription('ps-failing')).totalLag === 0, 'ps-failing to dead-letter its records');
  });
  after(async () => {
    await session?.close();
    for (const server of servers) server.close();
  });

  it('lists the groups that have a subscription, with target, controls and status', async () => {
    await openFresh('#/subscriptions');
    await session.page.getByRole('heading', { name: 'Push subscriptions' }).waitFor();
    await session.page.locator('tr[data-subscription="ps-ok"]').waitFor();
    assert.deepEqual(await session.page.locator('tr[data-subscription]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-subscription'))), ['ps-failing', 'ps-ok']);
    const ok = await session.client.getSubscription('ps-ok');
    const row = session.page.locator('tr[data-subscription="ps-ok"]');
    assert.equal(await row.locator('[data-field="target"]').textContent(), ok.target.type === 'https' ? ok.target.url : '');
    assert.equal(await row.locator('[data-field="controls"]').textContent(), 'batch 50 · window 0 ms · 10 retries · max age 86,400 s · bisect on error');
    assert.equal(await row.locator('[data-field="status"]').getAttribute('data-status'), 'caught-up');
    assert.equal(await row.locator('[data-field="last-error"]').textContent(), 'none');
    assert.equal(await row.locator('[data-field="lag"]').textContent(), String(ok.totalLag));
    // The empty group without a subscription was asked and answered 404, which is no error of the page.
    assert.match(session.apiErrorAnswers.join('\n'), /status of 404 .*: \/v1\/groups\/ps-idle\/subscription$/m);
    assert.doesNotMatch(session.apiErrorAnswers.join('\n'), /ps-puller/);
    assertNoBrowserErrors(session);
  });

  it('shows a failing subscription’s last error with its time, its failure count and its dead-letter depth as the API answers them', async () => {
    await openFresh('#/subscriptions');
    const failing = await session.client.getSubscription('ps-failing');
    assert.ok(failing.delivery.lastError && failing.delivery.lastErrorAt);
    const row = session.page.locator('tr[data-subscription="ps-failing"]');
    await row.locator('[data-field="dlq-depth"]').filter({ hasText: `${await held('ps-failing-dead')} records` }).waitFor();
    assert.equal(await row.locator('[data-field="last-error-message"]').textContent(), failing.delivery.lastError);
    assert.match(failing.delivery.lastError, /answered HTTP 500/);
    assert.equal(await row.locator('[data-field="last-error-at"]').textContent(), formatTime(failing.delivery.lastErrorAt));
    const failures = failing.partitions.reduce((sum, p) => sum + p.consecutiveFailures, 0);
    assert.ok(failures >= 3, `three records failed at least once each, not ${failures}`);
    assert.equal(await row.locator('[data-field="failures"]').textContent(), String(failures));
    assert.equal(await row.locator('[data-field="status"]').getAttribute('data-status'), 'failing');
    assert.match((await row.textContent()) ?? '', /ps-failing-dead/);
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await openFresh('#/subscriptions');
    await session.page.locator('tr[data-subscription="ps-failing"] [data-field="dlq-depth"]').filter({ hasText: 'records' }).waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
    await openCreateForm();
    assert.deepEqual(await session.seriousViolations(), [], 'with the create form open');
  });

  it('deletes a subscription after the group’s name is typed', async () => {
    await openFresh('#/subscriptions');
    await session.page.locator('tr[data-subscription="ps-ok"]').getByRole('button', { name: 'Delete' }).click();
    const dialog = session.page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('ps-ok');
    await dialog.getByRole('button', { name: 'Delete subscription' }).click();
    await session.page.locator('tr[data-subscription="ps-ok"]').waitFor({ state: 'detached' });
    await assert.rejects(session.client.getSubscription('ps-ok'), { code: 'SUBSCRIPTION_NOT_FOUND' });
    assert.equal(await session.page.locator('tr[data-subscription="ps-failing"]').count(), 1);
    assertNoBrowserErrors(session);
  });

  it('creates a subscription from the form and shows its secret once', async () => {
    await openFresh('#/subscriptions');
    const url = await target(200);
    const form = await openCreateForm();
    await form.locator('input[name="group"]').fill('ps-new');
    await form.locator('select[name="topic"]').selectOption('ps-orders');
    await form.locator('input[name="target"]').fill(url);
    await form.locator('input[name="batchSize"]').fill('7');
    await form.locator('input[name="retryAttempts"]').fill('3');
    await form.locator('input[name="deadLetterTopic"]').fill('ps-new-dead');
    await form.getByRole('button', { name: 'Save subscription' }).click();
    await form.locator('[data-created="ps-new"]').waitFor();
    const secret = await form.locator('[data-field="secret"]').textContent();
    assert.ok(secret && secret.length >= 16);
    const saved = await session.client.getSubscription('ps-new');
    assert.deepEqual(
      { topic: saved.topic, target: saved.target, batchSize: saved.batchSize, retryAttempts: saved.retryAttempts, deadLetterTopic: saved.deadLetterTopic, bisectOnError: saved.bisectOnError },
      { topic: 'ps-orders', target: { type: 'https', url }, batchSize: 7, retryAttempts: 3, deadLetterTopic: 'ps-new-dead', bisectOnError: true },
    );
    assert.equal('secret' in saved, false, 'the API shows the secret only when it is created');
    await session.page.locator('tr[data-subscription="ps-new"]').waitFor();
    assertNoBrowserErrors(session);
  });

  it('shows the API’s refusal of a value out of range, naming the field', async () => {
    await openFresh('#/subscriptions');
    const form = await openCreateForm();
    await form.locator('input[name="group"]').fill('ps-bad');
    await form.locator('input[name="target"]').fill('http://127.0.0.1:9/hook');
    await form.locator('input[name="batchSize"]').fill('0');
    await form.getByRole('button', { name: 'Save subscription' }).click();
    const error = form.locator('[data-error-code="INVALID_REQUEST"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /batchSize/);
    await assert.rejects(session.client.getSubscription('ps-bad'), { code: 'SUBSCRIPTION_NOT_FOUND' });
    assertNoBrowserErrors(session);
  });
});
