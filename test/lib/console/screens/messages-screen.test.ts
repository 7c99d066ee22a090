import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';

let session: ConsoleSession;
const TOPIC = 'browse-orders';
// Recent, so retention (7 days by default) keeps them; whole seconds, as a datetime-local input takes them.
const t0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const ORDER = { id: 1, status: 'new', lines: [{ sku: 'A-1', qty: 2 }] };

const rows = () => session.page.locator('table[data-table="messages"] tbody tr');
const row = (partition: number, offset: number) => session.page.locator(`table[data-table="messages"] tr[data-partition="${partition}"][data-offset="${offset}"]`);
async function shownOffsets(): Promise<string[]> {
  return rows().evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-partition')}:${tr.getAttribute('data-offset')}`));
}
/** Opens the browser afresh (a hash-only change would keep the last test's choices). */
async function openBrowser() {
  await session.page.goto('about:blank');
  await session.open(`#/topics/${TOPIC}/messages`);
}
async function choose(start: 'earliest' | 'latest' | 'offset' | 'time', partition: 'all' | number) {
  const form = session.page.locator('form[data-form="browse"]');
  await form.locator('select[name="partition"]').selectOption(String(partition));
  await form.locator('select[name="start"]').selectOption(start);
}

describe('the message browser', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic(TOPIC, { partitions: 2 });
    await session.client.produce(TOPIC, {
      records: [
        { key: 'order-1', value: JSON.stringify(ORDER), headers: [{ key: 'trace', value: 't-1' }], partition: 0, timestamp: t0 },
        { key: 'order-2', value: 'plain text', partition: 0, timestamp: t0 + 60_000 },
        { key: 'other', value: 'in partition one', partition: 1, timestamp: t0 + 30_000 },
      ],
    });
    await session.client.produce(TOPIC, {
      encoding: 'base64',
      records: [{ key: Buffer.from('order-3').toString('base64'), value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]).toString('base64'), partition: 0, timestamp: t0 + 120_000 }],
    });
  });
  after(async () => session?.close());

  it("shows every partition's records from the earliest, with the key, value, headers and offsets the API answers", async () => {
    await openBrowser();
    await row(0, 2).waitFor();
    for (const partition of [0, 1]) {
      const fetched = await session.client.fetchRecords(TOPIC, partition, { encoding: 'base64', format: 'json' });
      const text = (base64: string | null) => (base64 === null ? 'null' : Buffer.from(base64, 'base64').toString('utf8'));
      for (const record of fetched.records) {
        const shown = row(partition, record.offset);
        assert.equal(await shown.locator('[data-field="key"]').textContent(), text(record.key));
        assert.equal(await shown.locator('[data-field="timestamp"]').getAttribute('data-value'), String(record.timestamp));
        for (const header of record.headers) assert.equal(await shown.locator(`[data-header="${header.key}"]`).textContent(), `${header.key}: ${text(header.value)}`);
      }
      assert.equal(await session.page.locator(`table[data-table="messages"] tr[data-partition="${partition}"]`).count(), fetched.records.length);
    }
    assert.equal(await row(0, 1).locator('[data-field="value"]').textContent(), 'plain text');
    // Merged by timestamp: p0's t0, p1's t0+30s, then p0's later two.
    assert.deepEqual(await shownOffsets(), ['0:0', '1:0', '0:1', '0:2']);
    assertNoBrowserErrors(session);
  });

  it('pretty-prints a JSON value', async () => {
    await openBrowser();
    const value = row(0, 0).locator('[data-field="value"]');
    await value.waitFor();
    assert.equal(await value.getAttribute('data-kind'), 'json');
    assert.equal(await value.locator('pre').textContent(), JSON.stringify(ORDER, null, 2));
    assertNoBrowserErrors(session);
  });

  it('shows a binary value as hex, or base64 when asked', async () => {
    await openBrowser();
    const value = row(0, 2).locator('[data-field="value"]');
    await value.waitFor();
    assert.equal(await value.getAttribute('data-kind'), 'binary');
    assert.equal(await value.textContent(), 'de ad be ef 00');
    await session.page.locator('select[name="binary"]').selectOption('base64');
    await value.filter({ hasText: '3q2+7wA=' }).waitFor();
    assert.equal(await row(0, 2).locator('[data-field="key"]').textContent(), 'order-3');
    assertNoBrowserErrors(session);
  });

  it('starts one partition from an offset', async () => {
    await openBrowser();
    await row(0, 0).waitFor();
    await choose('offset', 0);
    await session.page.locator('input[name="offset"]').fill('1');
    await session.page.getByRole('button', { name: 'Show' }).click();
    await row(0, 0).waitFor({ state: 'detached' });
    assert.deepEqual(await shownOffsets(), ['0:1', '0:2']);
    assertNoBrowserErrors(session);
  });

  it('starts every partition from a date-time, at the first record at or after it', async () => {
    await openBrowser();
    await row(0, 0).waitFor();
    await choose('time', 'all');
    // The input takes the browser's local time.
    const local = await session.page.evaluate((ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19), t0 + 60_000);
    await session.page.locator('input[name="time"]').fill(local);
    await session.page.getByRole('button', { name: 'Show' }).click();
    await row(0, 0).waitFor({ state: 'detached' });
    const expected = await session.admin.offsetsForTimes(TOPIC, t0 + 60_000);
    assert.deepEqual(expected.map((e) => [e.partition, e.offset]), [[0, 1], [1, null]]);
    assert.deepEqual(await shownOffsets(), ['0:1', '0:2']);
    assertNoBrowserErrors(session);
  });

  it('narrows the rows to those whose key, value or headers hold the filter text', async () => {
    await openBrowser();
    await row(0, 2).waitFor();
    const filter = session.page.getByLabel('Filter (key, value, headers)');
    await filter.fill('ORDER-2');
    await row(0, 0).waitFor({ state: 'detached' });
    assert.deepEqual(await shownOffsets(), ['0:1']);
    await filter.fill('t-1');
    await row(0, 0).waitFor();
    assert.deepEqual(await shownOffsets(), ['0:0']);
    await filter.fill('"sku": "A-1"');
    await row(0, 0).waitFor();
    assert.deepEqual(await shownOffsets(), ['0:0']);
    assertNoBrowserErrors(session);
  });

  it('shows records produced from the form and through the API in the live view', async () => {
    await openBrowser();
    await row(0, 0).waitFor();
    await choose('latest', 'all');
    await session.page.getByRole('button', { name: 'Follow live' }).click();
    await session.page.locator('[data-status="live"]').waitFor();
    // The latest page of each partition comes first: the live view is connected once it shows.
    await row(0, 2).waitFor();

    const form = session.page.locator('form[data-form="produce"]');
    await form.getByLabel('Key (empty: none)').fill('live-form');
    await form.getByLabel('Value', { exact: true }).fill('{"from":"the form"}');
    await form.getByLabel('Headers (name=value lines)').fill('source=console\ntrace=t-9');
    await form.locator('select[name="partition"]').selectOption('1');
    await form.getByRole('button', { name: 'Produce' }).click();
    const produced = form.locator('[data-produced-offset]');
    await produced.waitFor();
    assert.equal(await produced.getAttribute('data-produced-partition'), '1');
    const offset = Number(await produced.getAttribute('data-produced-offset'));
    const fromForm = row(1, offset);
    await fromForm.waitFor();
    assert.equal(await fromForm.locator('[data-field="key"]').textContent(), 'live-form');
    assert.equal(await fromForm.locator('[data-field="value"]').getAttribute('data-kind'), 'json');
    assert.equal(await fromForm.locator('[data-header="source"]').textContent(), 'source: console');
    const stored = (await session.client.fetchRecords(TOPIC, 1, { offset, maxRecords: 1, encoding: 'utf8', format: 'json' })).records[0]!;
    assert.deepEqual([stored.key, stored.value, stored.headers], ['live-form', '{"from":"the form"}', [{ key: 'source', value: 'console' }, { key: 'trace', value: 't-9' }]]);

    const viaApi = await session.client.produce(TOPIC, { records: [{ key: 'live-api', value: 'from the API', partition: 0 }] });
    const fromApi = row(0, viaApi.records[0]!.offset);
    await fromApi.waitFor();
    assert.equal(await fromApi.locator('[data-field="value"]').textContent(), 'from the API');

    await session.page.getByRole('button', { name: 'Stop following' }).click();
    await session.page.locator('[data-status="stopped"]').waitFor();
    assertNoBrowserErrors(session);
  });

  it('follows a topic of more partitions than it opens streams for, and the produce form still answers meanwhile', async () => {
    // Six partitions: more than the browser's connections to the platform could hold as one stream each.
    await session.admin.createTopic('browse-wide', { partitions: 6 });
    await session.page.goto('about:blank');
    await session.open('#/topics/browse-wide/messages');
    await session.page.locator('[data-status="browse"]').waitFor();
    await session.page.getByRole('button', { name: 'Follow live' }).click();
    await session.page.locator('[data-status="live"]').waitFor();
    const form = session.page.locator('form[data-form="produce"]');
    await form.getByLabel('Value', { exact: true }).fill('to the last partition');
    await form.locator('select[name="partition"]').selectOption('5');
    await form.getByRole('button', { name: 'Produce' }).click();
    await form.locator('[data-produced-partition="5"][data-produced-offset="0"]').waitFor();
    await row(5, 0).waitFor();
    const viaApi = await session.client.produce('browse-wide', { records: [{ value: 'to the first', partition: 0 }] });
    await row(0, viaApi.records[0]!.offset).waitFor();
    assert.equal(await row(5, 0).locator('[data-field="value"]').textContent(), 'to the last partition');
    assertNoBrowserErrors(session);
  });

  it('pages through a partition from each page’s next offset, and back', async () => {
    await session.admin.createTopic('browse-long');
    await session.client.produce('browse-long', { records: Array.from({ length: 60 }, (_, i) => ({ value: `r${i}` })) });
    await session.page.goto('about:blank');
    await session.open('#/topics/browse-long/messages');
    await row(0, 49).waitFor();
    const first = await shownOffsets();
    assert.deepEqual(first, Array.from({ length: 50 }, (_, i) => `0:${i}`));
    const next = session.page.getByRole('button', { name: 'Next page' });
    await next.click();
    await row(0, 0).waitFor({ state: 'detached' });
    assert.deepEqual(await shownOffsets(), Array.from({ length: 10 }, (_, i) => `0:${50 + i}`));
    assert.equal(await next.isDisabled(), true, 'the last page has no next');
    await session.page.getByRole('button', { name: 'Previous page' }).click();
    await row(0, 0).waitFor();
    assert.deepEqual(await shownOffsets(), first);
    assertNoBrowserErrors(session);
  });

  it('shows markup in a key, value or header as text, never as elements or script', async () => {
    const topic = 'browse-hostile';
    const markup = '<img src="x" onerror="window.__pwned = 1">';
    await session.admin.createTopic(topic, { partitions: 1 });
    await session.client.produce(topic, { records: [{ key: '<script>window.__pwned = 2</script>', value: markup, headers: [{ key: 'h', value: '<b>bold</b>' }] }] });
    await session.page.goto('about:blank');
    await session.open(`#/topics/${topic}/messages`);
    const shown = session.page.locator('table[data-table="messages"] tr[data-partition="0"][data-offset="0"]');
    await shown.waitFor();
    assert.equal(await shown.locator('[data-field="value"]').textContent(), markup);
    assert.equal(await shown.locator('[data-field="key"]').textContent(), '<script>window.__pwned = 2</script>');
    assert.equal(await shown.locator('[data-header="h"]').textContent(), 'h: <b>bold</b>');
    assert.equal(await shown.locator('img, script, b').count(), 0);
    assert.equal(await session.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await openBrowser();
    await row(0, 2).waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });
});
