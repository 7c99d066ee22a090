import type { ConnectionLimits } from './connection';
import type { BatchingSettings } from './produce-batcher';

/**
 * The gateway's settings from the environment (README, "Configuration"):
 *
 * - `SLUICE_KAFKA_HOST`: the interface to listen on (default `SLUICE_HOST`, else 127.0.0.1);
 * - `SLUICE_KAFKA_PORT`: the port (default 9092; 0 picks a free one; `off` runs no gateway
 *   under `npm start`);
 * - `SLUICE_KAFKA_ADVERTISED_HOST`, `SLUICE_KAFKA_ADVERTISED_PORT`: what Metadata tells
 *   clients to connect to, when that differs (a load balancer, a container's mapping);
 * - `SLUICE_KAFKA_MAX_FRAME_BYTES` (default 16 MiB), `SLUICE_KAFKA_IDLE_TIMEOUT_MS`
 *   (default 10 minutes), `SLUICE_KAFKA_FRAME_TIMEOUT_MS` (default 30 s),
 *   `SLUICE_KAFKA_MAX_IN_FLIGHT` (default 32): the per-connection limits;
 * - `SLUICE_KAFKA_LINGER_MS` (default 5; 0 writes each request at once) and
 *   `SLUICE_KAFKA_BATCH_BYTES` (default 1 MiB): the cross-connection produce batch's
 *   window and size (produce-batcher.ts).
 */
export interface GatewaySettings {
  host: string;
  /** undefined: no gateway (`SLUICE_KAFKA_PORT=off`). */
  port: number | undefined;
  advertisedHost: string | undefined;
  advertisedPort: number | undefined;
  limits: Partial<ConnectionLimits>;
  batching: Partial<BatchingSettings>;
}

export const DEFAULT_KAFKA_PORT = 9092;

export function gatewaySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const rawPort = env.SLUICE_KAFKA_PORT;
  return {
    host: env.SLUICE_KAFKA_HOST || env.SLUICE_HOST || '127.0.0.1',
    port: rawPort === 'off' ? undefined : port(env, 'SLUICE_KAFKA_PORT') ?? DEFAULT_KAFKA_PORT,
    advertisedHost: env.SLUICE_KAFKA_ADVERTISED_HOST || undefined,
    advertisedPort: port(env, 'SLUICE_KAFKA_ADVERTISED_PORT'),
    limits: {
      maxFrameBytes: positive(env, 'SLUICE_KAFKA_MAX_FRAME_BYTES'),
      idleTimeoutMs: positive(env, 'SLUICE_KAFKA_IDLE_TIMEOUT_MS'),
      frameTimeoutMs: positive(env, 'SLUICE_KAFKA_FRAME_TIMEOUT_MS'),
      maxInFlight: positive(env, 'SLUICE_KAFKA_MAX_IN_FLIGHT'),
    },
    batching: {
      lingerMs: nonNegative(env, 'SLUICE_KAFKA_LINGER_MS'),
      maxBytes: positive(env, 'SLUICE_KAFKA_BATCH_BYTES'),
    },
  };
}

function port(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number 0-65535${name === 'SLUICE_KAFKA_PORT' ? " or 'off'" : ''}, got '${raw}'`);
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number, at least 1, got '${raw}'`);
  return value;
}

function nonNegative(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, at least 0, got '${raw}'`);
  return value;
}
