import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsoleAssets } from '../../../infra/console/build-console';
import { CONSOLE_HEADERS, CONSOLE_PATH } from '../../../infra/console/serve-console';
import { SluiceHttpClient } from '../../../lib/client/index';
import { produceBody, type BenchApi } from '../api';
import type { ConsolePaintResult, PageLoad, ScreenLoads } from '../console-paint-figures';
import type { Progress } from '../measure';
import { summarize } from '../stats';
import type { BenchOptions } from '../options';

/**
 * The web console's first paint (its issue: "first paint under one second against the local
 * platform", "a small bundle: state its size"). Seeds a topic with records and a consumer
 * group with committed offsets, then loads each screen `repetitions` times in headless
 * Chromium, each load in a fresh browser context so nothing is cached, and records the
 * first-contentful-paint, when the screen's data was shown, and the bytes it transferred.
 * Beside them, in the same rounds, a tiny static page without script: the minimum a first
 * paint needs from this browser on this machine, for the ratio.
 */

const VIEWPORT = { width: 1280, height: 800 };
const PARTITIONS = 3;
const RECORDS = 60;
const LOAD_TIMEOUT_MS = 15_000;

/** The minimal page: text to paint, no script, no stylesheet. */
const MINIMAL_HTML = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Sluice</title></head><body><h1>Sluice</h1><p>A static page.</p></body></html>\n';

/** Each screen, and the element whose being visible and filled in ('…' is the console's placeholder) means its data is shown. */
export function consoleScreens(topic: string, group: string): { name: string; hash: string; data: string }[] {
  const t = encodeURIComponent(topic);
  const g = encodeURIComponent(group);
  return [
    { name: 'topics', hash: '#/topics', data: 'main tr[data-topic] [data-field="high-watermarks"]' },
    { name: 'topic', hash: `#/topics/${t}`, data: 'main table[data-table="partitions"] tr[data-partition] [data-field="high-watermark"]' },
    // The message browser shows no records until the user chooses where to start; its data is the browse form, drawn once the topic is described.
    { name: 'messages', hash: `#/topics/${t}/messages`, data: 'main form[data-form="browse"] select[name="partition"]' },
    { name: 'groups', hash: '#/groups', data: 'main tr[data-group] [data-field="lag"]' },
    { name: 'group', hash: `#/groups/${g}`, data: 'main tr[data-partition] [data-field="lag"]' },
    { name: 'cost', hash: '#/cost', data: 'main [data-measured="topics"]' },
  ];
}

export async function measureConsolePaint(api: BenchApi, options: BenchOptions, run: string, progress: Progress): Promise<ConsolePaintResult | undefined> {
  // As test/support/console-browser.ts finds it (not imported: it starts platforms of its own and fails under CI without chromium).
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) {
    progress('console first paint skipped: chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)');
    return undefined;
  }
  const topic = `bench-console-${run}`;
  const group = `bench-console-${run}`;
  await seed(api, topic, group);
  progress(`console: seeded ${topic} (${PARTITIONS} partitions, ${RECORDS} records) and group ${group}; loading ${consoleScreens(topic, group).length} screens ${options.console.repetitions} times each, cold`);
  const bundle = [...(await buildConsoleAssets())].map(([name, asset]) => ({ name, bytes: asset.body.byteLength, gzipBytes: gzipSync(asset.body, { level: 9 }).byteLength }));
  const minimalServer = await startMinimalServer();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const screens: ScreenLoads[] = consoleScreens(topic, group).map((s) => ({ ...s, loads: [], failures: [] }));
    const minimal: PageLoad[] = [];
    const consoleUrl = (hash: string) => `${api.baseUrl}${CONSOLE_PATH}${hash}`;
    // Unmeasured: the platform builds the console on the first request for it, and the browser's first context starts its processes.
    await load(browser, minimalServer.url, undefined, api.baseUrl);
    for (const s of screens) await load(browser, consoleUrl(s.hash), s.data, api.baseUrl).catch(() => undefined);
    const repetitions = options.console.repetitions;
    for (let round = 0; round < repetitions; round++) {
      // Interleaved, so whatever else the machine does in a round weighs on every screen and the minimal page alike.
      minimal.push(await load(browser, minimalServer.url, undefined, api.baseUrl));
      for (const s of screens) {
        try {
          s.loads.push(await load(browser, consoleUrl(s.hash), s.data, api.baseUrl));
        } catch (error) {
          s.failures.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
        }
      }
    }
    const median = (xs: number[]) => summarize(xs).p50;
    progress(`console minimal static page: FCP p50 ${median(minimal.map((l) => l.fcpMs)).toFixed(0)} ms (${minimal.length} loads)`);
    for (const s of screens) {
      progress(
        `console ${s.name.padEnd(8)} FCP p50 ${median(s.loads.map((l) => l.fcpMs)).toFixed(0)} ms, data shown p50 ${median(s.loads.flatMap((l) => (l.dataMs === undefined ? [] : [l.dataMs]))).toFixed(0)} ms ` +
          `(${s.loads.length} loads${s.failures.length ? `, ${s.failures.length} failed: ${s.failures[0]}` : ''})`,
      );
    }
    const total = bundle.reduce((n, f) => n + f.bytes, 0);
    const gzip = bundle.reduce((n, f) => n + f.gzipBytes, 0);
    progress(`console bundle: ${(total / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzipped`);
    return { browser: `Chromium ${browser.version()} headless`, viewport: VIEWPORT, repetitions, minimal, screens, bundle };
  } finally {
    await browser.close();
    await new Promise((done) => minimalServer.server.close(done));
  }
}

