/**
 * The access screen against a local platform with token auth on: what it lists is what the
 * API lists, what its forms do shows in the API, and the API's refusals are shown with
 * their codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SluiceHttpClient } from '../../../../lib/client/index';
import { CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';

const ADMIN_TOKEN = 't-access-admin';
const VIEWER_TOKEN = 't-access-viewer';
process.env.SLUICE_AUTH_MODE = 'token';
process.env.SLUICE_AUTH_TOKENS = `admin=${ADMIN_TOKEN},viewer=${VIEWER_TOKEN}`;
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let session: ConsoleSession;

/** Gives the page a bearer token through the header's Token field, as a user would. */
async function useToken(token: string): Promise<void> {
  const form = session.page.locator('form.token');
  await form.getByLabel('Token').fill(token);
  await form.getByRole('button').click();
}

/**
 * The browser reports each 4xx answer as a console error ("Failed to load resource: … 403"):
 * those the test provoked are expected; anything else is not.
 */
function assertNoBrowserErrorsBut(...statuses: number[]): void {
  const unexpected = session.browserErrors.filter((e) => !statuses.some((s) => e.includes(`Failed to load resource: the server responded with a status of ${s}`)));
  assert.deepEqual(unexpected, [], 'the browser reported no other errors');
  session.browserErrors.length = 0;
}

