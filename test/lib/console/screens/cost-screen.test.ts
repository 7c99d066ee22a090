/**
 * The cost screen against a local platform: it measures the traffic the test produces,
 * and every figure it shows is the cost model's (estimateMonthly, run here in Node) for
 * the inputs it shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { estimateMonthly, type CostInput } from '../../../../lib/cost/estimate';
import { formatUsd } from '../../../../lib/console/model/cost-input';
import { assertNoBrowserErrors, CONSOLE_SKIP, openConsole, type ConsoleSession } from '../../../support/console-browser';

let session: ConsoleSession;

/** 'k' and 100 bytes of value: 101 payload bytes a record. */
const RECORD = { key: 'k', value: 'x'.repeat(100) };

/** What the page shows, read in one go so no re-render falls between the inputs and the figures. */
interface Shown {
  inputs: Record<string, string>;
  lines: Record<string, Record<string, { usd: number; text: string }>>;
  totals: Record<string, { usd: number; text: string }>;
  recordsPerSecond: number;
}

/** The little of the DOM read here (the tests compile without the DOM's types). */
interface Node {
  dataset: Record<string, string | undefined>;
  value: string;
  textContent: string | null;
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): Iterable<Node>;
}

async function shown(): Promise<Shown> {
  return session.page.evaluate(() => {
    const document = (globalThis as unknown as { document: Node }).document;
    const inputs: Record<string, string> = {};
    for (const input of document.querySelectorAll('input[data-input]')) inputs[input.dataset.input!] = input.value;
    const lines: Shown['lines'] = {};
    for (const table of document.querySelectorAll('table[data-system-lines]')) {
      const rows: Record<string, { usd: number; text: string }> = {};
      for (const row of table.querySelectorAll('tr[data-line]')) {
        const cell = row.querySelector('[data-usd]')!;
        rows[row.dataset.line!] = { usd: Number(cell.dataset.usd), text: cell.textContent!.trim() };
      }
      lines[table.dataset.systemLines!] = rows;
    }
    const totals: Shown['totals'] = {};
    for (const row of document.querySelectorAll('table[data-table="totals"] tr[data-system]')) {
      const cell = row.querySelector('[data-usd]')!;
      totals[row.dataset.system!] = { usd: Number(cell.dataset.usd), text: cell.textContent!.trim() };
    }
    const rate = document.querySelector('[data-measured="records-per-second"]')?.dataset.value;
    return { inputs, lines, totals, recordsPerSecond: rate ? Number(rate) : NaN };
  });
}

/** The cost model's input for the fields as shown, built here as `sluice cost` builds it from its options. */
function inputOf(fields: Record<string, string>): CostInput {
  const recordBytes = Number(fields.recordBytes);
  return {
    bytesPerSecond: Number(fields.recordsPerSecond) * recordBytes,
    recordBytes,
    batchRecords: Number(fields.batchRecords),
    fetchRecords: Math.min(Number(fields.fetchRecords), Math.max(1, Math.floor((4 * 1024 * 1024) / recordBytes))),
    consumers: Number(fields.consumers),
    retentionHours: Number(fields.retentionHours),
    partitions: Number(fields.partitions),
    activeHoursPerDay: Number(fields.activeHoursPerDay),
  };
}

const close = (actual: number, expected: number) => Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));

/** Every figure on the page is estimateMonthly's for the inputs on the page. */
function assertFiguresMatch(page: Shown): void {
  const estimate = estimateMonthly(inputOf(page.inputs));
  const systems = { sluice: estimate.sluice, 'kinesis-on-demand': estimate.kinesisOnDemand, 'kinesis-provisioned': estimate.kinesisProvisioned, 'msk-serverless': estimate.mskServerless };
  for (const [id, system] of Object.entries(systems)) {
    const expected = { ...system.lines, total: system.total };
    assert.deepEqual(Object.keys(page.lines[id] ?? {}).sort(), Object.keys(expected).sort(), `${id}: the model's lines`);
    for (const [line, usd] of Object.entries(expected)) {
      const got = page.lines[id]![line]!;
      assert.ok(close(got.usd, usd), `${id} ${line}: ${got.usd} is the model's ${usd}`);
      assert.equal(got.text, formatUsd(usd), `${id} ${line} as printed`);
    }
    assert.ok(close(page.totals[id]!.usd, system.total), `${id} total`);
    assert.equal(page.totals[id]!.text.replace(/\s+/g, ' '), formatUsd(system.total));
  }
}

