import { describe } from 'vitest';
import { runConformanceTests } from '@durable-streams/server-conformance-tests';

// The Durable Streams conformance suite, written by the protocol's authors, against the
// Sluice platform that conformance.test.ts started (its URL comes in the environment).
const baseUrl = process.env.SLUICE_DS_CONFORMANCE_URL;
if (!baseUrl) throw new Error('SLUICE_DS_CONFORMANCE_URL: run this through conformance.test.ts, which starts the platform');

describe('Sluice', () => {
  runConformanceTests({ baseUrl, longPollTimeoutMs: Number(process.env.SLUICE_DS_LONG_POLL_MS ?? 20_000) });
});
