/**
 * The embedded store's file layout and its migrations. `PRAGMA user_version`
 * is the layout version, `PRAGMA application_id` marks the file as binsnap's.
 * A file written by a newer binsnap is refused (BINSNAP_E_STORE_VERSION), a
 * SQLite file that is not a binsnap store too (BINSNAP_E_STORE_OPEN).
 *
 * Layout (every position has a readable `file:offset` text or numeric column
 * next to the BLOB that sorts it, see sqlite-codec.ts):
 * - table_names: a small id per `db.table` name, to keep the big index short,
 *   and whether rows without a primary key (multisets) were written under it.
 * - row_versions: one row per version, a rowid table (rows are appended; a
 *   WITHOUT ROWID table clustered by version measured 2× slower to write and
 *   4× slower to read with 1 KB rows), `version` UNIQUE for idempotence, and
 *   `row_versions_by_key (table_id, pk_sort, version, op)` covering the as-of
 *   scans (the rowid rides along in it); `pk` and `row_values` are JSON text.
 * - transactions: every applied transaction with start, commit and commit
 *   time; "as of P" resolves here to the last commit ≤ P.
 * - schema_versions, table_events: per transaction and index in it.
 * - checkpoint: one row.
 * - meta (layout 2): bookkeeping documents by name (SnapshotStore.getMeta /
 *   setMeta), each written in its own SQLite transaction.
 *
 * Upgrades: a store opened for writing (the default, `create` not false)
 * runs the missing MIGRATIONS on open, in one SQLite transaction that
 * re-reads the version under the write lock (two processes opening an old
 * file at once upgrade it once). A store opened by a read command
 * (`create: false`) never upgrades a file: reading must not need the write
 * lock (a writer may hold it for a whole streamed transaction) nor make the
 * file unreadable to the older binsnap that may still be writing it. Such a
 * store reads an older layout as it is (a missing meta table reads as no
 * documents) and upgrades only when it first writes a document.
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';

/** 'BSNP' */
export const APPLICATION_ID = 0x42534e50;
export const LAYOUT_VERSION = 2;

const LAYOUT_1 = `
CREATE TABLE table_names (
  table_id INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  multiset INTEGER NOT NULL DEFAULT 0  -- 1 once a row without primary key was written under the name
);
CREATE TABLE row_versions (
  id          INTEGER PRIMARY KEY, -- storage order only
  version     BLOB NOT NULL UNIQUE, -- file_number u32 | byte_offset u64 | row_index u32, big-endian
  table_id    INTEGER NOT NULL,
  pk_sort     BLOB NOT NULL,      -- key-encoding.ts: sorts and identifies the key
  file_number INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  row_index   INTEGER NOT NULL,
  op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete', 'add', 'remove')),
  pk          TEXT NOT NULL,      -- JSON: primary key, or the whole row without a primary key
  row_values  TEXT                -- JSON: the row after the change; NULL for a delete
);
CREATE INDEX row_versions_by_key ON row_versions (table_id, pk_sort, version, op);

CREATE TABLE transactions (
  commit_pos      BLOB NOT NULL,  -- file_number u32 | offset u64
  start_pos       BLOB NOT NULL,
  commit_position TEXT NOT NULL,  -- file:offset
  start_position  TEXT NOT NULL,
  commit_ts_ms    INTEGER NOT NULL,
  gtid            TEXT,
  PRIMARY KEY (commit_pos, start_pos)
) WITHOUT ROWID;

CREATE TABLE schema_versions (
  commit_pos  BLOB NOT NULL,
  start_pos   BLOB NOT NULL,
  seq         INTEGER NOT NULL,
  table_name  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  ddl         TEXT NOT NULL,
  schema_json TEXT,               -- NULL once the name no longer exists
  PRIMARY KEY (commit_pos, start_pos, seq)
) WITHOUT ROWID;
CREATE INDEX schema_versions_by_table ON schema_versions (table_name, start_pos, seq);

CREATE TABLE table_events (
  commit_pos BLOB NOT NULL,
  start_pos  BLOB NOT NULL,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('create', 'rename', 'truncate', 'drop')),
  table_name TEXT NOT NULL,
  to_name    TEXT,
  PRIMARY KEY (commit_pos, start_pos, seq)
) WITHOUT ROWID;
CREATE INDEX table_events_by_table ON table_events (table_name);
CREATE INDEX table_events_by_target ON table_events (to_name);

CREATE TABLE checkpoint (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  position     TEXT NOT NULL,     -- file:offset
  pos          BLOB NOT NULL,
  gtid_flavor  TEXT,
  gtid_set     TEXT,
  commit_ts_ms INTEGER NOT NULL
);
`;

const LAYOUT_2 = `
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL             -- a bookkeeping document (e.g. an unfinished seed's progress)
) WITHOUT ROWID;
`;

/** MIGRATIONS[n] takes a layout from version n to n + 1. Never edit one that was released: add the next. */
export const MIGRATIONS: readonly string[] = [LAYOUT_1, LAYOUT_2];

/**
 * Creates or upgrades the layout; refuses files that are not (or not yet) ours. With `upgrade: false`
 * an existing older layout is left as it is (a new, empty file is still given the current layout).
 * Returns the file's layout version afterwards.
 */
export function migrate(db: Database.Database, path: string, options: { readonly upgrade?: boolean } = {}): number {
  const version = Number(db.pragma('user_version', { simple: true }));
  const appId = Number(db.pragma('application_id', { simple: true }));
  if (version > LAYOUT_VERSION) {
    throw new BinsnapError(
      'BINSNAP_E_STORE_VERSION',
      `the store has layout version ${version}; this binsnap reads up to ${LAYOUT_VERSION}`,
      { file: path },
    );
  }
  if (version === 0) {
    const objects = Number(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get());
    if (objects > 0) {
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', 'the file is a SQLite database but not a binsnap store', { file: path });
    }
  } else if (appId !== APPLICATION_ID) {
    throw new BinsnapError('BINSNAP_E_STORE_OPEN', 'the file is a SQLite database but not a binsnap store', { file: path });
  }
  if (version === LAYOUT_VERSION) return version;
  if (version > 0 && options.upgrade === false) return version;
  return db
    .transaction(() => {
      // Again under the write lock: another process may have upgraded the file since the read above.
      const current = Number(db.pragma('user_version', { simple: true }));
      if (current > LAYOUT_VERSION) {
        throw new BinsnapError('BINSNAP_E_STORE_VERSION', `the store has layout version ${current}; this binsnap reads up to ${LAYOUT_VERSION}`, { file: path });
      }
      for (let v = current; v < LAYOUT_VERSION; v++) db.exec(MIGRATIONS[v] as string);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${LAYOUT_VERSION}`);
      return LAYOUT_VERSION;
    })
    .immediate();
}