describe('the cost screen', { skip: CONSOLE_SKIP }, () => {
  before(async () => {
    session = await openConsole();
    await session.admin.createTopic('cost-orders', { partitions: 3 });
    await session.admin.createTopic('cost-audit', { partitions: 1, config: { 'retention.ms': String(48 * 3_600_000) } });
    await session.client.produce('cost-orders', { records: [RECORD, RECORD] });
    await session.client.joinGroup('cost-readers', { topics: ['cost-orders'] });
    await session.open('#/cost');
  });
  after(async () => session?.close());

  it("shows Sluice's lines by AWS service and the Kinesis and MSK Serverless comparisons, each the cost model's figure for the inputs shown", async () => {
    await session.page.locator('[data-measured="topics"]').filter({ hasText: '2' }).waitFor();
    await session.page.locator('table[data-system-lines="sluice"]').waitFor();
    const page = await shown();
    for (const line of ['S3 requests', 'S3 storage', 'DynamoDB requests', 'DynamoDB storage', 'Lambda', 'API Gateway']) assert.ok(page.lines.sluice?.[line], `the Sluice ${line} line`);
    assert.deepEqual(Object.keys(page.totals), ['sluice', 'kinesis-on-demand', 'kinesis-provisioned', 'msk-serverless']);
    assertFiguresMatch(page);
    assertNoBrowserErrors(session);
  });

  it('fills the inputs it can measure from the API: partitions, consumer groups, the longest retention', async () => {
    const page = await shown();
    const topics = await session.client.listTopics();
    const groups = await session.client.listGroups();
    assert.deepEqual([topics.reduce((sum, t) => sum + t.partitions, 0), groups.length], [4, 1], 'what the test made');
    assert.equal(page.inputs.partitions, '4');
    assert.equal(page.inputs.consumers, '1');
    // cost-orders has no retention.ms: the default 7 days is longer than cost-audit's 48 h.
    assert.equal(page.inputs.retentionHours, '168');
  });

  it('measures the records/s the test produces while the page is open, and prices it', async () => {
    const producing = new AbortController();
    const produce = (async () => {
      while (!producing.signal.aborted) {
        await session.client.produce('cost-orders', { records: Array.from({ length: 20 }, () => RECORD) });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      await session.page.waitForFunction(() => Number((globalThis as unknown as { document: Node }).document.querySelector('[data-measured="records-per-second"]')?.dataset.value) > 0, undefined, { timeout: 30_000 });
    } finally {
      producing.abort();
      await produce;
    }
    const page = await shown();
    assert.ok(page.recordsPerSecond > 0);
    assert.ok(Number(page.inputs.recordsPerSecond) > 0, 'the records/s field follows the measurement');
    // Bytes per record: the payload read back (101), or stored bytes, which add framing to it.
    assert.ok(Number(page.inputs.recordBytes) >= RECORD.key.length + RECORD.value.length, `record bytes ${page.inputs.recordBytes}`);
    assertFiguresMatch(page);
    assertNoBrowserErrors(session);
  });

  it('prices a what-if: an edited field stops following the measurement, and the figures follow it', async () => {
    const field = session.page.locator('input[data-input="recordsPerSecond"]');
    await field.fill('5000');
    await session.page.locator('[data-source="recordsPerSecond"]').filter({ hasText: 'edited' }).waitFor();
    await session.page.locator('[data-workload]').filter({ hasText: '5,000 records/s' }).waitFor();
    const page = await shown();
    assert.equal(page.inputs.recordsPerSecond, '5000');
    assertFiguresMatch(page);
    await session.page.getByRole('button', { name: /Use measured/ }).click();
    await session.page.locator('[data-source="recordsPerSecond"]').filter({ hasText: 'measured' }).waitFor();
    assert.notEqual(await field.inputValue(), '5000');
  });

  it('names a field that cannot be priced instead of showing figures for it', async () => {
    await session.page.locator('input[data-input="partitions"]').fill('0');
    await session.page.locator('[data-error-code="INVALID_INPUT"][data-field="partitions"]').waitFor();
    assert.equal(await session.page.locator('[data-estimate]').count(), 0);
    await session.page.locator('input[data-input="partitions"]').fill('4');
    await session.page.locator('[data-estimate]').waitFor();
    assertNoBrowserErrors(session);
  });

  it('has no serious accessibility violations', async () => {
    await session.open('#/cost');
    await session.page.locator('table[data-system-lines="sluice"]').waitFor();
    assert.deepEqual(await session.seriousViolations(), []);
  });
});
