import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { LATEST, readAll, tableSchema, txn, upsert } from './contract-fixtures.test-util.js';
import { describeSnapshotStoreContract } from './contract.test-util.js';
import { encodeKey } from './key-encoding.js';
import { APPLICATION_ID, LAYOUT_VERSION, MIGRATIONS } from './sqlite-schema.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

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
      expect(db.prepare('SELECT file_number, byte_offset, row_index, op, pk, row_values FROM row_versions').get()).toEqual({
        file_number: 1,
        byte_offset: 50,
        row_index: 0,
        op: 'upsert',
        pk: '{"id":1}',
        row_values: '{"id":1,"name":"x"}',
      });
      expect(db.prepare('SELECT commit_position, start_position FROM transactions').get()).toEqual({
        commit_position: 'mysql-bin.000001:100',
        start_position: 'mysql-bin.000001:4',
      });
      db.close();
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

/** A store file of layout 1 as binsnap 1 left it: what migrate() wrote for a new file then. */
function createLayout1File(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    db.exec(MIGRATIONS[0] as string);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 1');
  }).immediate();
  db.close();
}

function fileState(path: string): { version: number; hasMeta: boolean } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      version: Number(db.pragma('user_version', { simple: true })),
      hasMeta: db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'meta'").pluck().get() === 1,
    };
  } finally {
    db.close();
  }
}

