import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FUNCTIONS, functionEntry } from '../../infra/platform-spec';

/**
 * Locally every handler shares one process and so every table's name; deployed, a
 * function gets only the names and grants its spec asks for. So the spec must ask for
 * what the handler's code reaches, or the deployed function fails where the local one works.
 */
describe('platform spec', () => {
  const handlers = FUNCTIONS.map((spec) => ({ spec, source: readFileSync(functionEntry(spec), 'utf8') }));

  test('every function that authorizes callers may read the ACL rules in the Access table', () => {
    const authorizing = handlers.filter(({ source }) => /\b(requireAccess|visibleTo)\(/.test(source));
    assert.ok(authorizing.length >= 20, `found ${authorizing.length} authorizing handlers`);
    const missing = authorizing.filter(({ spec }) => !spec.tables.Access).map(({ spec }) => spec.name);
    assert.deepEqual(missing, []);
  });

  test('every function that charges quotas may write usage to the Access table', () => {
    const charging = handlers.filter(({ source }) => /\bchargeQuota\(/.test(source));
    assert.deepEqual(charging.map(({ spec }) => spec.name).sort(), ['durable-streams', 'fetch-records', 'produce-records']);
    for (const { spec } of charging) assert.equal(spec.tables.Access, 'readwrite', spec.name);
  });
});
