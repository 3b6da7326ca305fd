/**
 * Opens the store a command names with --store: the embedded SQLite file or
 * Redis (`redis://` or `rediss://`; key prefix from `?prefix=`). Commands that
 * only read pass `create: false`, so a wrong path or prefix is an error
 * instead of a new empty store. Wiring only.
 */
import type { StoreLocation } from '../config/values.js';
import { DEFAULT_STORE_PATH, openRedisStore, openSqliteStore, type SnapshotStore } from '../store/index.js';

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
      return openRedisStore({ url: where.url, create: options.create });
  }
}
