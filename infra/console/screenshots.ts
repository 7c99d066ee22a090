/**
 * Screenshots of every console screen, for the README and for looking at a change:
 * starts a local platform on free ports with its data in a temp directory, seeds a small
 * demo (topics with JSON records and headers, a group with a live member, one that lags, a
 * push subscription to a webhook on this machine, ACL rules and a quota), opens each screen
 * in headless Chromium at 1280x800 and writes `<screen>.png`.
 *
 *   npm run console:screenshots                    # into bench-results/console, and two into docs/
 *   npm run console:screenshots -- --out <dir> --no-docs
 *
 * Chromium: CHROMIUM_PATH, else /usr/bin/chromium (the Debian package).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { SluiceHttpClient, type MembershipView } from '../../lib/client/index';
import { localConfigFromEnv } from '../local/local-config';
import { LocalPlatform } from '../local/local-platform';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'bench-results/console');
export const VIEWPORT = { width: 1280, height: 800 };

/**
 * The screens, by the file each is written to, and the hash that opens it on the demo's
 * data; `settleMs` for a screen that measures rates between its reads, to show them.
 */
export const SCREENS: readonly { name: string; hash: string; settleMs?: number }[] = [
  { name: 'topics', hash: '#/topics' },
  { name: 'topic', hash: '#/topics/orders', settleMs: 7_000 },
  { name: 'messages', hash: '#/topics/orders/messages' },
  { name: 'groups', hash: '#/groups' },
  { name: 'group', hash: '#/groups/billing', settleMs: 7_000 },
  { name: 'subscriptions', hash: '#/subscriptions' },
  { name: 'access', hash: '#/access' },
  { name: 'cost', hash: '#/cost' },
];

/** The two the README shows: docs/<file> from <screen>.png. */
export const DOCS_IMAGES: Readonly<Record<string, string>> = { 'console-messages.png': 'messages', 'console-group.png': 'group' };

export interface ScreenshotOptions {
  outDir?: string;
  /** Where to copy DOCS_IMAGES; undefined copies none. */
  docsDir?: string;
  log?: (line: string) => void;
}

export interface Screenshot {
  name: string;
  file: string;
  bytes: number;
}

