/**
 * Drives the web console in headless Chromium (the Debian package, through playwright-core)
 * against a local platform: `openConsole()` starts both, and the session records every
 * browser console error and failed page request, which `assertNoBrowserErrors` checks.
 *
 * Without chromium the console tests are skipped (`CONSOLE_SKIP`), except under CI, where
 * .ci/run installs it and its absence fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SluiceAdmin, SluiceHttpClient } from '../../lib/client/index';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from './local-platform';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path): path is string => !!path && existsSync(path));
if (!CHROMIUM && process.env.CI) throw new Error('chromium is not installed: .ci/run installs it with apt-get (or set CHROMIUM_PATH)');

/** The `skip` option of a console test: false when the browser is there, else why not. */
export const CONSOLE_SKIP: false | string = CHROMIUM ? false : 'chromium is not installed (set CHROMIUM_PATH)';

export interface ConsoleSession {
  env: TestPlatform;
  /** The API's URL; the console is at `${url}/console/`. */
  url: string;
  client: SluiceHttpClient;
  admin: SluiceAdmin;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and failed requests the page made, as text. */
  browserErrors: string[];
  /**
   * API answers with an error status (`409 /v1/groups/g/reset-offsets`), which Chromium also
   * logs as console errors ("Failed to load resource"). Kept apart from `browserErrors`: the
   * console shows such answers (ErrorView), and a test that provokes one checks it is shown.
   */
  apiErrorAnswers: string[];
  /** Loads the console afresh at a screen's hash (`#/topics`) and waits for the page to settle. */
  open(hash: string): Promise<void>;
  /** axe-core's violations of impact serious or critical on the page as it is now. */
  seriousViolations(): Promise<{ id: string; impact: string; help: string; nodes: number }[]>;
  close(): Promise<void>;
}

export interface ConsoleSessionOptions {
  platform?: TestPlatformOptions;
  /** A bearer token the API client of the test uses (the page is given it separately). */
  token?: string;
  viewport?: { width: number; height: number };
}

export async function openConsole(options: ConsoleSessionOptions = {}): Promise<ConsoleSession> {
  const env = await startTestPlatform({ kafkaPort: null, ...options.platform });
  const client = new SluiceHttpClient({ baseUrl: env.url, headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const browserErrors: string[] = [];
  const apiErrorAnswers: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    if (message.text().startsWith('Failed to load resource') && source.startsWith(`${env.url}/v1/`)) apiErrorAnswers.push(`${message.text()}: ${source.slice(env.url.length)}`);
    else browserErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => browserErrors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A request the page itself cancelled (leaving a live view) is not a failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') browserErrors.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
  });
  return {
    env,
    url: env.url,
    client,
    admin: new SluiceAdmin(client),
    browser,
    context,
    page,
    browserErrors,
    apiErrorAnswers,
    async open(hash) {
      // A new hash on the same page is only a hashchange: leave first, so every open is a fresh load.
      await page.goto('about:blank');
      await page.goto(`${env.url}/console/${hash}`, { waitUntil: 'networkidle' });
    },
    async seriousViolations() {
      const source = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
      // Evaluated through the DevTools protocol: the console's CSP forbids inline scripts, as it should.
      await page.evaluate(source);
      const result = (await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as {
        violations: { id: string; impact: string; help: string; nodes: unknown[] }[];
      };
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
    },
    async close() {
      await browser.close().catch(() => undefined);
      await env.stop();
    },
  };
}

export function assertNoBrowserErrors(session: ConsoleSession): void {
  assert.deepEqual(session.browserErrors, [], 'the browser reported no errors');
}
