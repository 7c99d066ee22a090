import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StartupError } from '../../../infra/local/emulators/startup-error';
import { localConfigFromEnv } from '../../../infra/local/local-config';

describe('localConfigFromEnv: SLUICE_CORS_ORIGINS', () => {
  it('allows no origin unless set, as a deployed stack without corsOrigins', () => {
    assert.deepEqual(localConfigFromEnv({}).corsOrigins, []);
  });

  it('reads comma-separated origins, or *', () => {
    assert.deepEqual(localConfigFromEnv({ SLUICE_CORS_ORIGINS: 'http://localhost:5173, https://app.example.com' }).corsOrigins, ['http://localhost:5173', 'https://app.example.com']);
    assert.deepEqual(localConfigFromEnv({ SLUICE_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  });

  it('refuses junk at startup with a message, not a stack', () => {
    assert.throws(
      () => localConfigFromEnv({ SLUICE_CORS_ORIGINS: 'localhost:5173/' }),
      (error: unknown) => error instanceof StartupError && /^SLUICE_CORS_ORIGINS: 'localhost:5173\/'/.test(error.message),
    );
  });
});
