import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { LATEST, add, at, del, pos, readAll, remove, tableSchema, txn, upsert } from './contract-fixtures.test-util.js';
import { MemoryStore } from './memory-store.js';
import { describeSnapshotStoreContract } from './contract.test-util.js';
import { encodeKey } from './key-encoding.js';
import type { JsonValue, RowValues } from './snapshot-store.js';
import { positionBlob, versionBlob } from './sqlite-codec.js';
import { ShapeWrites } from './sqlite-cells.js';
import { EntryBuffer, OP_CODE, PageBuilder, entryEnd, entryPk, entryValues, pageCount, pageEntryAt } from './sqlite-pages.js';
import { FIXTURE_TABLES, fixtureTransactions } from './layout-fixture.test-util.js';
import { DEFAULT_TUNING, RunWrites } from './sqlite-runs.js';
import { APPLICATION_ID, LAYOUT_VERSION, MIGRATIONS, migrate } from './sqlite-schema.js';
import { SQLITE_PAGE_SIZE, openSqliteStore, type SqliteStore } from './sqlite-store.js';

/** A seeded pseudo-random source: rnd(n) in [0, n), the same sequence for the same seed. */
function lcg(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

function tempPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'binsnap-store-'));
  return { dir, path: join(dir, 'binsnap.db') };
}

describeSnapshotStoreContract('sqlite', async () => {
  const { dir, path } = tempPath();
  let current: SqliteStore = await openSqliteStore({ path });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openSqliteStore({ path });
      return current;
    },
    cleanup: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// The same contract with a rollback journal (seed, replay): reads go through the writer's connection.
describeSnapshotStoreContract('sqlite, rollback journal', async () => {
  const { dir, path } = tempPath();
  let current: SqliteStore = await openSqliteStore({ path, journal: 'rollback' });
  expect(current.journal).toBe('rollback');
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openSqliteStore({ path, journal: 'rollback' });
      return current;
    },
    cleanup: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'no error',
    (e: unknown) => (isBinsnapError(e) ? e.code : e),
  );
}