describe('the access screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole({ token: ADMIN_TOKEN });
    await session.admin.createAcl({ principal: 'seeded-reader', resourceType: 'TOPIC', resourceName: 'orders', operation: 'READ', permission: 'ALLOW' });
    await session.admin.createAcl({ principal: 'seeded-writer', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'logs.', operation: 'WRITE', permission: 'DENY' });
    await session.admin.setQuota({ principal: 'seeded-quota', produceBytesPerSecond: 1_000_000 });
    // Before it has a token the page is answered 401, which the browser logs; the screen shows it.
    await session.open('#/access');
    await session.page.locator('[data-error-code="UNAUTHENTICATED"]').first().waitFor();
    assertNoBrowserErrorsBut(401);
    await useToken(ADMIN_TOKEN);
  });
  after(async () => session?.close());

  it('lists the rules the API lists', async () => {
    const rules = await session.admin.listAcls();
    assert.equal(rules.length, 2);
    for (const rule of rules) {
      const row = session.page.locator(`tr[data-rule-id="${rule.ruleId}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-principal'), rule.principal);
      assert.equal(await row.locator('[data-field="operation"]').textContent(), rule.operation);
      assert.equal(await row.locator('[data-field="permission"]').textContent(), rule.permission);
    }
    assertNoBrowserErrorsBut();
  });

  it('adds a rule from the form, which the API then lists', async () => {
    const form = session.page.locator('form[data-form="acl"]');
    await form.getByLabel('Principal').fill('console-made');
    await form.getByLabel('Resource type').selectOption('GROUP');
    await form.getByLabel('Pattern').selectOption('PREFIXED');
    await form.getByLabel('Resource name').fill('billing-');
    await form.getByLabel('Operation').selectOption('DESCRIBE');
    await form.getByLabel('Permission').selectOption('DENY');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await session.page.locator('tr[data-principal="console-made"]').waitFor();
    const made = (await session.admin.listAcls()).filter((r) => r.principal === 'console-made');
    assert.deepEqual(
      made.map(({ resourceType, patternType, resourceName, operation, permission }) => ({ resourceType, patternType, resourceName, operation, permission })),
      [{ resourceType: 'GROUP', patternType: 'PREFIXED', resourceName: 'billing-', operation: 'DESCRIBE', permission: 'DENY' }],
    );
    assertNoBrowserErrorsBut();
  });

  it('deletes a rule after asking, and the API no longer lists it', async () => {
    const [victim] = (await session.admin.listAcls()).filter((r) => r.principal === 'seeded-reader');
    assert.ok(victim);
    const row = session.page.locator(`tr[data-rule-id="${victim.ruleId}"]`);
    await row.getByRole('button', { name: /Delete/ }).click();
    const dialog = session.page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete rule' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await session.admin.listAcls()).some((r) => r.ruleId === victim.ruleId), false);
    assertNoBrowserErrorsBut();
  });

  it("shows the API's 400 naming the field for an invalid rule, and adds nothing", async () => {
    const before = await session.admin.listAcls();
    const form = session.page.locator('form[data-form="acl"]');
    await form.getByLabel('Principal').fill('bad-rule');
    await form.getByLabel('Resource type').selectOption('TOPIC');
    await form.getByLabel('Resource name').fill('no spaces allowed');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const error = session.page.locator('[data-form-error="acl"]');
    await error.locator('[data-error-code="INVALID_REQUEST"]').waitFor();
    assert.equal(await error.locator('[data-error-field]').getAttribute('data-error-field'), 'resourceName');
    assert.match((await error.textContent()) ?? '', /HTTP 400/);
    assert.equal((await session.admin.listAcls()).length, before.length);
    assertNoBrowserErrorsBut(400);
  });

  it('lists quotas and sets one from the form, which the API then lists', async () => {
    await session.page.locator('tr[data-quota-principal="seeded-quota"] [data-field="produce"][data-value="1000000"]').waitFor();
    const form = session.page.locator('form[data-form="quota"]');
    await form.getByLabel('Principal').fill('console-quota');
    await form.getByLabel('Produce bytes/s').fill('2048');
    await form.getByLabel('Fetch bytes/s').fill('');
    await form.getByRole('button', { name: 'Set quota' }).click();
    await session.page.locator('tr[data-quota-principal="console-quota"]').waitFor();
    const quota = (await session.admin.listQuotas()).find((q) => q.principal === 'console-quota');
    assert.deepEqual(quota && { produce: quota.produceBytesPerSecond, fetch: quota.fetchBytesPerSecond }, { produce: 2048, fetch: null });
    assertNoBrowserErrorsBut();
  });

  it('lifts a quota by setting it unlimited', async () => {
    const row = session.page.locator('tr[data-quota-principal="seeded-quota"]');
    await row.getByRole('button', { name: /Make unlimited/ }).click();
    await session.page.getByRole('dialog').getByRole('button', { name: 'Make unlimited' }).click();
    await row.locator('[data-field="produce"][data-value="null"]').waitFor();
    const quota = (await session.admin.listQuotas()).find((q) => q.principal === 'seeded-quota');
    assert.equal(quota?.produceBytesPerSecond, null);
    assertNoBrowserErrorsBut();
  });

  it('shows a quota the API refuses with its code and the field', async () => {
    const form = session.page.locator('form[data-form="quota"]');
    await form.getByLabel('Principal').fill('console-quota');
    await form.getByLabel('Produce bytes/s').fill('0');
    await form.getByRole('button', { name: 'Set quota' }).click();
    const error = session.page.locator('[data-form-error="quota"]');
    await error.locator('[data-error-code="INVALID_REQUEST"]').waitFor();
    assert.equal(await error.locator('[data-error-field]').getAttribute('data-error-field'), 'produceBytesPerSecond');
    assertNoBrowserErrorsBut(400);
  });

  it('pages a long list of rules, and filters it', async () => {
    for (let i = 0; i < 55; i++) await session.admin.createAcl({ principal: `bulk-${String(i).padStart(2, '0')}`, resourceType: 'TOPIC', resourceName: `bulk-${i}`, operation: 'READ', permission: 'ALLOW' });
    const total = (await session.admin.listAcls()).length;
    // The same hash again would not load the page again: reload (the token stays in sessionStorage).
    await session.page.reload({ waitUntil: 'networkidle' });
    const pager = session.page.getByRole('navigation', { name: 'rules pages' });
    await pager.getByText(`Page 1 of 2 (${total} rules)`).waitFor();
    assert.equal(await session.page.locator('tr[data-rule-id]').count(), 50);
    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText(`Page 2 of 2 (${total} rules)`).waitFor();
    assert.equal(await session.page.locator('tr[data-rule-id]').count(), total - 50);
    await session.page.getByLabel('Filter rules').fill('bulk-07');
    await session.page.locator('tr[data-rule-id]').first().waitFor();
    assert.deepEqual(await session.page.locator('tr[data-rule-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-principal'))), ['bulk-07']);
    assertNoBrowserErrorsBut();
  });

  it('has no serious accessibility violations', async () => {
    await session.open('#/access');
    await session.page.locator('table[data-table="acls"]').waitFor();
    await session.page.locator('table[data-table="quotas"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });

  it("shows a principal that is not an admin the API's 403 with its code, not a blank screen", async () => {
    await useToken(VIEWER_TOKEN);
    const denied = session.page.locator('[data-error-code="ACCESS_DENIED"]');
    // Both lists are refused: the rules and the quotas.
    await denied.nth(1).waitFor();
    assert.equal(await denied.count(), 2);
    assert.match((await denied.first().textContent()) ?? '', /HTTP 403/);
    // The API refuses that principal too: the screen shows the API's answer, not its own.
    await assert.rejects(new SluiceHttpClient({ baseUrl: session.url, headers: { authorization: `Bearer ${VIEWER_TOKEN}` } }).listAcls(), { code: 'ACCESS_DENIED' });
    assert.equal(await session.page.locator('table[data-table="acls"]').count(), 0);
    assertNoBrowserErrorsBut(403);
  });
});
