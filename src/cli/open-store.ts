/**
 * Opens the store a command names with --store: the embedded SQLite file or
 * Redis (`redis://` or `rediss://`; key prefix from `?prefix=`). Commands that
 * only read pass `create: false`, so a wrong path or prefix is an error
 * instead of a new empty store. Wiring only.
 */
import type { StoreLocation } from '../config/values.js';
import type { Logger } from '../runtime/logger.js';
import { DEFAULT_STORE_PATH, openRedisStore, openSqliteStore, type SnapshotStore } from '../store/index.js';

export interface OpenStoreOptions {
  /** false: the store must already exist. */
  readonly create: boolean;
  /** Where a writing command says that it upgrades an older store file (which can take a while). */
  readonly log?: Logger;
  /** How often a long upgrade logs how far it is (default 10 s). */
  readonly upgradeProgressEveryMs?: number;
  /** The embedded store merges its runs on a thread of its own (the daemon: small, frequent commits). */
  readonly backgroundCompaction?: boolean;
  /** The embedded store copies its WAL back on a thread of its own after each commit (bulk writers). */
  readonly backgroundCheckpoints?: boolean;
  /**
   * The embedded store writes with a rollback journal while open (the bulk writers, seed and
   * replay; ADR 0020); logged when the file is in use elsewhere and stays in WAL mode.
   */
  readonly rollbackJournal?: boolean;
}

/** A long upgrade logs how far it is at most this often. */
const PROGRESS_EVERY_MS = 10_000;

export async function openStore(location: StoreLocation | undefined, options: OpenStoreOptions): Promise<SnapshotStore> {
  const where = location ?? { kind: 'sqlite' as const, path: DEFAULT_STORE_PATH };
  switch (where.kind) {
    case 'sqlite': {
      const log = options.log;
      let began = 0;
      let reported = 0;
      const store = await openSqliteStore({
        path: where.path,
        create: options.create,
        ...(options.backgroundCompaction === true ? { compaction: 'background' as const } : {}),
        ...(options.backgroundCheckpoints === true ? { walCheckpoints: 'background' as const } : {}),
        ...(options.rollbackJournal === true ? { journal: 'rollback' as const } : {}),
        ...(log
          ? {
              onUpgrade: (from: number, to: number) => {
                began = Date.now();
                reported = began;
                log.info({ store: where.path, fromLayout: from, toLayout: to }, 'upgrading the store file to the current layout (it rewrites the stored versions once: about 3 s per 100 MB of store)');
              },
              onUpgradeProgress: (done: number, total: number) => {
                const now = Date.now();
                if (now - reported < (options.upgradeProgressEveryMs ?? PROGRESS_EVERY_MS)) return;
                reported = now;
                log.info({ store: where.path, pagesDone: done, pagesTotal: total, percent: Math.floor((100 * done) / Math.max(1, total)) }, 'upgrading the store file');
              },
            }
          : {}),
      });
      if (began > 0) log?.info({ store: where.path, seconds: (Date.now() - began) / 1000 }, 'store file upgraded');
      if (options.rollbackJournal === true && store.journal !== 'rollback') {
        log?.info({ store: where.path }, 'another process has the store file open: writing through its WAL (slower for a bulk write)');
      }
      return store;
    }
    case 'redis':
      return openRedisStore({ url: where.url, create: options.create });
  }
}