describe('sqlite store file', () => {
  it('creates a WAL file with the layout version and readable tables', async () => {
    const { dir, path } = tempPath();
    try {
      const store = await openSqliteStore({ path, synchronous: 'full' });
      await store.apply([txn({ start: [1, 4], commit: [1, 100], rows: [upsert('d.t', { id: 1 }, { id: 1, name: 'x' }, [1, 50])] })]);
      await store.close();
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(LAYOUT_VERSION);
      expect(db.pragma('page_size', { simple: true })).toBe(SQLITE_PAGE_SIZE);
      // One run of one page holding the version, readable with the page format of sqlite-pages.ts.
      expect(db.prepare('SELECT tier, versions, lo, hi FROM version_runs').all()).toEqual([
        { tier: 0, versions: 1, lo: versionBlob({ fileNumber: 1, offset: 50n, rowIndex: 0 }), hi: versionBlob({ fileNumber: 1, offset: 50n, rowIndex: 0 }) },
      ]);
      const page = db.prepare('SELECT body FROM page_bodies').pluck().get() as Buffer;
      expect(pageCount(page)).toBe(1);
      const entry = pageEntryAt(page, 0);
      const shapes = new Map((db.prepare('SELECT shape_id, names FROM value_shapes').all() as { shape_id: number; names: string }[]).map((r) => [r.shape_id, JSON.parse(r.names) as string[]]));
      expect([...shapes.values()]).toEqual([['id'], ['id', 'name']]);
      const names = (id: number): string[] => shapes.get(id) ?? [];
      expect([entryPk(page, entry, names), entryValues(page, entry, names)]).toEqual([{ id: 1 }, { id: 1, name: 'x' }]);
      expect(db.prepare('SELECT commit_position, start_position FROM transactions').get()).toEqual({
        commit_position: 'mysql-bin.000001:100',
        start_position: 'mysql-bin.000001:4',
      });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file created with 4096-byte SQLite pages keeps them, and is written and read as before', async () => {
    const { dir, path } = tempPath();
    try {
      const old = new Database(path);
      old.pragma('page_size = 4096');
      old.pragma('journal_mode = WAL');
      migrate(old, path);
      old.close();
      const store = await openSqliteStore({ path });
      const rows = Array.from({ length: 500 }, (_, i) => upsert('d.t', { id: i }, { id: i, pad: 'x'.repeat(200) }, [1, 50 + i]));
      await store.apply([txn({ start: [1, 4], commit: [1, 1000], rows })]);
      expect((await readAll(store, 'd.t')).length).toBe(500);
      await store.close();
      const db = new Database(path, { readonly: true });
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      db.close();
      const reader = await openSqliteStore({ path, create: false });
      expect((await readAll(reader, 'd.t')).map((r) => r['id'])).toEqual(Array.from({ length: 500 }, (_, i) => i));
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a store written by a newer binsnap', async () => {
    const { dir, path } = tempPath();
    try {
      await (await openSqliteStore({ path })).close();
      const db = new Database(path);
      db.pragma(`user_version = ${LAYOUT_VERSION + 1}`);
      db.close();
      expect(await codeOf(openSqliteStore({ path }))).toBe('BINSNAP_E_STORE_VERSION');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a SQLite file that is not a store, a damaged file and a missing directory', async () => {
    const { dir, path } = tempPath();
    try {
      const db = new Database(path);
      db.exec('CREATE TABLE unrelated (x)');
      db.close();
      expect(await codeOf(openSqliteStore({ path }))).toBe('BINSNAP_E_STORE_OPEN');
      const junk = join(dir, 'junk.db');
      writeFileSync(junk, Buffer.alloc(8192, 0x41));
      expect(await codeOf(openSqliteStore({ path: junk }))).toBe('BINSNAP_E_STORE_CORRUPT');
      expect(await codeOf(openSqliteStore({ path: join(dir, 'missing', 'x.db') }))).toBe('BINSNAP_E_STORE_OPEN');
      expect(await codeOf(openSqliteStore({ path: join(dir, 'absent.db'), create: false }))).toBe('BINSNAP_E_STORE_OPEN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second store on the same file sees committed data and is refused while a writer is open', async () => {
    const { dir, path } = tempPath();
    try {
      const a = await openSqliteStore({ path });
      const b = await openSqliteStore({ path });
      await a.apply([txn({ start: [1, 4], commit: [1, 100], rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])] })]);
      expect(await readAll(b, 'd.t')).toEqual([{ id: 1 }]);
      const w = await a.beginTransaction({ startPosition: txn({ start: [1, 100], commit: [1, 100] }).startPosition });
      await w.addRows([upsert('d.t', { id: 2 }, { id: 2 }, [1, 150])]);
      expect(await readAll(b, 'd.t')).toEqual([{ id: 1 }]);
      await w.abort();
      await a.close();
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A store file of an older layout as the binsnap of that layout left it: what migrate() wrote for a new file then. */
function createOldFile(path: string, layout: 1 | 2 | 3): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    for (let v = 0; v < layout; v++) {
      const step = MIGRATIONS[v] as string | ((db: Database.Database) => void);
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${layout}`);
  }).immediate();
  return db;
}

function fileState(path: string): { version: number; hasMeta: boolean; hasRowVersions: boolean } {
  const db = new Database(path, { readonly: true });
  try {
    const has = (name: string): boolean => db.prepare('SELECT count(*) FROM sqlite_schema WHERE name = ?').pluck().get(name) === 1;
    return { version: Number(db.pragma('user_version', { simple: true })), hasMeta: has('meta'), hasRowVersions: has('row_versions') };
  } finally {
    db.close();
  }
}

describe('sqlite store layouts 1 and 2 → 5 (row versions in pages, bodies apart)', () => {
  const T = 'd.t';
  const M = 'd.m';
  const pos = (o: number): Buffer => positionBlob(1, BigInt(o));

  /** Writes, as layouts 1 and 2 stored them: T with keys 1–3 (2 updated, 3 deleted) and the keyless M holding 'x' twice. */
  function writeOldData(db: Database.Database): void {
    db.prepare("INSERT INTO table_names (table_id, name, multiset) VALUES (1, 'd.t', 0), (2, 'd.m', 1)").run();
    const insert = db.prepare(
      'INSERT INTO row_versions (version, table_id, pk_sort, file_number, byte_offset, row_index, op, pk, row_values) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)',
    );
    const row = (table: number, offset: number, index: number, op: string, key: Record<string, JsonValue>, values: Record<string, JsonValue> | null): void => {
      insert.run(versionBlob({ fileNumber: 1, offset: BigInt(offset), rowIndex: index }), table, encodeKey(key), offset, index, op, JSON.stringify(key), values === null ? null : JSON.stringify(values));
    };
    row(1, 50, 0, 'upsert', { id: 1 }, { id: 1, v: 'a' });
    row(1, 50, 1, 'upsert', { id: 2 }, { id: 2, v: 'b' });
    row(1, 50, 2, 'upsert', { id: 3 }, { id: 3, v: 'c' });
    row(2, 60, 0, 'add', { v: 'x' }, { v: 'x' });
    row(2, 60, 1, 'add', { v: 'x' }, { v: 'x' });
    row(1, 150, 0, 'upsert', { id: 2 }, { id: 2, v: 'b2' });
    row(1, 150, 1, 'delete', { id: 3 }, null);
    const t = db.prepare('INSERT INTO transactions VALUES (?, ?, ?, ?, ?, NULL)');
    t.run(pos(100), pos(4), 'mysql-bin.000001:100', 'mysql-bin.000001:4', 1000);
    t.run(pos(200), pos(100), 'mysql-bin.000001:200', 'mysql-bin.000001:100', 2000);
    db.prepare("INSERT INTO schema_versions VALUES (?, ?, 0, 'd.t', 'create', 'CREATE TABLE t (id INT PRIMARY KEY, v TEXT)', ?)").run(
      pos(100),
      pos(4),
      JSON.stringify(tableSchema('d', 't', ['id', 'v'])),
    );
    db.prepare("INSERT INTO table_events VALUES (?, ?, 0, 'create', 'd.t', NULL)").run(pos(100), pos(4));
    db.prepare("INSERT INTO checkpoint VALUES (1, 'mysql-bin.000001:200', ?, NULL, NULL, 2000)").run(pos(200));
  }

  for (const layout of [1, 2] as const) {
    it(`a layout ${layout} file is upgraded by a writer with every version intact (a read-only open refuses it, unchanged)`, async () => {
      const { dir, path } = tempPath();
      try {
        {
          const db = createOldFile(path, layout);
          writeOldData(db);
          db.close();
          expect(await codeOf(openSqliteStore({ path, create: false }))).toBe('BINSNAP_E_STORE_VERSION');
          expect(fileState(path)).toEqual({ version: layout, hasMeta: layout === 2, hasRowVersions: true });
        }

        const upgrades: Array<[number, number]> = [];
        const store = await openSqliteStore({ path, onUpgrade: (from, to) => upgrades.push([from, to]) });
        expect(upgrades).toEqual([[layout, LAYOUT_VERSION]]);
        expect(fileState(path)).toEqual({ version: LAYOUT_VERSION, hasMeta: true, hasRowVersions: false });
        {
          // Since layout 4: every page's body in page_bodies, none left in version_pages.
          const db = new Database(path, { readonly: true });
          const columns = db.prepare("SELECT name FROM pragma_table_info('version_pages')").pluck().all() as string[];
          const orphans = db.prepare('SELECT count(*) FROM version_pages p LEFT JOIN page_bodies b USING (page_id) WHERE b.page_id IS NULL').pluck().get();
          const bodies = db.prepare('SELECT count(*) FROM page_bodies').pluck().get();
          db.close();
          expect([columns.includes('body'), orphans, Number(bodies) > 0]).toEqual([false, 0, true]);
        }
        expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b2' }]);
        expect(await readAll(store, T, at(1, 100))).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
        expect(await readAll(store, M)).toEqual([{ v: 'x' }, { v: 'x' }]);
        expect((await store.rowHistory(T, { id: 3 })).map((h) => [h.op, h.values, h.position.format()])).toEqual([
          ['upsert', { id: 3, v: 'c' }, 'mysql-bin.000001:50'],
          ['delete', null, 'mysql-bin.000001:150'],
        ]);
        expect((await store.schemaAt(T, LATEST))?.ddl).toBe('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)');
        expect((await store.tableEventsOf(T)).map((e) => e.event)).toEqual([{ kind: 'create', table: T }]);
        expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000001:200');
        expect(await store.tableStats()).toEqual([
          { table: M, rows: 2, versions: 2 },
          { table: T, rows: 2, versions: 5 },
        ]);
        // The same versions written again are recognised as stored; other content is a conflict.
        await store.apply([txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 2 }, { id: 2, v: 'b2' }, [1, 150, 0])] })]);
        await expect(
          store.apply([txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 2 }, { id: 2, v: 'other' }, [1, 150, 0])] })]),
        ).rejects.toMatchObject({ code: 'BINSNAP_E_STORE_CONFLICT' });
        await store.setMeta('seed', 'progress');
        await store.apply([txn({ start: [1, 200], commit: [1, 300], rows: [upsert(T, { id: 4 }, { id: 4 }, [1, 250])] })]);
        await store.close();

        const again = await openSqliteStore({ path, create: false, onUpgrade: (from, to) => upgrades.push([from, to]) });
        expect(upgrades).toHaveLength(1);
        expect(await again.getMeta('seed')).toBe('progress');
        expect(await readAll(again, T)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b2' }, { id: 4 }]);
        await again.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a file of a newer layout is refused by read-only and writing opens alike', async () => {
    const { dir, path } = tempPath();
    try {
      const db = createOldFile(path, 1);
      db.pragma(`user_version = ${LAYOUT_VERSION + 1}`);
      db.close();
      expect(await codeOf(openSqliteStore({ path }))).toBe('BINSNAP_E_STORE_VERSION');
      expect(await codeOf(openSqliteStore({ path, create: false }))).toBe('BINSNAP_E_STORE_VERSION');
      expect(fileState(path)).toEqual({ version: LAYOUT_VERSION + 1, hasMeta: false, hasRowVersions: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every entry of every page body of the store file at `path`, as hex, sorted. */
function allEntries(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const out: string[] = [];
    for (const body of db.prepare('SELECT body FROM page_bodies').pluck().all() as Buffer[]) {
      const n = pageCount(body);
      for (let i = 0; i < n; i++) {
        const at = pageEntryAt(body, i);
        out.push(body.toString('hex', at, entryEnd(body, at)));
      }
    }
    return out.sort();
  } finally {
    db.close();
  }
}

/** One number a query gives on the store file at `path`. */
function numberOf(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return Number(db.prepare(sql).pluck().get());
  } finally {
    db.close();
  }
}

const bodyBytes = (path: string): number => numberOf(path, 'SELECT sum(length(body)) FROM page_bodies');
const bodyCount = (path: string): number => numberOf(path, 'SELECT count(*) FROM page_bodies');

describe('sqlite store files of layouts 3 and 4 (the older page format) → 5', () => {
  const fixture = (layout: number): string => new URL(`../../test/fixtures/store/layout${layout}.db`, import.meta.url).pathname;
  const tuning = { pageBytes: 1024, tierBase: 32, fanout: 2, stepVersions: 500 };

  for (const layout of [3, 4] as const) {
    it(`a read-only open refuses the layout ${layout} file an older binsnap wrote, and leaves it unchanged`, async () => {
      const { dir, path } = tempPath();
      try {
        copyFileSync(fixture(layout), path);
        const before = readFileSync(path);
        const err = await openSqliteStore({ path, create: false }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ code: 'BINSNAP_E_STORE_VERSION' });
        expect(String((err as Error).message)).toContain('run a writing command');
        expect(readFileSync(path).equals(before)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`a writer upgrades the layout ${layout} file an older binsnap wrote: every entry as this binsnap writes it, every read the same`, async () => {
      const { dir, path } = tempPath();
      const fresh = join(dir, 'fresh.db');
      try {
        copyFileSync(fixture(layout), path);
        const oldBytes = layout === 4 ? bodyBytes(path) : 0;
        const upgrades: Array<[number, number]> = [];
        const store = await openSqliteStore({ path, tuning, onUpgrade: (from, to) => upgrades.push([from, to]) });
        const reference = await openSqliteStore({ path: fresh, tuning });
        try {
          expect(upgrades).toEqual([[layout, LAYOUT_VERSION]]);
          const transactions = fixtureTransactions();
          for (const t of transactions) await reference.apply([t]);
          // Reads: every table as of every commit, and the history of keys of each kind.
          for (const table of FIXTURE_TABLES) {
            for (const t of transactions) {
              const asOf = { kind: 'position', position: t.commitPosition } as const;
              expect(await readAll(store, table, asOf)).toEqual(await readAll(reference, table, asOf));
            }
            expect((await readAll(store, table)).length).toBeGreaterThan(0);
          }
          for (const [table, key, numeric] of [
            ['f.kinds', { id: 1 }, undefined],
            ['f.pair', { a: 'k1', b: 1 }, undefined],
            ['f.big', { id: '-9' }, ['id']],
            ['f.bag', { v: 'x', n: 1 }, undefined],
            ['f.bulk', { id: 0 }, undefined],
          ] as const) {
            const opts = numeric ? { numericKeyColumns: numeric } : undefined;
            const history = await store.rowHistory(table, key, opts);
            expect(history.length).toBeGreaterThan(0);
            expect(history).toEqual(await reference.rowHistory(table, key, opts));
          }
          expect(await store.tableStats()).toEqual(await reference.tableStats());
          // The same transactions again: every version recognised as stored; other content a conflict.
          for (const t of transactions) await store.apply([t]);
          expect(await store.tableStats()).toEqual(await reference.tableStats());
          const last = transactions[transactions.length - 1]!;
          const changed = { ...last, rowChanges: [{ ...last.rowChanges[0]!, op: 'upsert' as const, values: { id: 0, k: 1 } }] };
          await expect(store.apply([changed])).rejects.toMatchObject({ code: 'BINSNAP_E_STORE_CONFLICT' });
        } finally {
          await store.close();
          await reference.close();
        }
        // Byte for byte the entries a new store holds for the same transactions (merges move entries, never change them).
        expect(allEntries(path)).toEqual(allEntries(fresh));
        if (layout === 4) expect(bodyBytes(path)).toBeLessThan(oldBytes * 0.8);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('sqlite store: an upgrade to layout 5 interrupted while it rewrites pages', () => {
  it('leaves a file that older binsnaps and read commands refuse, and that the next writer finishes where it stopped', async () => {
    const { dir, path } = tempPath();
    const fresh = join(dir, 'fresh.db');
    try {
      copyFileSync(new URL('../../test/fixtures/store/layout4.db', import.meta.url).pathname, path);
      const total = bodyCount(path);
      expect(total).toBeGreaterThan(40);
      // The first writer stops after three chunks of 10 pages (as a process killed then would).
      const first: number[] = [];
      const stop = new Error('stopped');
      await expect(
        openSqliteStore({
          path,
          upgradeChunkPages: 10,
          onUpgradeProgress: (done) => {
            first.push(done);
            if (first.length === 3) throw stop;
          },
        }),
      ).rejects.toBeDefined();
      expect(first).toEqual([10, 20, 30]);
      {
        const db = new Database(path, { readonly: true });
        const state = [Number(db.pragma('user_version', { simple: true })), db.prepare('SELECT next_page_id FROM page_rewrite').pluck().get()];
        db.close();
        // Layout 5 already (a layout-4 binsnap refuses the file), the rewrite's mark past the 30th page.
        expect(state[0]).toBe(5);
        expect(Number(state[1])).toBeGreaterThan(0);
      }
      const refused = await openSqliteStore({ path, create: false }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ code: 'BINSNAP_E_STORE_VERSION' });
      expect(String((refused as Error).message)).toContain('interrupted');

      // The next writer goes on from the 31st page and finishes.
      const upgrades: Array<[number, number]> = [];
      const second: number[] = [];
      const store = await openSqliteStore({ path, upgradeChunkPages: 10, onUpgrade: (a, b) => upgrades.push([a, b]), onUpgradeProgress: (done) => second.push(done) });
      expect(upgrades).toEqual([[4, 5]]);
      expect(second[0]).toBe(40);
      expect(second[second.length - 1]).toBe(total);
      const reference = await openSqliteStore({ path: fresh });
      for (const t of fixtureTransactions()) await reference.apply([t]);
      for (const table of FIXTURE_TABLES) expect(await readAll(store, table)).toEqual(await readAll(reference, table));
      await store.close();
      await reference.close();
      expect(allEntries(path)).toEqual(allEntries(fresh));
      const db = new Database(path, { readonly: true });
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'page_rewrite'").pluck().get()).toBe(0);
      db.close();
      // Nothing left to do: a read command opens it.
      await (await openSqliteStore({ path, create: false })).close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store entries of every length class (layout 5 varints)', () => {
  it('keys and values past 127 and 16,383 bytes, in an order that changes the width of every length, read back whole', async () => {
    const { dir, path } = tempPath();
    try {
      const store = await openSqliteStore({ path, tuning: { pageBytes: 1024, tierBase: 4, fanout: 2 } });
      const sizes = [3, 200, 20_000, 5, 20_000, 130, 1];
      const T = 'd.long';
      const B = 'd.bag';
      const rows = sizes.map((n, i) => upsert(T, { id: `k${i}-${'é'.repeat(n)}` }, { id: `k${i}-${'é'.repeat(n)}`, v: 'v'.repeat(sizes[(i + 3) % sizes.length]!), i }, [1, 100, i]));
      const bag = sizes.map((n, i) => add(B, { text: `r${i}`.padEnd(n, '·'), i }, [1, 100, 100 + i]));
      await store.apply([txn({ start: [1, 4], commit: [1, 200], rows: [...rows, ...bag] })]);
      const deletes = sizes.map((n, i) => (i % 2 === 0 ? del(T, { id: `k${i}-${'é'.repeat(n)}` }, [1, 300, i]) : remove(B, { text: `r${i}`.padEnd(n, '·'), i }, [1, 300, i])));
      await store.apply([txn({ start: [1, 200], commit: [1, 400], rows: deletes })]);
      const byId = (a: RowValues, b: RowValues): number => String(a['id'] ?? a['text']).localeCompare(String(b['id'] ?? b['text']));
      expect((await readAll(store, T, at(1, 200))).sort(byId)).toEqual(rows.map((r) => r.values!).sort(byId));
      expect((await readAll(store, B, at(1, 200))).sort(byId)).toEqual(bag.map((r) => r.values!).sort(byId));
      expect((await readAll(store, T)).map((r) => r['i']).sort()).toEqual([1, 3, 5]);
      expect((await readAll(store, B)).map((r) => r['i']).sort()).toEqual([0, 2, 4, 6]);
      const long = rows[2]!;
      expect((await store.rowHistory(T, long.key)).map((h) => [h.op, h.key, h.values])).toEqual([
        ['upsert', long.key, long.values],
        ['delete', long.key, null],
      ]);
      await store.close();
      // The same rows again: recognised as stored, byte for byte.
      const again = await openSqliteStore({ path });
      await again.apply([txn({ start: [1, 4], commit: [1, 200], rows: [...rows, ...bag] })]);
      expect((await again.tableStats()).map((t) => [t.table, t.versions])).toEqual([
        [B, 10],
        [T, 11],
      ]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store after a crash', () => {
  // A child process writes a transaction the way the store does (rows, transaction record and
  // checkpoint in one SQLite transaction) and is killed with SIGKILL before or after COMMIT. With
  // a rollback journal (seed, replay: ADR 0020) the transaction also outgrows a small page cache,
  // so pages of the file, the checkpoint's among them, are overwritten before the kill and only
  // the hot journal has them.
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  /** The page of one version, (1, 450, 0) upsert of { id: 2 }, as the store writes it. */
  const pageHex = (): string => {
    const entries = new EntryBuffer();
    // Shape 1 is ["id"], stored by the first transaction the test writes.
    const shapes = { shapeOf: (o: object) => ({ names: Object.keys(o), id: 1 }) } as unknown as ShapeWrites;
    entries.addEncodedVersion(1, encodeKey({ id: 2 }), 1, 0, 450, 0, OP_CODE.upsert, { id: 2 }, { id: 2 }, shapes);
    const page = new PageBuilder();
    page.add(entries.buf, entries.starts[0] as number, entries.ends[0] as number);
    return page.take().body.toString('hex');
  };
  const child = (path: string, commit: boolean, journal: 'wal' | 'rollback'): string => `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(path)});
    ${journal === 'rollback' ? "db.pragma('journal_mode = DELETE'); db.pragma('synchronous = FULL'); db.pragma('cache_size = 20');" : "db.pragma('synchronous = NORMAL');"}
    const pos = (o) => { const b = Buffer.alloc(12); b.writeUInt32BE(1, 0); b.writeBigUInt64BE(BigInt(o), 4); return b; };
    db.exec('BEGIN IMMEDIATE');
    const v = Buffer.concat([pos(450), Buffer.alloc(4)]);
    const key = Buffer.from(${JSON.stringify(encodeKey({ id: 2 }).toString('hex'))}, 'hex');
    db.prepare("INSERT INTO table_names (name) VALUES ('d.t') ON CONFLICT DO NOTHING").run();
    const run = db.prepare("INSERT INTO version_runs (table_id, tier, versions, lo, hi, first_key, last_key) VALUES ((SELECT table_id FROM table_names WHERE name = 'd.t'), 0, 1, ?, ?, ?, ?)")
      .run(v, v, key, key).lastInsertRowid;
    const page = db.prepare('INSERT INTO version_pages (run_id, seq, first_key, last_key, lo, hi, entries) VALUES (?, 0, ?, ?, ?, ?, 1)')
      .run(run, key, key, v, v).lastInsertRowid;
    db.prepare('INSERT INTO page_bodies (page_id, body) VALUES (?, ?)').run(page, Buffer.from(${JSON.stringify(pageHex())}, 'hex'));
    db.prepare("INSERT INTO transactions VALUES (?, ?, 'mysql-bin.000001:500', 'mysql-bin.000001:400', 1, NULL)").run(pos(500), pos(400));
    db.prepare("UPDATE checkpoint SET position = 'mysql-bin.000001:500', pos = ? WHERE id = 1").run(pos(500));
    ${journal === 'rollback' ? "db.exec('CREATE TABLE filler (b BLOB)'); const f = db.prepare('INSERT INTO filler VALUES (?)'); for (let i = 0; i < 300; i++) f.run(Buffer.alloc(16384, i));" : ''}
    ${commit ? "db.exec('COMMIT');" : ''}
    process.kill(process.pid, 'SIGKILL');
  `;

  for (const journal of ['wal', 'rollback'] as const) {
    for (const commit of [false, true]) {
      it(`${commit ? 'keeps a transaction committed just before the kill' : 'shows nothing of a transaction killed before its commit'} (journal ${journal})`, async () => {
        const { dir, path } = tempPath();
        try {
          const store = await openSqliteStore({ path, journal });
          await store.apply([txn({ start: [1, 4], commit: [1, 400], rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])] })]);
          await store.close();
          const r = spawnSync(process.execPath, ['-e', child(path, commit, journal)], { encoding: 'utf8' });
          expect(r.stderr).toBe('');
          expect(r.signal).toBe('SIGKILL');
          // Killed mid-transaction, the rollback journal is left behind, hot.
          if (journal === 'rollback') expect(existsSync(`${path}-journal`)).toBe(!commit);
          const again = await openSqliteStore({ path, journal });
          expect(await readAll(again, 'd.t')).toEqual(commit ? [{ id: 1 }, { id: 2 }] : [{ id: 1 }]);
          expect((await again.checkpoint())?.position.format()).toBe(commit ? 'mysql-bin.000001:500' : 'mysql-bin.000001:400');
          await again.close();
          const check = new Database(path, { readonly: true });
          expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
          check.close();
          expect(existsSync(`${path}-journal`)).toBe(false);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});

describe('sqlite store runs of version pages', () => {
  const T = 'd.t';
  const tuning = { pageBytes: 120, fanout: 3, tierBase: 1, flushEntries: 4 };

  function runsByTier(path: string): Map<number, number> {
    const db = new Database(path, { readonly: true });
    try {
      const out = new Map<number, number>();
      for (const r of db.prepare('SELECT tier, count(*) AS n FROM version_runs GROUP BY tier').all() as { tier: number; n: number }[]) out.set(r.tier, r.n);
      return out;
    } finally {
      db.close();
    }
  }

  it('many small writes are merged into few runs, and every read still equals the memory store', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning });
    const memory = new MemoryStore();
    try {
      const rnd = lcg(7);
      const commits: [number, number][] = [];
      for (let i = 0; i < 150; i++) {
        const start = 100 + i * 100;
        const rows = Array.from({ length: 1 + rnd(3) }, (_, r) => {
          const id = r === 0 && i % 4 === 0 ? 0 : rnd(40); // key 0 is hot: its versions span pages
          return rnd(5) === 0 ? del(T, { id }, [1, start + 10 + r]) : upsert(T, { id }, { id, v: `v${i}.${r}` }, [1, start + 10 + r]);
        });
        const t = txn({ start: [1, start], commit: [1, start + 50], rows });
        commits.push([1, start + 50]);
        await store.apply([t]);
        await memory.apply([t]);
        // Key lookups between merges: page bodies are cached by id, and merges delete and write pages.
        if (i % 7 === 0) for (const id of [0, rnd(40)]) expect(await store.readRow(T, { id }, LATEST), `id ${id} after ${i}`).toEqual(await memory.readRow(T, { id }, LATEST));
      }
      const tiers = runsByTier(path);
      for (const [tier, n] of tiers) expect(n, `runs at tier ${tier}`).toBeLessThan(tuning.fanout);
      expect([...tiers.values()].reduce((a, b) => a + b, 0)).toBeLessThan(12);
      for (const [f, o] of commits.filter((_, i) => i % 10 === 0)) expect(await readAll(store, T, at(f, o))).toEqual(await readAll(memory, T, at(f, o)));
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      for (const id of [0, 1, 17, 39]) {
        expect(await store.rowHistory(T, { id })).toEqual(await memory.rowHistory(T, { id }));
        expect(await store.readRow(T, { id }, at(1, 7_550))).toEqual(await memory.readRow(T, { id }, at(1, 7_550)));
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs too large to rewrite stay side by side, and reads still equal the memory store', async () => {
    const { dir, path } = tempPath();
    const capped = { ...tuning, maxMergeVersions: 12 };
    const store = await openSqliteStore({ path, tuning: capped });
    const memory = new MemoryStore();
    try {
      for (let i = 0; i < 120; i++) {
        const start = 100 + i * 100;
        const rows = [0, 1].map((r) => upsert(T, { id: (i * 7 + r * 13) % 50 }, { id: (i * 7 + r * 13) % 50, v: i }, [1, start + 10 + r]));
        const t = txn({ start: [1, start], commit: [1, start + 50], rows });
        await store.apply([t]);
        await memory.apply([t]);
      }
      const db = new Database(path, { readonly: true });
      const runs = db.prepare('SELECT tier, versions FROM version_runs').all() as { tier: number; versions: number }[];
      db.close();
      // Merges would have made runs of 18+ versions; capped at 12, runs pile up at the tier below.
      expect(Math.max(...runs.map((r) => r.versions))).toBeLessThanOrEqual(12);
      expect(runs.length).toBeGreaterThan(capped.fanout * 3);
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      expect(await store.rowHistory(T, { id: 7 })).toEqual(await memory.rowHistory(T, { id: 7 }));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a merge larger than a step is carried over commits, unseen until done; a crash mid-merge loses nothing', async () => {
    const { dir, path } = tempPath();
    const stepped = { ...tuning, stepVersions: 2 };
    const store = await openSqliteStore({ path, tuning: stepped });
    const memory = new MemoryStore();
    const applied: ReturnType<typeof txn>[] = [];
    const crash = join(dir, 'crash.db');
    let crashedAfter = -1;
    const rnd = lcg(11);
    const next = (i: number): ReturnType<typeof txn> => {
      const start = 100 + i * 100;
      const rows = Array.from({ length: 2 }, (_, r) => {
        const id = rnd(30);
        return upsert(T, { id }, { id, v: `v${i}.${r}` }, [1, start + 10 + r]);
      });
      return txn({ start: [1, start], commit: [1, start + 50], rows });
    };
    const merging = (file: string): { building: number; claimed: number } => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT sum(tier = -1) AS building, sum(tier >= 1000) AS claimed FROM version_runs').get() as { building: number; claimed: number };
      } finally {
        db.close();
      }
    };
    let sleeper: ReturnType<typeof spawn> | undefined;
    try {
      let steps = 0;
      for (let i = 0; i < 120; i++) {
        const t = next(i);
        applied.push(t);
        await store.apply([t]);
        await memory.apply([t]);
        const m = merging(path);
        if (m.building > 0) {
          steps++;
          // Reads during a merge see its inputs, never the run it is writing.
          expect(await readAll(store, T)).toEqual(await readAll(memory, T));
          expect(await store.readRow(T, { id: 3 }, LATEST)).toEqual(await memory.readRow(T, { id: 3 }, LATEST));
          if (crashedAfter < 0 && m.claimed >= stepped.fanout) {
            // What a kill -9 leaves: the committed database and WAL, mid-merge.
            copyFileSync(path, crash);
            copyFileSync(`${path}-wal`, `${crash}-wal`);
            crashedAfter = i;
          }
        }
      }
      expect(steps, 'commits that found a merge under way').toBeGreaterThan(5);
      expect(crashedAfter).toBeGreaterThanOrEqual(0);
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      await store.close();
      // Closing finishes the merge under way.
      expect(merging(path)).toEqual({ building: 0, claimed: 0 });

      // The crashed copy, while another live process owns its merge: left alone, read as before.
      sleeper = spawn('sleep', ['60']);
      const db = new Database(crash);
      db.prepare('UPDATE version_runs SET first_key = ? WHERE tier = -1').run(Buffer.from(String(sleeper.pid)));
      db.close();
      const replica = new MemoryStore();
      await replica.apply(applied.slice(0, crashedAfter + 1));
      const copy = await openSqliteStore({ path: crash, tuning: stepped });
      try {
        expect(await readAll(copy, T)).toEqual(await readAll(replica, T));
        for (let i = 500; i < 512; i++) {
          const t = next(i);
          await copy.apply([t]);
          await replica.apply([t]);
        }
        const owner = new Database(crash, { readonly: true });
        expect(owner.prepare('SELECT first_key FROM version_runs WHERE tier = -1').pluck().all().map(String)).toEqual([String(sleeper.pid)]);
        owner.close();
        expect(await readAll(copy, T)).toEqual(await readAll(replica, T));
        // Its owner gone, the next writer drops what the merge wrote and merges again from its inputs.
        sleeper.kill('SIGKILL');
        await new Promise((r) => sleeper!.once('exit', r));
        for (let i = 512; i < 530; i++) {
          const t = next(i);
          await copy.apply([t]);
          await replica.apply([t]);
        }
        expect(await readAll(copy, T)).toEqual(await readAll(replica, T));
        expect(await copy.rowHistory(T, { id: 3 })).toEqual(await replica.rowHistory(T, { id: 3 }));
      } finally {
        await copy.close();
      }
      expect(merging(crash)).toEqual({ building: 0, claimed: 0 });
    } finally {
      sleeper?.kill('SIGKILL');
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs of key ranges that follow each other are merged by moving their pages, not rewriting them', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning });
    try {
      for (let i = 0; i < 9; i++) {
        const start = 100 + i * 100;
        const rows = [0, 1, 2].map((r) => upsert(T, { id: i * 3 + r }, { id: i * 3 + r, pad: 'x'.repeat(40) }, [1, start + 10 + r]));
        await store.apply([txn({ start: [1, start], commit: [1, start + 50], rows })]);
      }
      const db = new Database(path, { readonly: true });
      const runs = db.prepare('SELECT run_id, versions FROM version_runs').all() as { run_id: number; versions: number }[];
      const pages = db.prepare('SELECT page_id, run_id, seq FROM version_pages ORDER BY seq').all() as { page_id: number; run_id: number; seq: number }[];
      db.close();
      expect(runs).toHaveLength(1);
      expect(runs[0]?.versions).toBe(27);
      // The pages written by the 9 applies (ids 1.. in write order) are the run's pages, in key order.
      expect(pages.map((p) => p.page_id)).toEqual([...pages.map((p) => p.page_id)].sort((a, b) => a - b));
      expect(pages.map((p) => p.seq)).toEqual(pages.map((_, i) => i));
      expect(Math.max(...pages.map((p) => p.page_id))).toBe(pages.length);
      expect((await readAll(store, T)).map((r) => r['id'])).toEqual(Array.from({ length: 27 }, (_, i) => i));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-linking pages into a merged run writes their small rows, not their bodies again (layout 4; layout 3 did)', () => {
    const walGrowth = (layout: 3 | 4): { wal: number; bodies: number } => {
      const { dir, path } = tempPath();
      const db = layout === 3 ? createOldFile(path, 3) : new Database(path);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('wal_autocheckpoint = 0');
        if (layout === 4) migrate(db, path);
        const runs = new RunWrites(db, { ...DEFAULT_TUNING, fanout: 2 }, layout);
        const shapes = new ShapeWrites(db);
        const entries = new EntryBuffer();
        const writeRun = (from: number, pad: string): void => {
          entries.clear();
          for (let id = from; id < from + 200; id++) entries.addEncodedVersion(1, encodeKey({ id }), 1, 0, 100, id, OP_CODE.upsert, { id }, { id, pad }, shapes);
          const run = runs.begin(1);
          for (let i = 0; i < entries.length; i++) run.add(entries.buf, entries.starts[i] as number, entries.ends[i] as number);
          run.finish();
        };
        // Two runs of 200 versions (one tier with fanout 2): keys 0–199 in one page, then keys
        // 200–399 one per page (40 KB bodies, 8 MB in all); merging them re-links the second
        // run's pages (a new run id, seq + 1).
        db.transaction(() => {
          writeRun(0, 'x');
          writeRun(200, 'y'.repeat(40_000));
        })();
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.transaction(() => runs.compactStep([1]))();
        const merged = db.prepare('SELECT count(*) FROM version_runs').pluck().get();
        expect(merged).toBe(1);
        return { wal: statSync(`${path}-wal`).size, bodies: 200 * 40_000 };
      } finally {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const four = walGrowth(4);
    const three = walGrowth(3);
    // Measured: 37 KB of WAL with layout 4, 943 KB with layout 3, where SQLite wrote the bodies
    // of the rows whose size changed again (a 2-byte seq from 128 on).
    expect(four.wal).toBeLessThan(200_000);
    expect(three.wal).toBeGreaterThan(10 * four.wal);
  });

  it('interleaved ascending streams (a parallel seed) become a run each, later merged by moving pages', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning: { fanout: 4 } });
    try {
      for (let i = 0; i < 4; i++) {
        const rows = [];
        for (let r = 0; r < 1500; r++) {
          for (const base of [0, 100_000]) {
            const id = base + i * 1500 + r;
            rows.push(upsert(T, { id }, { id }, [1, 1000 + i * 100, rows.length]));
          }
        }
        await store.apply([txn({ start: [1, 1000 + i * 100], commit: [1, 1050 + i * 100], rows })]);
      }
      const db = new Database(path, { readonly: true });
      const runs = db.prepare('SELECT versions FROM version_runs ORDER BY run_id').pluck().all() as number[];
      const pages = db.prepare('SELECT count(*) AS n, max(page_id) AS top FROM version_pages').get() as { n: number; top: number };
      db.close();
      // 8 runs of 1500 (two per flush), merged 4 at a time into 2 runs of 6000 by re-linking: no page rewritten.
      expect(runs).toEqual([6000, 6000]);
      expect(pages.top).toBe(pages.n);
      const ids = (await readAll(store, T)).map((r) => r['id']);
      expect(ids).toHaveLength(12_000);
      expect(ids.slice(5998, 6002)).toEqual([5998, 5999, 100_000, 100_001]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a streamed transaction larger than a flush is written in several runs and reads whole', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning: { ...tuning, fanout: 100 } });
    try {
      const w = await store.beginTransaction({ startPosition: pos(1, 100) });
      for (let b = 0; b < 5; b++) await w.addRows(Array.from({ length: 3 }, (_, r) => upsert(T, { id: 20 - b * 3 - r }, { id: 20 - b * 3 - r }, [1, 110 + b, r])));
      await w.commit({ commitPosition: pos(1, 200), commitTimestamp: 1 });
      expect(runsByTier(path).get(0)).toBeGreaterThan(1);
      expect((await readAll(store, T)).map((r) => r['id'])).toEqual(Array.from({ length: 15 }, (_, i) => i + 6));
      expect(await store.readRow(T, { id: 6 }, LATEST)).toEqual({ id: 6 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store: background compaction (the daemon)', () => {
  const T = 'd.t';
  const tuning = { pageBytes: 120, fanout: 3, tierBase: 1, flushEntries: 4, stepVersions: 3 };
  const runState = (path: string): { runs: number; building: number; claimed: number; maxTierRuns: number } => {
    const db = new Database(path, { readonly: true });
    try {
      const s = db.prepare('SELECT count(*) AS runs, coalesce(sum(tier = -1), 0) AS building, coalesce(sum(tier >= 1000), 0) AS claimed FROM version_runs').get() as {
        runs: number;
        building: number;
        claimed: number;
      };
      const maxTierRuns = Number(db.prepare('SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM version_runs WHERE tier >= 0 AND tier < 1000 GROUP BY tier)').pluck().get());
      return { ...s, maxTierRuns };
    } finally {
      db.close();
    }
  };
  const workload = (): ((i: number) => ReturnType<typeof txn>) => {
    const rnd = lcg(5);
    return (i) => {
      const start = 100 + i * 100;
      const rows = Array.from({ length: 1 + rnd(3) }, (_, r) => {
        const id = rnd(40);
        return rnd(6) === 0 ? del(T, { id }, [1, start + 10 + r]) : upsert(T, { id }, { id, v: `v${i}.${r}` }, [1, start + 10 + r]);
      });
      return txn({ start: [1, start], commit: [1, start + 50], rows });
    };
  };

  it('a worker thread merges what the writer commits; reads equal the memory store before, during and after its merges', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, compaction: 'background' });
    const memory = new MemoryStore();
    const next = workload();
    try {
      const commits: [number, number][] = [];
      for (let i = 0; i < 200; i++) {
        const t = next(i);
        await store.apply([t]);
        await memory.apply([t]);
        commits.push([1, 150 + i * 100]);
        // Reads while the worker merges (its pages are written outside the writer's transactions).
        if (i % 9 === 0) {
          expect(await readAll(store, T), `after ${i}`).toEqual(await readAll(memory, T));
          expect(await store.readRow(T, { id: 7 }, LATEST)).toEqual(await memory.readRow(T, { id: 7 }, LATEST));
        }
      }
      await store.compactionIdle();
      const s = runState(path);
      // 200 commits wrote ~200 runs; merged by the worker, fewer than `fanout` are left per tier.
      expect(s.building).toBe(0);
      expect(s.claimed).toBe(0);
      expect(s.maxTierRuns).toBeLessThan(tuning.fanout);
      expect(s.runs).toBeLessThan(15);
      for (const [f, o] of commits.filter((_, i) => i % 13 === 0)) expect(await readAll(store, T, at(f, o))).toEqual(await readAll(memory, T, at(f, o)));
      for (const id of [0, 7, 39]) expect(await store.rowHistory(T, { id })).toEqual(await memory.rowHistory(T, { id }));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closing drops a merge under way (its inputs stay); the next writer reads and merges as before', async () => {
    const { dir, path } = tempPath();
    // A step of one version: a merge takes many units, so close finds one under way.
    const slow = { ...tuning, stepVersions: 1 };
    const memory = new MemoryStore();
    const next = workload();
    let sawMerge = false;
    try {
      for (let round = 0; round < 4; round++) {
        const store = await openSqliteStore({ path, tuning: slow, compaction: 'background' });
        for (let i = round * 60; i < round * 60 + 60; i++) {
          const t = next(i);
          await store.apply([t]);
          await memory.apply([t]);
        }
        // Catch the worker mid-merge (a merge of n versions takes n units here), then close at once.
        for (let tries = 0; tries < 500 && !sawMerge; tries++) {
          if (runState(path).building > 0) sawMerge = true;
          else await new Promise((r) => setTimeout(r, 1));
        }
        await store.close();
        expect(runState(path), `after close ${round}`).toMatchObject({ building: 0, claimed: 0 });
        const reader = await openSqliteStore({ path, create: false });
        expect(await readAll(reader, T)).toEqual(await readAll(memory, T));
        await reader.close();
      }
      expect(sawMerge, 'a merge was under way when a store closed').toBe(true);
      const store = await openSqliteStore({ path, tuning, compaction: 'background' });
      try {
        const last = next(1000);
        await store.apply([last]);
        await memory.apply([last]);
        await store.compactionIdle();
        expect(runState(path).maxTierRuns).toBeLessThan(tuning.fanout);
        expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the worker checkpoints the WAL into the database file while the writer goes on (the writer does not)', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, compaction: 'background' });
    try {
      const before = statSync(path).size;
      for (let i = 0; i < 20; i++) {
        const start = 100 + i * 1000;
        const rows = Array.from({ length: 100 }, (_, r) => upsert(T, { id: i * 100 + r }, { id: i * 100 + r, pad: 'p'.repeat(500) }, [1, start + 10 + r]));
        await store.apply([txn({ start: [1, start], commit: [1, start + 900], rows })]);
      }
      // ~1 MB of versions went to the WAL; within a few checkpoint intervals they are in the file.
      let size = statSync(path).size;
      for (let waited = 0; waited < 5000 && size < before + 1_000_000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        size = statSync(path).size;
      }
      expect(size).toBeGreaterThan(before + 1_000_000);
      expect((await readAll(store, T)).length).toBe(2000);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('walCheckpoints background (seed, replay): the thread copies each commit into the file; the writer still merges its runs itself', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, walCheckpoints: 'background' });
    const memory = new MemoryStore();
    const next = workload();
    try {
      for (let i = 0; i < 60; i++) {
        const t = next(i);
        await store.apply([t]);
        await memory.apply([t]);
      }
      // 60 commits wrote ~60 runs, merged inline after the commits (in steps): nothing waits for a thread.
      expect(runState(path).runs).toBeLessThan(20);
      const before = statSync(path).size;
      const rows = Array.from({ length: 2000 }, (_, r) => upsert('d.big', { id: r }, { id: r, pad: 'p'.repeat(500) }, [9, 10 + r]));
      const big = txn({ start: [9, 1], commit: [9, 5000], rows });
      await store.apply([big]);
      await memory.apply([big]);
      // ~1 MB of versions went to the WAL; the thread copies them into the file while the store is open.
      let size = statSync(path).size;
      for (let waited = 0; waited < 5000 && size < before + 1_000_000; waited += 20) {
        await new Promise((r) => setTimeout(r, 20));
        size = statSync(path).size;
      }
      expect(size).toBeGreaterThan(before + 1_000_000);
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
    } finally {
      await store.close();
    }
    try {
      const reader = await openSqliteStore({ path, create: false });
      expect(await readAll(reader, T)).toEqual(await readAll(memory, T));
      expect((await readAll(reader, 'd.big')).length).toBe(2000);
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The file's own record of its journal: header bytes 18 and 19 are 2 in WAL mode, 1 otherwise. */
  const headerJournal = (path: string): string => {
    const b = readFileSync(path).subarray(18, 20);
    return b[0] === 2 && b[1] === 2 ? 'wal' : b[0] === 1 && b[1] === 1 ? 'rollback' : `bytes ${b[0]},${b[1]}`;
  };

  it('journal rollback (seed, replay): pages go into the file, never a WAL; reads during a write past the page cache; WAL mode again after close', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, journal: 'rollback', walCheckpoints: 'background' });
    const memory = new MemoryStore();
    const next = workload();
    try {
      expect(store.journal).toBe('rollback');
      for (let i = 0; i < 30; i++) {
        const t = next(i);
        await store.apply([t]);
        await memory.apply([t]);
      }
      // A small page cache: the open transaction's pages spill into the file, under its exclusive lock.
      (store as unknown as { db: Database.Database }).db.pragma('cache_size = 16');
      const w = await store.beginTransaction({ startPosition: pos(2, 100) });
      const rows = Array.from({ length: 2000 }, (_, r) => upsert('d.big', { id: r }, { id: r, pad: 'p'.repeat(500) }, [2, 110 + r]));
      await w.addRows(rows);
      await w.addRows([upsert(T, { id: 1 }, { id: 1, v: 'uncommitted' }, [2, 4000])]);
      // Reads go on (through the writer's connection) and see only what is committed.
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      expect(await store.readRow(T, { id: 1 }, LATEST)).toEqual(await memory.readRow(T, { id: 1 }, LATEST));
      expect(await readAll(store, 'd.big')).toEqual([]);
      await w.commit({ commitPosition: pos(2, 5000), commitTimestamp: 1 });
      rows.push(upsert(T, { id: 1 }, { id: 1, v: 'uncommitted' }, [2, 4000]));
      await memory.apply([txn({ start: [2, 100], commit: [2, 5000], rows })]);
      // ~1 MB of versions, in the file itself; no WAL, and no thread to copy one.
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(statSync(path).size).toBeGreaterThan(1_000_000);
      expect(headerJournal(path)).toBe('rollback');
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
    } finally {
      await store.close();
    }
    try {
      expect(headerJournal(path)).toBe('wal');
      const reader = await openSqliteStore({ path, create: false });
      expect(reader.journal).toBe('wal');
      expect(await readAll(reader, T)).toEqual(await readAll(memory, T));
      expect(await readAll(reader, 'd.big')).toEqual(await readAll(memory, 'd.big'));
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const journal of ['wal', 'rollback'] as const) {
    it(`a table scan (journal ${journal}) reads the state as of its start while later commits merge runs`, async () => {
      const { dir, path } = tempPath();
      const store = await openSqliteStore({ path, tuning, journal });
      const memory = new MemoryStore();
      // Transaction i writes keys 5i…5i+4 (i < 20: 100 rows in 20 runs of small pages), later ones rewrite some.
      const t = (i: number): ReturnType<typeof txn> =>
        txn({ start: [1, 100 + i * 100], commit: [1, 150 + i * 100], rows: Array.from({ length: 5 }, (_, r) => upsert(T, { id: (5 * i + r) % 100 }, { id: (5 * i + r) % 100, v: `v${i}` }, [1, 110 + i * 100 + r])) });
      try {
        for (let i = 0; i < 20; i++) {
          await store.apply([t(i)]);
          await memory.apply([t(i)]);
        }
        const want = await readAll(memory, T);
        expect(want).toHaveLength(100);
        const scan = store.readTable(T, LATEST)[Symbol.asyncIterator]();
        const got: unknown[] = [];
        got.push((await scan.next()).value);
        // Merges are due meanwhile (runs of tier 0 beyond the fan-out).
        for (let i = 20; i < 80; i++) await store.apply([t(i)]);
        for (let r = await scan.next(); r.done !== true; r = await scan.next()) got.push(r.value);
        expect(got).toEqual(want);
        for (let i = 20; i < 80; i++) await memory.apply([t(i)]);
        expect(await readAll(store, T)).toEqual(await readAll(memory, T));
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('journal rollback: pages and shapes read during a transaction that was rolled back are not served again', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, journal: 'rollback' });
    try {
      // A transaction written in parts at one position (a seed's chunks): the second part's
      // uncommitted versions lie within the bound of a read as of that position.
      const P2 = pos(2, 100);
      const first = await store.beginTransaction({ startPosition: P2 });
      await first.addRows([upsert(T, { id: 100 }, { id: 100, v: 'a' }, [2, 100, 0])]);
      await first.commit({ commitPosition: P2, commitTimestamp: 1 });
      const w = await store.beginTransaction({ startPosition: P2 });
      // Written in runs while the transaction is open (4 entries per flush), in a shape of their own.
      await w.addRows(Array.from({ length: 12 }, (_, r) => upsert(T, { id: 1 + r }, { id: 1 + r, x: `first ${r}` }, [2, 100, 1 + r])));
      // This read goes through those runs' pages and their shape, and caches them.
      expect(await store.readRow(T, { id: 1 }, at(2, 100))).toEqual({ id: 1, x: 'first 0' });
      await w.abort();
      // The next part's pages and shape take the same ids again.
      const w2 = await store.beginTransaction({ startPosition: P2 });
      await w2.addRows(Array.from({ length: 12 }, (_, r) => upsert(T, { id: 1 + r }, { id: 1 + r, y: `second ${r}`, z: r }, [2, 100, 1 + r])));
      await w2.commit({ commitPosition: P2, commitTimestamp: 1 });
      expect(await store.readRow(T, { id: 1 }, LATEST)).toEqual({ id: 1, y: 'second 0', z: 0 });
      expect((await readAll(store, T)).slice(0, 2)).toEqual([{ id: 1, y: 'second 0', z: 0 }, { id: 2, y: 'second 1', z: 1 }]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store opened while a bulk writer (rollback journal) has a transaction open: BINSNAP_E_STORE_BUSY at once, saying why', async () => {
    const { dir, path } = tempPath();
    const bulk = await openSqliteStore({ path, tuning, journal: 'rollback' });
    try {
      await bulk.apply([txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 1 }, { id: 1 }, [1, 150])] })]);
      const w = await bulk.beginTransaction({ startPosition: pos(2, 100) });
      await w.addRows([upsert(T, { id: 2 }, { id: 2 }, [2, 150])]);
      const started = Date.now();
      const refused = await openSqliteStore({ path, create: false }).then(
        async (s) => {
          await s.close();
          return null;
        },
        (err: unknown) => err,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(isBinsnapError(refused) && refused.code).toBe('BINSNAP_E_STORE_BUSY');
      expect((refused as Error).message).toContain('seed or a replay');
      await w.commit({ commitPosition: pos(2, 200), commitTimestamp: 1 });
    } finally {
      await bulk.close();
    }
    const reader = await openSqliteStore({ path, create: false });
    expect(await readAll(reader, T)).toEqual([{ id: 1 }, { id: 2 }]);
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('journal rollback stays in WAL mode while another connection has the file open', async () => {
    const { dir, path } = tempPath();
    const first = await openSqliteStore({ path, tuning });
    const memory = new MemoryStore();
    const next = workload();
    try {
      const t0 = next(0);
      await first.apply([t0]);
      await memory.apply([t0]);
      const started = Date.now();
      const bulk = await openSqliteStore({ path, tuning, journal: 'rollback' });
      try {
        // At once (no busy wait), and still a working store.
        expect(Date.now() - started).toBeLessThan(2000);
        expect(bulk.journal).toBe('wal');
        const t1 = next(1);
        await bulk.apply([t1]);
        await memory.apply([t1]);
        expect(await readAll(first, T)).toEqual(await readAll(memory, T));
      } finally {
        await bulk.close();
      }
      expect(headerJournal(path)).toBe('wal');
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a failure of the worker (a damaged page it merges) is the writer's next error, coded; what was committed stays", async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, compaction: 'background' });
    const next = workload();
    try {
      await store.apply([next(0)]);
      await store.compactionIdle();
      // Damage every stored page body: the worker's next merge reads one.
      const db = new Database(path);
      db.prepare("UPDATE page_bodies SET body = x'ffffffff'").run();
      db.close();
      let i = 1;
      // Apply until the worker has failed (compactionIdle reports it too, for this test's pacing).
      for (; i < 200; i++) {
        await store.apply([next(i)]);
        if (await store.compactionIdle().then(() => false, () => true)) break;
      }
      expect(i).toBeLessThan(200);
      // The writer's next commit commits, then reports the failure.
      const t = next(i + 1);
      const failure = await store.apply([t]).then(() => undefined, (err: unknown) => err);
      expect(isBinsnapError(failure) && failure.code).toBe('BINSNAP_E_STORE_CORRUPT');
      expect(String((failure as Error).message)).toMatch(/background compaction of the store failed: a version page of the store is damaged/);
      expect(isBinsnapError(failure) && failure.context.file).toBe(path);
      expect((await store.checkpoint())?.position.format()).toBe(t.commitPosition.format());
    } finally {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for the writer while a streamed transaction holds the store, then merges', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path, tuning, compaction: 'background' });
    const memory = new MemoryStore();
    const next = workload();
    try {
      for (let i = 0; i < 30; i++) {
        const t = next(i);
        await store.apply([t]);
        await memory.apply([t]);
      }
      // The writer holds SQLite's write lock for the whole streamed transaction.
      const w = await store.beginTransaction({ startPosition: pos(2, 100) });
      const rows = Array.from({ length: 50 }, (_, r) => upsert(T, { id: r }, { id: r, v: `big${r}` }, [2, 110 + r]));
      await w.addRows(rows);
      await new Promise((r) => setTimeout(r, 300));
      await w.commit({ commitPosition: pos(2, 500), commitTimestamp: 1 });
      await memory.apply([txn({ start: [2, 100], commit: [2, 500], rows })]);
      await store.compactionIdle();
      expect(runState(path).maxTierRuns).toBeLessThan(tuning.fanout);
      expect(await readAll(store, T)).toEqual(await readAll(memory, T));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