describe('sqlite store layout 1 → 2 (bookkeeping documents)', () => {
  const T = 'd.t';
  const data = [
    txn({
      start: [1, 4],
      commit: [1, 100],
      rows: [upsert(T, { id: 1 }, { id: 1, v: 'a' }, [1, 50, 0]), upsert(T, { id: 2 }, { id: 2, v: 'b' }, [1, 50, 1])],
      schemas: [{ table: T, schema: tableSchema('d', 't', ['id', 'v']), ddl: 'CREATE TABLE t (id INT PRIMARY KEY, v TEXT)', kind: 'create' }],
      events: [{ kind: 'create', table: T }],
    }),
  ];

  it('a layout 1 file is read as it is by a read-only open and upgraded by a writer, its data intact', async () => {
    const { dir, path } = tempPath();
    try {
      createLayout1File(path);
      // A read-only open (create: false, as read commands do) writes data into the layout 1 file without upgrading it.
      const old = await openSqliteStore({ path, create: false });
      await old.apply(data);
      expect(await old.getMeta('seed')).toBeNull();
      await old.close();
      expect(fileState(path)).toEqual({ version: 1, hasMeta: false });

      const store = await openSqliteStore({ path });
      expect(fileState(path)).toEqual({ version: 2, hasMeta: true });
      expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
      expect((await store.schemaAt(T, LATEST))?.ddl).toBe('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)');
      expect((await store.tableEventsOf(T)).map((e) => e.event)).toEqual([{ kind: 'create', table: T }]);
      expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000001:100');
      expect(await store.getMeta('seed')).toBeNull();
      await store.setMeta('seed', 'progress');
      expect(await store.getMeta('seed')).toBe('progress');
      await store.apply([txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 3 }, { id: 3 }, [1, 150])] })]);
      await store.close();

      const again = await openSqliteStore({ path, create: false });
      expect(await again.getMeta('seed')).toBe('progress');
      expect(await readAll(again, T)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a read-only open of a layout 1 file needs no write lock; its first document write upgrades the file', async () => {
    const { dir, path } = tempPath();
    try {
      createLayout1File(path);
      const writer = await openSqliteStore({ path, create: false });
      await writer.apply(data);
      await writer.close();
      // Another process holds the write lock (as a daemon streaming a long transaction does).
      const holder = new Database(path);
      holder.exec('BEGIN IMMEDIATE');
      const reader = await openSqliteStore({ path, create: false });
      expect(await readAll(reader, T)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
      expect(await reader.getMeta('seed')).toBeNull();
      holder.exec('ROLLBACK');
      holder.close();
      // Another store upgrades the file meanwhile: the open reader sees its documents.
      const upgrader = await openSqliteStore({ path });
      await upgrader.setMeta('seed', 'from the upgrader');
      expect(await reader.getMeta('seed')).toBe('from the upgrader');
      await upgrader.close();
      await reader.close();

      createLayout1File(`${path}.2`);
      const lazy = await openSqliteStore({ path: `${path}.2`, create: false });
      expect(fileState(`${path}.2`)).toEqual({ version: 1, hasMeta: false });
      await lazy.setMeta('seed', 'x');
      expect(fileState(`${path}.2`)).toEqual({ version: 2, hasMeta: true });
      expect(await lazy.getMeta('seed')).toBe('x');
      await lazy.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file of a newer layout is refused by read-only and writing opens alike', async () => {
    const { dir, path } = tempPath();
    try {
      createLayout1File(path);
      const db = new Database(path);
      db.pragma(`user_version = ${LAYOUT_VERSION + 1}`);
      db.close();
      expect(await codeOf(openSqliteStore({ path }))).toBe('BINSNAP_E_STORE_VERSION');
      expect(await codeOf(openSqliteStore({ path, create: false }))).toBe('BINSNAP_E_STORE_VERSION');
      expect(fileState(path)).toEqual({ version: LAYOUT_VERSION + 1, hasMeta: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two read-only stores of a layout 1 file: the first document write upgrades, the other store then writes and reads too', async () => {
    const { dir, path } = tempPath();
    try {
      createLayout1File(path);
      const a = await openSqliteStore({ path, create: false });
      const b = await openSqliteStore({ path, create: false });
      await Promise.all([a.setMeta('a', '1'), b.setMeta('b', '2')]);
      expect(await a.getMeta('b')).toBe('2');
      expect(fileState(path)).toEqual({ version: 2, hasMeta: true });
      await a.close();
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store after a crash', () => {
  // A child process writes a transaction the way the store does (rows, transaction record and
  // checkpoint in one SQLite transaction) and is killed with SIGKILL before or after COMMIT.
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = (path: string, commit: boolean): string => `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(path)});
    db.pragma('synchronous = NORMAL');
    const pos = (o) => { const b = Buffer.alloc(12); b.writeUInt32BE(1, 0); b.writeBigUInt64BE(BigInt(o), 4); return b; };
    db.exec('BEGIN IMMEDIATE');
    const v = Buffer.concat([pos(450), Buffer.alloc(4)]);
    db.prepare("INSERT INTO table_names (name) VALUES ('d.t') ON CONFLICT DO NOTHING").run();
    db.prepare("INSERT INTO row_versions (version, table_id, pk_sort, file_number, byte_offset, row_index, op, pk, row_values) VALUES (?, (SELECT table_id FROM table_names WHERE name = 'd.t'), ?, 1, 450, 0, 'upsert', ?, ?)")
      .run(v, Buffer.from(${JSON.stringify(encodeKey({ id: 2 }).toString('hex'))}, 'hex'), ${JSON.stringify(JSON.stringify({ id: 2 }))}, ${JSON.stringify(JSON.stringify({ id: 2 }))});
    db.prepare("INSERT INTO transactions VALUES (?, ?, 'mysql-bin.000001:500', 'mysql-bin.000001:400', 1, NULL)").run(pos(500), pos(400));
    db.prepare("UPDATE checkpoint SET position = 'mysql-bin.000001:500', pos = ? WHERE id = 1").run(pos(500));
    ${commit ? "db.exec('COMMIT');" : ''}
    process.kill(process.pid, 'SIGKILL');
  `;

  for (const commit of [false, true]) {
    it(commit ? 'keeps a transaction committed just before the kill' : 'shows nothing of a transaction killed before its commit', async () => {
      const { dir, path } = tempPath();
      try {
        const store = await openSqliteStore({ path });
        await store.apply([txn({ start: [1, 4], commit: [1, 400], rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])] })]);
        await store.close();
        const r = spawnSync(process.execPath, ['-e', child(path, commit)], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.signal).toBe('SIGKILL');
        const again = await openSqliteStore({ path });
        expect(await readAll(again, 'd.t')).toEqual(commit ? [{ id: 1 }, { id: 2 }] : [{ id: 1 }]);
        expect((await again.checkpoint())?.position.format()).toBe(commit ? 'mysql-bin.000001:500' : 'mysql-bin.000001:400');
        await again.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
