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
 * - version_runs, version_pages, page_bodies, value_shapes (layout 3, ADR
 *   0011): row versions packed into pages sorted by (key, version), a run of
 *   pages per table and write unit, merged size-tiered (sqlite-runs.ts);
 *   values as typed cells after a shape id (sqlite-cells.ts). Layouts 1 and 2
 *   had `row_versions`, one SQLite row per version; the upgrade converts it.
 *   Layout 4 moved the page bodies out of version_pages into page_bodies;
 *   layout 5 gave the entries and cells a shorter format (varint lengths,
 *   small integers and strings, a key stored once when the values hold it).
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
 * file at once upgrade it once); the page rewrite of 4 → 5 follows in
 * chunks (finishPageRewrite). A store opened by a read command
 * (`create: false`) never upgrades a file: reading must not need the write
 * lock (a writer may hold it for a whole streamed transaction). It refuses a
 * layout older than 5, or a page rewrite not yet finished (sqlite-store.ts):
 * those pages are in an older format.
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import { ShapeWrites } from './sqlite-cells.js';
import { corrupt, EntryBuffer, OP_CODE } from './sqlite-pages.js';
import { transcodePage } from './sqlite-legacy-v4.js';
import type { JsonValue } from './snapshot-store.js';
import { DEFAULT_TUNING, RunWrites } from './sqlite-runs.js';
import type { StoredOp } from './row-fold.js';

/** 'BSNP' */
export const APPLICATION_ID = 0x42534e50;
export const LAYOUT_VERSION = 5;

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

const LAYOUT_3 = `
CREATE TABLE version_runs (
  run_id    INTEGER PRIMARY KEY,
  table_id  INTEGER NOT NULL,
  tier      INTEGER NOT NULL,     -- compaction tier (sqlite-runs.ts)
  versions  INTEGER NOT NULL,
  lo        BLOB NOT NULL,        -- smallest version in the run
  hi        BLOB NOT NULL,        -- greatest
  first_key BLOB NOT NULL,        -- pk_sort of its first entry
  last_key  BLOB NOT NULL
);
CREATE INDEX version_runs_by_table ON version_runs (table_id, tier);
CREATE INDEX version_runs_by_hi ON version_runs (hi);
CREATE TABLE version_pages (
  page_id   INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: readers cache bodies by id
  run_id    INTEGER NOT NULL,
  seq       INTEGER NOT NULL,     -- 0, 1, … in key order within the run
  first_key BLOB NOT NULL,
  last_key  BLOB NOT NULL,
  lo        BLOB NOT NULL,
  hi        BLOB NOT NULL,
  entries   INTEGER NOT NULL,
  body      BLOB NOT NULL         -- sqlite-pages.ts
);
CREATE UNIQUE INDEX version_pages_in_run ON version_pages (run_id, seq);
CREATE INDEX version_pages_by_last_key ON version_pages (run_id, last_key);
CREATE TABLE value_shapes (
  shape_id INTEGER PRIMARY KEY,
  names    TEXT NOT NULL UNIQUE     -- JSON array of column names (sqlite-cells.ts)
);
`;

/** Layout 2 → 3: the versions of row_versions become one run per table, then the table goes. */
function toLayout3(db: Database.Database): void {
  db.exec(LAYOUT_3);
  // Runs as layout 3 kept them (bodies in version_pages); the next migration moves the bodies.
  const runs = new RunWrites(db, DEFAULT_TUNING, 3);
  const ids = db.prepare('SELECT DISTINCT table_id FROM row_versions ORDER BY table_id').pluck().all() as number[];
  const first = db.prepare<[number, number], OldVersionRow>(
    'SELECT pk_sort, version, op, pk, row_values FROM row_versions WHERE table_id = ? ORDER BY pk_sort, version LIMIT ?',
  );
  const next = db.prepare<[number, Buffer, Buffer, number], OldVersionRow>(
    'SELECT pk_sort, version, op, pk, row_values FROM row_versions WHERE table_id = ? AND (pk_sort, version) > (?, ?) ORDER BY pk_sort, version LIMIT ?',
  );
  const buffer = new EntryBuffer();
  const shapes = new ShapeWrites(db);
  type Obj = Record<string, JsonValue>;
  for (const id of ids) {
    const run = runs.begin(id);
    let page = first.all(id, 5000);
    while (page.length > 0) {
      buffer.clear();
      for (const r of page) {
        const v = r.version;
        const values = r.row_values === null ? null : (JSON.parse(r.row_values) as Obj);
        buffer.addEncodedVersion(id, r.pk_sort, v.readUInt32BE(0), v.readUInt32BE(4), v.readUInt32BE(8), v.readUInt32BE(12), OP_CODE[r.op], JSON.parse(r.pk) as Obj, values, shapes);
      }
      for (let i = 0; i < buffer.length; i++) run.add(buffer.buf, buffer.starts[i] as number, buffer.ends[i] as number);
      const last = page[page.length - 1] as OldVersionRow;
      page = page.length < 5000 ? [] : next.all(id, last.pk_sort, last.version, 5000);
    }
    run.finish();
  }
  db.exec('DROP TABLE row_versions');
}

