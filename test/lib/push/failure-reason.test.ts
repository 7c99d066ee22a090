import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailure, targetLabel } from '../../../lib/push/failure-reason';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('describeFailure', () => {
  it('names the innermost cause and its code, not fetch’s generic message', () => {
    const error = new TypeError('fetch failed', { cause: withCode('certificate has expired', 'CERT_HAS_EXPIRED') });
    assert.equal(describeFailure(error), 'certificate has expired (CERT_HAS_EXPIRED)');
  });

  it('walks a chain of causes to the deepest message, keeping the deepest code', () => {
    const inner = withCode('Connect Timeout Error (attempted address: example.com:443, timeout: 10000ms)', 'UND_ERR_CONNECT_TIMEOUT');
    const error = new TypeError('fetch failed', { cause: new Error('wrapped', { cause: inner }) });
    assert.equal(describeFailure(error), 'Connect Timeout Error (attempted address: example.com:443, timeout: 10000ms) (UND_ERR_CONNECT_TIMEOUT)');
  });

  it('does not repeat a code the message already holds', () => {
    const error = new TypeError('fetch failed', { cause: withCode('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND') });
    assert.equal(describeFailure(error), 'getaddrinfo ENOTFOUND nowhere.invalid');
  });

  it('reads the messages of an AggregateError (every address refused), which has none of its own', () => {
    const aggregate = Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:9', 'ECONNREFUSED'), withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED')]), {
      code: 'ECONNREFUSED',
    });
    assert.equal(describeFailure(new TypeError('fetch failed', { cause: aggregate })), 'connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9');
  });

  it('names a specific error class when there is no code, and survives a cycle and non-errors', () => {
    assert.equal(describeFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), 'The operation was aborted due to timeout (TimeoutError)');
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    assert.equal(describeFailure(a), 'a');
    assert.equal(describeFailure('plain text'), 'plain text');
    assert.equal(describeFailure(new Error('outer', { cause: 42 })), '42');
  });
});

describe('targetLabel', () => {
  it('keeps origin and path, drops credentials, query and fragment', () => {
    assert.equal(targetLabel('https://user:pw@hooks.example.com:8443/a/b?token=x#f'), 'https://hooks.example.com:8443/a/b');
  });
});
