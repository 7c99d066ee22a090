import type { StorageClients } from '../store/storage-clients';

/**
 * Everything the domain code needs from the outside world, passed in so tests can
 * control clocks, ids and randomness and point the clients at emulators. The storage
 * clients (`ddb`, `s3`) are typed by lib/store, the only code that uses them.
 */
export interface SluiceContext extends StorageClients {
  readonly tables: { readonly topics: string; readonly log: string; readonly producers: string; readonly groups: string; readonly access: string };
  readonly bucket: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A fresh unique id (a UUID in production). */
  readonly newId: () => string;
  /** A float in [0, 1). */
  readonly random: () => number;
  /** Waits; injected so retry loops can be tested without real delays. */
  readonly sleep: (ms: number) => Promise<void>;
}
