import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SluiceContext } from '../core/context';
import { ACCESS_TABLE, BUCKET_ENV_VAR, GROUPS_TABLE, LOG_TABLE, PRODUCERS_TABLE, TOPICS_TABLE } from '../store/tables';
import { storageClientsFromEnv } from '../store/storage-clients';

let cached: SluiceContext | undefined;

/**
 * The context a Lambda container uses: created on first use and then kept, so SDK
 * clients (and their connection pools) live as long as the container.
 */
export function contextFromEnv(env: NodeJS.ProcessEnv = process.env): SluiceContext {
  cached ??= {
    ...storageClientsFromEnv(env),
    // Read on use: each function is given only the names of the resources it may touch.
    tables: {
      get topics() {
        return required(env, TOPICS_TABLE.envVar);
      },
      get log() {
        return required(env, LOG_TABLE.envVar);
      },
      get producers() {
        return required(env, PRODUCERS_TABLE.envVar);
      },
      get groups() {
        return required(env, GROUPS_TABLE.envVar);
      },
      get access() {
        return required(env, ACCESS_TABLE.envVar);
      },
    },
    get bucket() {
      return required(env, BUCKET_ENV_VAR);
    },
    now: Date.now,
    newId: randomUUID,
    random: Math.random,
    sleep: (ms) => delay(ms),
  };
  return cached;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  // A function deployed without its configuration cannot do anything useful.
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}
