import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildConsoleAssets, type ConsoleAssets } from '../../../infra/console/build-console';

let assets: ConsoleAssets;

describe('buildConsoleAssets', () => {
  before(async () => {
    assets = await buildConsoleAssets();
  });

  it('builds the page, its script and its styles', () => {
    assert.deepEqual([...assets.keys()].sort(), ['app.css', 'app.js', 'index.html']);
  });

  it('loads the script and styles by relative URLs, so the files work under any path', () => {
    const html = assets.get('index.html')!.body.toString();
    assert.match(html, /<script type="module" src="app\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="app\.css">/);
  });

  it('holds no inline script or style, which the console CSP would block', () => {
    const html = assets.get('index.html')!.body.toString();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style|style=/);
  });

  it('bundles no Node built-in: the client’s Node-only modules are stubbed', () => {
    const js = assets.get('app.js')!.body.toString();
    assert.doesNotMatch(js, /from\s*"node:|require\("node:|import\("node:/);
    assert.doesNotMatch(js, /credential-provider-node/);
  });
});