interface OldVersionRow {
  readonly pk_sort: Buffer;
  readonly version: Buffer;
  readonly op: StoredOp;
  readonly pk: string;
  readonly row_values: string | null;
}

/**
 * Layout 3 → 4: page bodies move to page_bodies, so re-linking pages into a merged run updates
 * their small rows only (sqlite-runs.ts pageSql). The upgrade copies every body once; the file
 * grows by the store's size meanwhile, the freed pages are reused by later writes.
 */
const TO_LAYOUT_4 = `
CREATE TABLE page_bodies (
  page_id INTEGER PRIMARY KEY,    -- version_pages.page_id
  body    BLOB NOT NULL           -- sqlite-pages.ts
);
INSERT INTO page_bodies (page_id, body) SELECT page_id, body FROM version_pages ORDER BY page_id;
ALTER TABLE version_pages DROP COLUMN body;
`;

/**
 * Layout 4 → 5: every page body rewritten in the shorter entry format (sqlite-pages.ts), with the
 * same entries in the same order, so version_pages and version_runs stay valid as they are. The
 * step itself only records that the rewrite is due (`page_rewrite`); `finishPageRewrite` does it
 * after the upgrade's transaction, in transactions of REWRITE_CHUNK_PAGES pages, so the WAL stays
 * small on a large store and an interrupted rewrite goes on where it stopped. Until it is done the
 * file says layout 5 (an older binsnap refuses it) and read commands refuse it too (its pages are
 * of two formats). Pages the same upgrade just built from row_versions (a file of layout 1 or 2)
 * are already in the new format.
 */
function toLayout5(db: Database.Database, context: MigrationContext): void {
  if (context.from < 3) return;
  db.exec('CREATE TABLE page_rewrite (next_page_id INTEGER NOT NULL); INSERT INTO page_rewrite VALUES (0);');
}

/** Pages rewritten per SQLite transaction by finishPageRewrite (~32 MB of bodies). */
export const REWRITE_CHUNK_PAGES = 1024;

/** Whether the file has a page rewrite (the upgrade to layout 5) still to finish. */
export function pageRewritePending(db: Database.Database): boolean {
  return db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'page_rewrite'").pluck().get() === 1;
}

/**
 * Rewrites the pages a `page_rewrite` record says are still in the format of layouts 3–4, a chunk
 * per SQLite transaction, and drops the record with the last chunk. Safe to run from two processes
 * at once (each chunk re-reads the record under the write lock).
 */
