import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaApi } from '../../../../lib/kafka/messages/api';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../lib/kafka/messages/frames';
import { SASL_AUTHENTICATE } from '../../../../lib/kafka/messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../../../lib/kafka/messages/sasl-handshake';
import { KafkaDecodeError } from '../../../../lib/kafka/wire/decode-error';

function versions(api: KafkaApi<unknown, unknown>): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
}

/** Encodes and decodes a request and a response at `version`, through whole frames (headers included). */
function roundTrip<Req, Res>(api: KafkaApi<Req, Res>, version: number, request: Req, response: Res): { request: unknown; response: Res } {
  const requestFrame = encodeRequestFrame(api, { apiVersion: version, correlationId: 9, clientId: 'c' }, request).subarray(4);
  const decoded = decodeRequestFrame(requestFrame);
  assert.equal(decoded.kind, 'request');
  const responseFrame = encodeResponseFrame(api, version, 9, response).subarray(4);
  const answer = decodeResponseFrame(api, version, responseFrame);
  assert.equal(answer.correlationId, 9);
  return { request: (decoded as { body: unknown }).body, response: answer.body };
}

/** Every cut of the request frame is refused with KafkaDecodeError (bad input never crashes). */
function refusesTruncations<Req>(api: KafkaApi<Req, unknown>, version: number, request: Req): void {
  const frame = encodeRequestFrame(api, { apiVersion: version, correlationId: 1, clientId: 'c' }, request).subarray(4);
  for (let cut = 0; cut < frame.length; cut++) {
    assert.throws(() => decodeRequestFrame(frame.subarray(0, cut)), (e: unknown) => e instanceof KafkaDecodeError, `${api.name} v${version} cut at ${cut}`);
  }
}

describe('SaslHandshake codec (v0-v1)', () => {
  it('round-trips the mechanism and the enabled list', () => {
    for (const v of versions(SASL_HANDSHAKE)) {
      const back = roundTrip(SASL_HANDSHAKE, v, { mechanism: 'PLAIN' }, { errorCode: 33, mechanisms: ['PLAIN'] });
      assert.deepEqual(back.request, { mechanism: 'PLAIN' });
      assert.deepEqual(back.response, { errorCode: 33, mechanisms: ['PLAIN'] });
      refusesTruncations(SASL_HANDSHAKE, v, { mechanism: 'PLAIN' });
    }
  });
});

describe('SaslAuthenticate codec (v0-v2, flexible from v2)', () => {
  it('round-trips the auth bytes, the error message and (v1+) the session lifetime', () => {
    const plain = Buffer.from('\u0000alice\u0000s3cret');
    for (const v of versions(SASL_AUTHENTICATE)) {
      const response = { errorCode: 58, errorMessage: 'Authentication failed', authBytes: Buffer.from('x'), sessionLifetimeMs: 3_600_000 };
      const back = roundTrip(SASL_AUTHENTICATE, v, { authBytes: plain }, response);
      assert.deepEqual(back.request, { authBytes: plain }, `request v${v}`);
      assert.deepEqual(back.response, { ...response, sessionLifetimeMs: v >= 1 ? 3_600_000 : 0 }, `response v${v}`);
      assert.deepEqual(roundTrip(SASL_AUTHENTICATE, v, { authBytes: Buffer.alloc(0) }, { ...response, errorMessage: null }).response.errorMessage, null);
      refusesTruncations(SASL_AUTHENTICATE, v, { authBytes: plain });
    }
  });
});
