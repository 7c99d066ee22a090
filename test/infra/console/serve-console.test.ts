import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ConsoleAssets } from '../../../infra/console/build-console';
import { serveConsole } from '../../../infra/console/serve-console';

const ASSETS: ConsoleAssets = new Map([
  ['index.html', { contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><p>console</p>') }],
  ['app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from('console.log(1)') }],
]);

let server: Server;
let base: string;
let builds = 0;

before(async () => {
  server = createServer((req, res) => {
    void serveConsole(req, res, async () => {
      builds++;
      return ASSETS;
    }).then((served) => {
      if (!served) {
        res.writeHead(418);
        res.end('the API');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('serveConsole', () => {
  it('sends / to /console/', async () => {
    const res = await fetch(`${base}/`, { redirect: 'manual' });
    assert.deepEqual({ status: res.status, location: res.headers.get('location') }, { status: 302, location: '/console/' });
  });

  it('answers /console/ with the page and a CSP that allows only its own origin', async () => {
    const res = await fetch(`${base}/console/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await res.text(), '<!doctype html><p>console</p>');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
  });

  it('answers a file by name, with its type, and ignores the query', async () => {
    const res = await fetch(`${base}/console/app.js?v=1`);
    assert.deepEqual({ status: res.status, type: res.headers.get('content-type'), body: await res.text() }, { status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log(1)' });
  });

  it('answers 404 for a file the console does not have, without reaching the filesystem', async () => {
    for (const path of ['/console/nope.js', '/console/../package.json', '/console/%2e%2e/package.json']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status === 404 || res.status === 418, true, `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /"name"/, path);
    }
  });

  it('leaves the API’s paths and other methods to the API', async () => {
    assert.equal((await fetch(`${base}/v1/topics`)).status, 418);
    assert.equal((await fetch(`${base}/console/`, { method: 'POST', body: 'x' })).status, 418);
  });

  it('never builds the files for a request that is not the console’s', async () => {
    const before = builds;
    await fetch(`${base}/v1/topics`);
    await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(builds, before);
  });
});
