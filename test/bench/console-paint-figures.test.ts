import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleTotals, firstPaintVerdict, renderConsolePaint, screenFigures, type ConsolePaintResult, type PageLoad, type ScreenLoads } from './console-paint-figures';

const load = (fcpMs: number, dataMs?: number, overrides: Partial<PageLoad> = {}): PageLoad => ({ fcpMs, ...(dataMs === undefined ? {} : { dataMs }), assetBytes: 140_000, apiCalls: 2, apiBytes: 1000, ...overrides });
const screen = (name: string, loads: PageLoad[], failures: string[] = []): ScreenLoads => ({ name, hash: `#/${name}`, data: `main [data-${name}]`, loads, failures });
const minimal = [load(80, undefined, { assetBytes: 900, apiCalls: 0, apiBytes: 0 }), load(60), load(100)];

describe('console paint figures', () => {
  it('takes the median and nearest-rank p90 of FCP and of data shown, and the ratio to the minimal page', () => {
    const f = screenFigures(screen('topics', [load(300, 600), load(200, 500), load(400, 900)]), minimal);
    assert.equal(f.loads, 3);
    assert.equal(f.fcp.p50, 300);
    assert.equal(f.fcp.p90, 400);
    assert.equal(f.data.p50, 600);
    assert.equal(f.data.p90, 900);
    // 300 / the minimal page's median 80.
    assert.equal(f.xMinimal, 3.75);
    assert.equal(f.assetBytes, 140_000);
  });

  it('leaves loads whose data never showed out of the data figures only', () => {
    const f = screenFigures(screen('cost', [load(300), load(250, 700)]), minimal);
    assert.equal(f.fcp.count, 2);
    assert.equal(f.data.count, 1);
    assert.equal(f.data.p50, 700);
  });

  it('judges the goal on the slowest median, and gives no verdict when a screen has no load', () => {
    const fast = screenFigures(screen('a', [load(200), load(300)]), minimal);
    const slow = screenFigures(screen('b', [load(1100), load(900), load(1200)]), minimal);
    assert.deepEqual(firstPaintVerdict([fast]), { slowestMs: 200, verdict: 'pass' });
    assert.deepEqual(firstPaintVerdict([fast, slow]), { slowestMs: 1100, verdict: 'miss' });
    assert.equal(firstPaintVerdict([fast, screenFigures(screen('c', [], ['timeout']), minimal)]).verdict, '–');
    assert.equal(firstPaintVerdict([]).verdict, '–');
  });

  it('sums the bundle', () => {
    assert.deepEqual(bundleTotals([{ name: 'app.js', bytes: 100, gzipBytes: 40 }, { name: 'app.css', bytes: 10, gzipBytes: 5 }]), { bytes: 110, gzipBytes: 45 });
  });

  it('renders a row per screen, the minimal page, the goal, failures and the bundle', () => {
    const r: ConsolePaintResult = {
      browser: 'Chromium 1 headless',
      viewport: { width: 1280, height: 800 },
      repetitions: 3,
      minimal,
      screens: [screen('topics', [load(160, 500), load(240, 520), load(200, 510)]), screen('cost', [load(320, 700)], ['Timeout 15000ms exceeded.'])],
      bundle: [
        { name: 'app.js', bytes: 131_072, gzipBytes: 40_960 },
        { name: 'app.css', bytes: 5120, gzipBytes: 2048 },
      ],
    };
    const text = renderConsolePaint(r).join('\n');
    assert.match(text, /^\| topics +\| +3 \| +200 \| +240 \| +2\.50 \| +510 \| +520 \|/m);
    assert.match(text, /^\| cost +\| +1 \| +320 \|/m);
    assert.match(text, /^\| minimal static page +\| +3 \| +80 \| +100 \| +1 \|/m);
    assert.match(text, /console first paint under 1 s \(median, every screen\) \| slowest screen's median FCP 320 ms \| pass/);
    assert.match(text, /- cost: a load failed: Timeout 15000ms exceeded\./);
    assert.match(text, /Bundle \(`buildConsoleAssets`, minified\): 133\.0 KiB, 42\.0 KiB gzipped/);
    assert.match(text, /^\| total +\| 136,192 \| +43,008 \|$/m);
  });
});
