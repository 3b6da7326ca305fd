/**
 * Opens the store a command names with --store: the embedded SQLite file or
 * (issue 7) Redis. Commands that only read pass `create: false`, so a wrong
 * path is an error instead of a new empty store. Wiring only.
 */
import { BinsnapError } from '../core/errors.js';
import type { StoreLocation } from '../config/values.js';
import { DEFAULT_STORE_PATH, openSqliteStore, type SnapshotStore } from '../store/index.js';

export interface OpenStoreOptions {
  /** false: the store must already exist. */
  readonly create: boolean;
}

export async function openStore(location: StoreLocation | undefined, options: OpenStoreOptions): Promise<SnapshotStore> {
  const where = location ?? { kind: 'sqlite' as const, path: DEFAULT_STORE_PATH };
  switch (where.kind) {
    case 'sqlite':
      return openSqliteStore({ path: where.path, create: options.create });
    case 'redis':
      throw new BinsnapError('BINSNAP_E_NOT_IMPLEMENTED', 'the Redis store is not built yet (issue 7); use a file path for --store', {
        field: 'store',
      });
  }
}