export async function takeScreenshots(options: ScreenshotOptions = {}): Promise<Screenshot[]> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const log = options.log ?? (() => undefined);
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) throw new Error('chromium is not installed: apt-get install chromium, or set CHROMIUM_PATH');
  mkdirSync(outDir, { recursive: true });

  // A demo without authentication, whatever the shell running this has set.
  for (const name of ['SLUICE_AUTH_MODE', 'SLUICE_AUTH_TOKEN', 'SLUICE_AUTH_TOKENS']) delete process.env[name];
  process.env.SLUICE_LOG_REQUESTS = 'false';
  // The handlers' own INFO lines (deliveries, rebalances) would bury the progress lines.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-screenshots-'));
  const run = Math.random().toString(36).slice(2, 8);
  const webhook = await startWebhook();
  let platform: LocalPlatform | undefined;
  try {
    log('starting a local platform');
    platform = await LocalPlatform.start(
      {
        ...localConfigFromEnv(),
        host: '127.0.0.1',
        port: 0,
        dynamodbPort: 0,
        s3Port: 0,
        kafkaPort: undefined,
        dataDir,
        bucket: `sluice-screenshots-${run}`,
        tables: { Topics: `shots-${run}-topics`, Log: `shots-${run}-log`, Producers: `shots-${run}-producers`, Groups: `shots-${run}-groups`, Access: `shots-${run}-access` },
      },
      () => undefined,
    );
    log(`seeding the demo at ${platform.url}`);
    await seedDemo(new SluiceHttpClient(platform.url), webhook.url);

    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    const shots: Screenshot[] = [];
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
      for (const screen of SCREENS) {
        // A live view never goes quiet: wait for the network until a cap, then until nothing says it is loading.
        await page.goto(`${platform.url}/console/${screen.hash}`, { waitUntil: 'networkidle', timeout: 15_000 }).catch(() => undefined);
        await page.locator('main h1').first().waitFor({ timeout: 15_000 }).catch(() => undefined);
        await page
          .waitForFunction(() => {
            // Runs in the page (this file's types have no DOM).
            const main = (globalThis as unknown as { document: { querySelector(selector: string): { textContent: string | null } | null } }).document.querySelector('main');
            return main !== null && !/\bLoading\b/.test(main.textContent ?? '');
          }, undefined, { timeout: 20_000 })
          .catch(() => log(`${screen.name}: still loading after 20 s; taken as it is`));
        await page.waitForTimeout(screen.settleMs ?? 500);
        const file = path.join(outDir, `${screen.name}.png`);
        await page.screenshot({ path: file });
        const bytes = statSync(file).size;
        shots.push({ name: screen.name, file, bytes });
        log(`${screen.name.padEnd(13)} ${path.relative(process.cwd(), file)}  ${(bytes / 1024).toFixed(0)} KB`);
      }
    } finally {
      await browser.close();
    }
    if (options.docsDir) {
      for (const [docsName, screen] of Object.entries(DOCS_IMAGES)) {
        const target = path.join(options.docsDir, docsName);
        copyFileSync(path.join(outDir, `${screen}.png`), target);
        log(`copied ${screen}.png to ${path.relative(process.cwd(), target)}`);
      }
    }
    return shots;
  } finally {
    await platform?.stop();
    await new Promise((done) => webhook.server.close(done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A webhook on this machine that takes every delivery, so the push subscription is healthy. */
async function startWebhook(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://localhost:${(server.address() as { port: number }).port}/hooks/orders` };
}

const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'];
const SKUS = ['sku-1001', 'sku-1002', 'sku-2040', 'sku-3300', 'sku-4711'];
const PAGES = ['/', '/pricing', '/docs', '/docs/quick-start', '/blog', '/signup'];

/** The demo: what a small shop's event log might hold an hour after it started. */
export async function seedDemo(client: SluiceHttpClient, webhookUrl: string): Promise<void> {
  const now = Date.now();
  await client.createTopic('orders', { partitions: 3, config: { 'retention.ms': String(7 * 24 * 3_600_000) } });
  await client.createTopic('payments', { partitions: 2 });
  await client.createTopic('inventory', { partitions: 1, config: { 'cleanup.policy': 'compact' } });
  await client.createTopic('clickstream', { partitions: 6, config: { 'retention.ms': String(24 * 3_600_000), 'compression.type': 'zstd' } });

  const orders = Array.from({ length: 90 }, (_, i) => {
    const customer = CUSTOMERS[i % CUSTOMERS.length]!;
    const lines = 1 + (i % 3);
    return {
      key: `customer-${customer}`,
      value: JSON.stringify({
        orderId: `ord-${(10_400 + i).toString()}`,
        customer,
        items: Array.from({ length: lines }, (_, l) => ({ sku: SKUS[(i + l) % SKUS.length], quantity: 1 + ((i + l) % 4) })),
        totalCents: 1_999 + ((i * 1_337) % 25_000),
        currency: 'EUR',
        placedAt: new Date(now - (90 - i) * 40_000).toISOString(),
      }),
      headers: { 'content-type': 'application/json', source: i % 4 === 0 ? 'mobile-app' : 'web-checkout', 'trace-id': `4bf92f35${(i * 7919).toString(16).padStart(8, '0')}` },
      timestamp: now - (90 - i) * 40_000,
    };
  });
  await client.produce('orders', { records: orders.slice(0, 45) });
  await client.produce('orders', { records: orders.slice(45) });
  await client.produce('payments', {
    records: orders.slice(0, 60).map((order, i) => ({
      key: order.key,
      value: JSON.stringify({ paymentId: `pay-${7_000 + i}`, orderId: JSON.parse(order.value).orderId, status: i % 11 === 5 ? 'declined' : 'captured', method: i % 3 === 0 ? 'card' : 'sepa' }),
      headers: { 'content-type': 'application/json' },
      timestamp: order.timestamp + 2_000,
    })),
  });
  await client.produce('inventory', { records: SKUS.flatMap((sku, i) => [0, 1].map((v) => ({ key: sku, value: JSON.stringify({ sku, onHand: 40 - i * 7 - v * 3, warehouse: 'ams-1' }) }))) });
  await client.produce('clickstream', {
    records: Array.from({ length: 400 }, (_, i) => ({
      key: `session-${i % 37}`,
      value: JSON.stringify({ page: PAGES[i % PAGES.length], referrer: i % 5 === 0 ? 'news.ycombinator.com' : null, ms: 120 + ((i * 31) % 900) }),
      timestamp: now - (400 - i) * 9_000,
    })),
  });

  // billing: consumed most of the orders and payments, then stopped (Empty, with lag).
  const billing = await joinLive(client, 'billing', ['orders', 'payments'], 'billing-service');
  const ordersHeld = await client.listTopicOffsets('orders');
  const paymentsHeld = await client.listTopicOffsets('payments');
  await client.commitOffsets('billing', {
    memberId: billing.memberId,
    generation: billing.generation,
    offsets: [
      ...ordersHeld.partitions.map((p) => ({ topic: 'orders', partition: p.partition, offset: Math.floor(p.highWatermark * 0.7) })),
      ...paymentsHeld.partitions.map((p) => ({ topic: 'payments', partition: p.partition, offset: p.highWatermark - 3 })),
    ],
  });
  await client.leaveGroup('billing', billing.memberId);
  // analytics: a live member reading the clickstream, caught up on half of it.
  const analytics = await joinLive(client, 'analytics', ['clickstream'], 'analytics-worker-1');
  const clicksHeld = await client.listTopicOffsets('clickstream');
  await client.commitOffsets('analytics', {
    memberId: analytics.memberId,
    generation: analytics.generation,
    offsets: clicksHeld.partitions.map((p) => ({ topic: 'clickstream', partition: p.partition, offset: p.partition % 2 === 0 ? p.highWatermark : Math.floor(p.highWatermark / 2) })),
  });

  await client.putSubscription('order-webhook', { topic: 'orders', target: { type: 'https', url: webhookUrl }, resetPolicy: 'earliest', batchSize: 50 });

  await client.createAcl({ principal: 'analytics-service', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'click', operation: 'READ', permission: 'ALLOW' });
  await client.createAcl({ principal: 'billing-service', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: 'orders', operation: 'READ', permission: 'ALLOW' });
  await client.createAcl({ principal: 'billing-service', resourceType: 'GROUP', patternType: 'LITERAL', resourceName: 'billing', operation: 'READ', permission: 'ALLOW' });
  await client.createAcl({ principal: '*', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: '*', operation: 'DELETE', permission: 'DENY' });
  await client.setQuota({ principal: 'analytics-service', produceBytesPerSecond: null, fetchBytesPerSecond: 4 * 1024 * 1024 });
}

/** Joins and heartbeats until the member has its assignment (a session long enough to need no more). */
async function joinLive(client: SluiceHttpClient, group: string, topics: string[], clientId: string): Promise<MembershipView> {
  let view = await client.joinGroup(group, { topics, sessionTimeoutMs: 300_000, clientId });
  for (let i = 0; view.rebalanceInProgress; i++) {
    if (i > 50) throw new Error(`${group}: the member was not assigned partitions`);
    await new Promise((done) => setTimeout(done, 100));
    view = await client.heartbeat(group, view.memberId);
  }
  return view;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const outDir = at >= 0 ? path.resolve(args[at + 1] ?? '') : DEFAULT_OUT_DIR;
  const docsDir = args.includes('--no-docs') ? undefined : path.join(REPO_ROOT, 'docs');
  const started = Date.now();
  const shots = await takeScreenshots({ outDir, docsDir, log: (line) => console.log(`[screenshots] ${line}`) });
  console.log(`[screenshots] ${shots.length} screens in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}