export function finishPageRewrite(
  db: Database.Database,
  options: { readonly progress?: (done: number, total: number) => void; readonly chunkPages?: number } = {},
): void {
  if (!pageRewritePending(db)) return;
  const chunk = options.chunkPages ?? REWRITE_CHUNK_PAGES;
  const shapes = new Map<number, readonly string[]>();
  const names = (id: number): readonly string[] => {
    let n = shapes.get(id);
    if (n === undefined) {
      const text = db.prepare<[number], string>('SELECT names FROM value_shapes WHERE shape_id = ?').pluck().get(id);
      if (text === undefined) throw corrupt(`value shape ${id} is missing`);
      n = JSON.parse(text) as string[];
      shapes.set(id, n);
    }
    return n;
  };
  const total = Number(db.prepare('SELECT count(*) FROM page_bodies').pluck().get());
  const nextOf = db.prepare<[], number>('SELECT next_page_id FROM page_rewrite').pluck();
  const pages = db.prepare<[number, number], { page_id: number; body: Buffer }>(
    'SELECT page_id, body FROM page_bodies WHERE page_id >= ? ORDER BY page_id LIMIT ?',
  );
  const before = db.prepare<[number], number>('SELECT count(*) FROM page_bodies WHERE page_id < ?').pluck();
  const update = db.prepare<[Buffer, number]>('UPDATE page_bodies SET body = ? WHERE page_id = ?');
  const advance = db.prepare<[number]>('UPDATE page_rewrite SET next_page_id = ?');
  for (;;) {
    const done = db
      .transaction((): number | null => {
        if (!pageRewritePending(db)) return null;
        const next = nextOf.get() as number;
        const rows = pages.all(next, chunk);
        if (rows.length === 0) {
          db.exec('DROP TABLE page_rewrite');
          return null;
        }
        for (const r of rows) update.run(transcodePage(r.body, names), r.page_id);
        const last = (rows[rows.length - 1] as { page_id: number }).page_id;
        advance.run(last + 1);
        return Number(before.get(last + 1));
      })
      .immediate();
    if (done === null) break;
    options.progress?.(done, total);
  }
}

/** What a migration step knows of the upgrade it is part of. */
export interface MigrationContext {
  /** The file's layout when the upgrade began (0: a new file). */
  readonly from: number;
}

type Migration = string | ((db: Database.Database, context: MigrationContext) => void);

/** MIGRATIONS[n] takes a layout from version n to n + 1. Never edit one that was released: add the next. */
export const MIGRATIONS: readonly Migration[] = [LAYOUT_1, LAYOUT_2, toLayout3, TO_LAYOUT_4, toLayout5];

/**
 * Creates or upgrades the layout; refuses files that are not (or not yet) ours. With `upgrade: false`
 * an existing older layout is left as it is (a new, empty file is still given the current layout).
 * Returns the file's layout version afterwards.
 */
export function migrate(
  db: Database.Database,
  path: string,
  options: {
    readonly upgrade?: boolean;
    /** Called before an existing file is upgraded, or an interrupted page rewrite is finished. */
    readonly onUpgrade?: (from: number, to: number) => void;
    /** Called while an upgrade rewrites pages: pages done so far, of how many. */
    readonly onProgress?: (done: number, total: number) => void;
    /** Pages rewritten per SQLite transaction (tests make it small). */
    readonly chunkPages?: number;
  } = {},
): number {
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
  const rewrite = { ...(options.onProgress ? { progress: options.onProgress } : {}), ...(options.chunkPages ? { chunkPages: options.chunkPages } : {}) };
  if (version === LAYOUT_VERSION) {
    // An upgrade to layout 5 that was interrupted while it rewrote pages: a writer finishes it.
    if (options.upgrade !== false && pageRewritePending(db)) {
      options.onUpgrade?.(4, LAYOUT_VERSION);
      finishPageRewrite(db, rewrite);
    }
    return version;
  }
  if (version > 0 && options.upgrade === false) return version;
  if (version > 0) options.onUpgrade?.(version, LAYOUT_VERSION);
  const layout = db
    .transaction(() => {
      // Again under the write lock: another process may have upgraded the file since the read above.
      const current = Number(db.pragma('user_version', { simple: true }));
      if (current > LAYOUT_VERSION) {
        throw new BinsnapError('BINSNAP_E_STORE_VERSION', `the store has layout version ${current}; this binsnap reads up to ${LAYOUT_VERSION}`, { file: path });
      }
      for (let v = current; v < LAYOUT_VERSION; v++) {
        const step = MIGRATIONS[v] as Migration;
        if (typeof step === 'string') db.exec(step);
        else step(db, { from: current });
      }
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${LAYOUT_VERSION}`);
      return LAYOUT_VERSION;
    })
    .immediate();
  finishPageRewrite(db, rewrite);
  return layout;
}