/** A topic of PARTITIONS partitions with RECORDS small JSON records, and a group that committed half of them and left. */
async function seed(api: BenchApi, topic: string, group: string): Promise<void> {
  await api.createTopic(topic, PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    await api.produce(topic, produceBody(RECORDS / PARTITIONS, p, (i) => JSON.stringify({ orderId: `ord-${p}-${i}`, customer: `customer-${i % 7}`, totalCents: 1000 + i * 37 })));
  }
  const client = new SluiceHttpClient(api.baseUrl);
  let member = await client.joinGroup(group, { topics: [topic], sessionTimeoutMs: 30_000, clientId: 'bench-console' });
  for (let i = 0; member.rebalanceInProgress; i++) {
    if (i > 50) throw new Error(`${group}: the member was not assigned partitions`);
    await new Promise((done) => setTimeout(done, 100));
    member = await client.heartbeat(group, member.memberId);
  }
  const held = await client.listTopicOffsets(topic);
  await client.commitOffsets(group, {
    memberId: member.memberId,
    generation: member.generation,
    offsets: held.partitions.map((p) => ({ topic, partition: p.partition, offset: Math.floor(p.highWatermark / 2) })),
  });
  // Gone, so the group is Empty with lag: nothing changes between loads.
  await client.leaveGroup(group, member.memberId);
}

async function startMinimalServer(): Promise<{ server: Server; url: string }> {
  const body = Buffer.from(MINIMAL_HTML);
  const server = createServer((req, res) => {
    res.writeHead(200, { ...CONSOLE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': body.byteLength });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/minimal.html` };
}

/** The page's globals these functions use (this project's types have no DOM; they run in the page). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null; getBoundingClientRect(): { width: number; height: number } } | null };
  performance: {
    now(): number;
    getEntriesByName(name: string): { startTime: number }[];
    getEntriesByType(type: string): { name: string; transferSize: number }[];
  };
}

/** One cold load: a fresh context (empty cache), the page opened, its FCP, its data, its bytes. */
async function load(browser: Browser, url: string, dataSelector: string | undefined, apiBase: string): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit', timeout: LOAD_TIMEOUT_MS });
    const dataMs = dataSelector === undefined ? undefined : await dataShownAt(page, dataSelector);
    const fcpMs = (await (
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).performance.getEntriesByName('first-contentful-paint')[0]?.startTime, undefined, { timeout: LOAD_TIMEOUT_MS })
    ).jsonValue()) as number;
    // The navigation entry is the HTML; resources are the script, styles and API calls so far.
    const entries = await page.evaluate(() => {
      const p = (globalThis as unknown as PageGlobals).performance;
      return [...p.getEntriesByType('navigation'), ...p.getEntriesByType('resource')].map((e) => ({ name: e.name, transferSize: e.transferSize }));
    });
    const api = entries.filter((e) => e.name.startsWith(`${apiBase}/v1/`));
    const assets = entries.filter((e) => !e.name.startsWith(`${apiBase}/v1/`));
    return {
      fcpMs,
      ...(dataMs === undefined ? {} : { dataMs }),
      assetBytes: assets.reduce((n, e) => n + e.transferSize, 0),
      apiCalls: api.length,
      apiBytes: api.reduce((n, e) => n + e.transferSize, 0),
    };
  } finally {
    await context.close();
  }
}

/** performance.now() in the page on the first animation frame where `selector` is laid out with text other than the placeholder. */
async function dataShownAt(page: Page, selector: string): Promise<number> {
  const handle = await page.waitForFunction(
    (sel) => {
      const g = globalThis as unknown as PageGlobals;
      const el = g.document.querySelector(sel);
      if (!el) return false;
      const box = el.getBoundingClientRect();
      const text = (el.textContent ?? '').trim();
      return box.width > 0 && box.height > 0 && text !== '' && text !== '…' ? g.performance.now() : false;
    },
    selector,
    { polling: 'raf', timeout: LOAD_TIMEOUT_MS },
  );
  return (await handle.jsonValue()) as number;
}
