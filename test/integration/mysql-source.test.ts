/**
 * binsnap against a real MySQL server (8.0, from scripts/fetch-mysql.sh):
 * an account with caching_sha2_password (MySQL 8's default) over a plain
 * connection, where the full authentication exchanges the password under the
 * server's RSA key; replay from the server and seed give the rows a SELECT
 * gives; a wrong password is BINSNAP_E_SOURCE_AUTH without the secret.
 *
 * Runs when BINSNAP_TEST_MYSQL_BASEDIR names a MySQL build (`npm test` sets it
 * from scripts/fetch-mysql.sh); otherwise skipped with a notice.
 */
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGtidSet } from '../../src/core/gtid.js';
import { BinlogPosition } from '../../src/core/position.js';
import { openSnapshot } from '../../src/source/seed-reader.js';
import { readServerBinlog, type ServerSourceOptions } from '../../src/source/server-source.js';
import { runCli } from '../harness/cli.js';
import { connect, destroyMariadb, sourceUrlOf, type MariadbInfo } from '../harness/mariadb.js';
import { mysqlBasedir, startMysql } from '../harness/mysql.js';
import { ALL_TYPES_ROWS, ALL_TYPES_TABLE } from '../harness/all-types.js';
import { selectTable } from '../harness/select-values.js';
import { asMultiset, checkEveryCheckpoint, checkEverySchema, parseJsonl } from '../harness/replay-check.js';
import { runWorkload, type WorkloadResult } from '../harness/workload.js';

const basedir = mysqlBasedir();
if (!basedir) console.log('mysql-source: skipped (set BINSNAP_TEST_MYSQL_BASEDIR to a MySQL 8 build, see scripts/fetch-mysql.sh)');

const PASSWORD = 'Sha2-s3cret!pw';

describe.skipIf(!basedir)('a MySQL 8 source', () => {
  let server: MariadbInfo;
  let dir: string;
  let start: string;
  let end: string;
  let expected: string[];
  /** After the CREATE TABLE: the executed GTID set and the binlog position. */
  let midGtid: string;
  let midPosition: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(inject('tmpRoot'), 'mysql-source-'));
    server = await startMysql(inject('tmpRoot'), basedir as string);
    const c = await connect(server);
    try {
      await c.query(`CREATE USER 'sha2'@'%' IDENTIFIED WITH caching_sha2_password BY '${PASSWORD}'`);
      await c.query(`GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD ON *.* TO 'sha2'@'%'`);
      const [[plugin]] = (await c.query("SELECT plugin FROM mysql.user WHERE user = 'sha2'")) as unknown as [[{ plugin: string }]];
      expect(plugin?.plugin).toBe('caching_sha2_password');
      const [[before]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      start = `${before!.File}:${before!.Position}`;
      await c.query('CREATE DATABASE shop');
      await c.query('CREATE TABLE shop.item (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, price DECIMAL(8,2), tags JSON, seen DATETIME(3))');
      const [[mid]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number; Executed_Gtid_Set: string }]];
      midGtid = mid!.Executed_Gtid_Set;
      midPosition = `${mid!.File}:${mid!.Position}`;
      await c.query(`INSERT INTO shop.item VALUES (1, 'tea', 3.50, '["a", 1]', '2026-01-02 03:04:05.678'), (2, 'café', 12.00, NULL, NULL), (3, 'x', -0.01, '{"k": {"n": 9007199254740993}}', '1999-12-31 23:59:59.999')`);
      await c.query(`UPDATE shop.item SET price = 4.00 WHERE id = 1`);
      await c.query(`DELETE FROM shop.item WHERE id = 3`);
      const [[after]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      end = `${after!.File}:${after!.Position}`;
    } finally {
      await c.end();
    }
    expected = ['{"id":1,"name":"tea","price":"4.00","tags":["a",1],"seen":"2026-01-02 03:04:05.678"}', '{"id":2,"name":"café","price":"12.00","tags":null,"seen":null}'];
  }, 180_000);

  afterAll(async () => {
    if (server) await destroyMariadb(server);
  });

  const source = (password: string): string => `mysql://sha2:${encodeURIComponent(password)}@${server.host}:${server.port}`;

  /** Creates a caching_sha2_password user with `grants` on *.*; returns its source URL. */
  async function createUser(name: string, password: string, grants: string): Promise<string> {
    const c = await connect(server);
    try {
      await c.query(`CREATE USER '${name}'@'%' IDENTIFIED WITH caching_sha2_password BY '${password}'`);
      await c.query(`GRANT ${grants} ON *.* TO '${name}'@'%'`);
    } finally {
      await c.end();
    }
    return `mysql://${name}:${encodeURIComponent(password)}@${server.host}:${server.port}`;
  }

  /**
   * A writer on a connection of its own, until `stop`: transactions that insert a row, update one of
   * the first `keep` rows and delete an earlier insert of `table` (id, n, note), so a read view off
   * its position shows.
   */
  async function startWriter(table: string, keep: number): Promise<{ commits: () => number; stop: () => Promise<void> }> {
    const writer = await connect(server);
    let writing = true;
    let commits = 0;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        await writer.query('BEGIN');
        await writer.query(`INSERT INTO ${table} (id, n, note) VALUES (?, 0, ?)`, [10_000 + i, `row ${i}`]);
        await writer.query(`UPDATE ${table} SET n = n + 1 WHERE id = ?`, [i % keep]);
        await writer.query(`DELETE FROM ${table} WHERE id = ?`, [10_000 + i - 3]);
        await writer.query('COMMIT');
        commits++;
      }
    })();
    return {
      commits: () => commits,
      stop: async () => {
        writing = false;
        await writes.finally(() => writer.end());
      },
    };
  }

  it('replays from the server as a caching_sha2_password user, equal to what the server SELECTs', async () => {
    const store = path.join(dir, 'replay.db');
    for (const attempt of ['full authentication (RSA key)', 'fast authentication (cached)']) {
      const r = await runCli(['replay', '--source', source(PASSWORD), '--from', start, '--to', end, '--store', store]);
      expect(r.code, `${attempt}: ${r.err}`).toBe(0);
      expect(r.err + r.out).not.toContain(PASSWORD);
    }
    const e = await runCli(['export', '--table', 'shop.item', '--format', 'jsonl', '--store', store]);
    expect(e.code, e.err).toBe(0);
    expect(e.out.trim().split('\n')).toEqual(expected);
  });

  it('seeds as that user, equal to what the server SELECTs', async () => {
    const store = path.join(dir, 'seed.db');
    const r = await runCli(['seed', '--source', source(PASSWORD), '--tables', 'shop.item', '--store', store]);
    expect(r.code, r.err).toBe(0);
    const e = await runCli(['export', '--table', 'shop.item', '--format', 'jsonl', '--store', store]);
    expect(e.out.trim().split('\n')).toEqual(expected);
  });

  it('streams from a GTID set (COM_BINLOG_DUMP_GTID): the transactions after it, at the positions a start by position gives', async () => {
    const kinds = new Set(['gtid', 'query', 'table_map', 'rows', 'xid']);
    const collect = async (start: ServerSourceOptions['start'], serverId: number): Promise<string[]> => {
      const out: string[] = [];
      const to = BinlogPosition.parse(end);
      for await (const e of readServerBinlog({ source: sourceUrlOf(server, 'sha2', PASSWORD), serverId, start, to })) {
        if (kinds.has(e.kind)) out.push(`${e.kind} ${e.pos.format()}${e.kind === 'gtid' ? ` ${e.sid}:${e.gno}` : ''}`);
      }
      return out;
    };
    const byGtid = await collect({ kind: 'gtid', gtid: parseGtidSet(midGtid) }, 8001);
    const byPosition = await collect({ kind: 'position', position: BinlogPosition.parse(midPosition) }, 8002);
    expect(byGtid).toEqual(byPosition);
    // The INSERT, the UPDATE and the DELETE, each once.
    expect(byGtid.filter((l) => l.startsWith('gtid '))).toHaveLength(3);
  });

  it('a seed taken while another connection writes (--parallel 2) equals a full replay as of the seed position', async () => {
    const c = await connect(server);
    await c.query('CREATE TABLE shop.counter (id INT PRIMARY KEY, n INT NOT NULL, note VARCHAR(40))');
    let writer: Awaited<ReturnType<typeof startWriter>> | undefined;
    try {
      await c.query(`INSERT INTO shop.counter (id, n, note) SELECT a.x * 20 + b.x, 0, 'seeded' FROM (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a, (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9 UNION SELECT 10 UNION SELECT 11 UNION SELECT 12 UNION SELECT 13 UNION SELECT 14 UNION SELECT 15 UNION SELECT 16 UNION SELECT 17 UNION SELECT 18 UNION SELECT 19) b`);
      writer = await startWriter('shop.counter', 200);
      const w = writer;
      while (w.commits() < 50) await new Promise((r) => setTimeout(r, 20));
      const seeded = path.join(dir, 'seed-concurrent.db');
      const r = await runCli(['seed', '--source', source(PASSWORD), '--tables', 'shop.counter', '--parallel', '2', '--store', seeded, '--json']);
      expect(r.code, r.err).toBe(0);
      const summary = JSON.parse(r.out) as { position: string; snapshot: string; lockHeldMs: number | null; backupLock: boolean };
      const at = summary.position;
      // This user has RELOAD but not BACKUP_ADMIN: no log_status, so the brief global read lock aligned the views.
      expect(summary.snapshot).toBe('global-read-lock');
      expect(summary.lockHeldMs).not.toBeNull();
      expect(summary.backupLock).toBe(false);
      const during = w.commits();
      while (w.commits() < during + 50) await new Promise((r2) => setTimeout(r2, 20));
      await w.stop();
      const [[last]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      const replayed = path.join(dir, 'replay-all.db');
      const rr = await runCli(['replay', '--source', source(PASSWORD), '--from', start, '--to', `${last!.File}:${last!.Position}`, '--store', replayed]);
      expect(rr.code, rr.err).toBe(0);
      const fromSeed = await runCli(['export', '--table', 'shop.counter', '--at', at, '--format', 'jsonl', '--store', seeded]);
      const fromReplay = await runCli(['export', '--table', 'shop.counter', '--at', at, '--format', 'jsonl', '--store', replayed]);
      expect(fromSeed.code, fromSeed.err).toBe(0);
      expect(fromReplay.code, fromReplay.err).toBe(0);
      // Writes were under way at the seed position: the table was neither empty nor final there.
      expect(fromSeed.out.split('\n').length).toBeGreaterThan(200);
      expect(fromSeed.out).toBe(fromReplay.out);
    } finally {
      await writer?.stop().catch(() => undefined);
      await c.end();
    }
  }, 120_000);

  it('with BACKUP_ADMIN and RELOAD: the views start under the global read lock while a writer commits, at log_status; DDL waits until the seed closes', async () => {
    const BACKUP_PW = 'Backup-s3cret!pw';
    const backupUrl = await createUser('backup', BACKUP_PW, 'REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, BACKUP_ADMIN');
    const c = await connect(server);
    await c.query('CREATE TABLE shop.tally (id INT PRIMARY KEY, n INT NOT NULL, note VARCHAR(40))');
    await c.query(`INSERT INTO shop.tally (id, n, note) VALUES ${Array.from({ length: 100 }, (_, i) => `(${i}, 0, 'seeded')`).join(', ')}`);
    const writer = await startWriter('shop.tally', 100);
    const commits = writer.commits;
    const select = async (conn: Awaited<ReturnType<typeof connect>>): Promise<string[]> => {
      const [rows] = (await conn.query('SELECT id, n, note FROM shop.tally ORDER BY id')) as unknown as [Array<{ id: number; n: number; note: string }>];
      return rows.map((r) => JSON.stringify({ id: r.id, n: r.n, note: r.note }));
    };
    try {
      while (commits() < 30) await new Promise((r) => setTimeout(r, 10));
      const before = commits();
      const snap = await openSnapshot(sourceUrlOf(server, 'backup', BACKUP_PW), 2);
      let seen: string[][];
      try {
        expect(snap.method).toBe('global-read-lock');
        expect(snap.lockHeldMs).toBeGreaterThanOrEqual(0);
        expect(snap.backupLock).toBe(true);
        expect(snap.connections).toHaveLength(2);
        seen = [await select(snap.connections[0]!), await select(snap.connections[1]!)];
        expect(seen[1]).toEqual(seen[0]);
        // LOCK INSTANCE FOR BACKUP: DDL waits while the seed's snapshot is open.
        await c.query('SET SESSION lock_wait_timeout = 1');
        await expect(c.query('CREATE TABLE shop.ddl_probe (id INT PRIMARY KEY)')).rejects.toThrow(/Lock wait timeout/);
      } finally {
        await snap.close();
      }
      await c.query('CREATE TABLE shop.ddl_probe (id INT PRIMARY KEY)');
      expect(commits()).toBeGreaterThan(before); // the writer committed around the snapshot
      while (commits() < before + 60) await new Promise((r) => setTimeout(r, 10));
      await writer.stop();

      // The same through the CLI, the position and GTID set from log_status.
      const seeded = path.join(dir, 'seed-backup.db');
      const r = await runCli(['seed', '--source', backupUrl, '--tables', 'shop.tally', '--parallel', '2', '--store', seeded, '--json']);
      expect(r.code, r.err).toBe(0);
      const summary = JSON.parse(r.out) as { position: string; snapshot: string; lockHeldMs: number | null; backupLock: boolean; gtidSet: string | null };
      expect(summary).toMatchObject({ snapshot: 'global-read-lock', backupLock: true });
      const [[status]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number; Executed_Gtid_Set: string }]];
      expect(summary.position).toBe(`${status!.File}:${status!.Position}`);
      expect(summary.gtidSet).toBe(status!.Executed_Gtid_Set.replace(/\s+/g, ''));
      const exported = await runCli(['export', '--table', 'shop.tally', '--format', 'jsonl', '--store', seeded]);
      expect(exported.out.trim().split('\n')).toEqual(await select(c));

      // Oracle for the views taken under the writer: the binlog replayed up to their position.
      const replayed = path.join(dir, 'replay-tally.db');
      const rr = await runCli(['replay', '--source', source(PASSWORD), '--from', start, '--to', `${status!.File}:${status!.Position}`, '--store', replayed]);
      expect(rr.code, rr.err).toBe(0);
      const atSnap = await runCli(['export', '--table', 'shop.tally', '--at', snap.position.format(), '--format', 'jsonl', '--store', replayed]);
      expect(atSnap.code, atSnap.err).toBe(0);
      expect(atSnap.out.trim().split('\n')).toEqual(seen[0]);
      expect(seen[0]!.length).toBeGreaterThan(100); // the writer's rows were there, not only the first 100
    } finally {
      await writer.stop().catch(() => undefined);
      await c.end();
    }
  }, 120_000);

  it('--global-lock never on MySQL is BINSNAP_E_SEED_SNAPSHOT: MySQL has no lock-free way to start views at a known position', async () => {
    for (const parallel of ['1', '2']) {
      const r = await runCli(['seed', '--source', source(PASSWORD), '--tables', 'shop.item', '--parallel', parallel, '--global-lock', 'never', '--store', path.join(dir, `never-${parallel}.db`)]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('BINSNAP_E_SEED_SNAPSHOT');
      expect(r.err).toContain('--global-lock is never');
      expect(r.err).not.toContain(PASSWORD);
    }
  });

  it('without RELOAD a MySQL seed is BINSNAP_E_SOURCE_PRIVILEGE (exit 3): the global read lock needs it', async () => {
    const url = await createUser('noreload', 'No-reload-pw1', 'REPLICATION SLAVE, REPLICATION CLIENT, SELECT, BACKUP_ADMIN');
    const r = await runCli(['seed', '--source', url, '--tables', 'shop.item', '--store', path.join(dir, 'noreload.db')]);
    expect(r.code, r.err).toBe(3);
    expect(r.err).toContain('BINSNAP_E_SOURCE_PRIVILEGE');
    expect(r.err).toContain('RELOAD');
    expect(r.err).not.toContain('No-reload-pw1');
  });

  it('every column type, with FULL, MINIMAL and NOBLOB images and partial JSON updates: replay (server and files) and seed equal SELECT', async () => {
    const c = await connect(server);
    const positionNow = async (): Promise<string> => {
      const [[st]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      return `${st!.File}:${st!.Position}`;
    };
    const snapshot = async (): Promise<string[]> => (await selectTable(c, 'types', 't')).map((r) => JSON.stringify(r));
    let from: string;
    let mid: string;
    let last: string;
    let atMid: string[];
    try {
      // Zero dates need a non-strict mode; the session writes in UTC like binsnap reads.
      await c.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
      from = await positionNow();
      await c.query('CREATE DATABASE types');
      await c.query(ALL_TYPES_TABLE);
      await c.query(`INSERT INTO types.t VALUES ${ALL_TYPES_ROWS.join(',')}`);
      await c.query('UPDATE types.t SET ti = ti + 0, vc = CONCAT(vc, "+"), js = JSON_ARRAY(1, "two", 3.5) WHERE id IN (1, 4)');
      mid = await positionNow();
      atMid = await snapshot();
      // MINIMAL images with MySQL's partial JSON updates (PARTIAL_UPDATE_ROWS events with JSON diffs).
      await c.query("SET SESSION binlog_row_image = 'MINIMAL', SESSION binlog_row_value_options = 'PARTIAL_JSON'");
      await c.query(`UPDATE types.t SET js = JSON_SET(js, '$.a[0]', 99, '$.c', 'new') WHERE id = 2`);
      await c.query(`UPDATE types.t SET js = JSON_REMOVE(js, '$.b'), i = 7 WHERE id = 2`);
      await c.query(`UPDATE types.t SET js = JSON_REPLACE(js, '$[1]', 'deux') WHERE id IN (1, 4)`);
      await c.query('UPDATE types.t SET mt = "changed medium text" WHERE id = 4');
      await c.query("SET SESSION binlog_row_image = 'NOBLOB', SESSION binlog_row_value_options = ''");
      await c.query('UPDATE types.t SET c10 = "noblob" WHERE id = 2');
      await c.query('DELETE FROM types.t WHERE id = 3');
      last = await positionNow();
    } finally {
      await c.end().catch(() => undefined);
    }
    const check = await connect(server);
    let atEnd: string[];
    try {
      atEnd = (await selectTable(check, 'types', 't')).map((r) => JSON.stringify(r));
    } finally {
      await check.end();
    }
    expect(atEnd).toHaveLength(3);
    const lines = async (store: string, at: string): Promise<string[]> => {
      const e = await runCli(['export', '--table', 'types.t', '--at', at, '--format', 'jsonl', '--store', store]);
      expect(e.code, e.err).toBe(0);
      return e.out.trim().split('\n').map((l) => JSON.stringify(JSON.parse(l)));
    };
    const fromServer = path.join(dir, 'types-server.db');
    const r1 = await runCli(['replay', '--source', source(PASSWORD), '--from', from, '--to', last, '--store', fromServer]);
    expect(r1.code, r1.err).toBe(0);
    expect(await lines(fromServer, mid)).toEqual(atMid);
    expect(await lines(fromServer, last)).toEqual(atEnd);
    // The partial JSON updates really came as PARTIAL_UPDATE_ROWS events with JSON diffs.
    let partial = 0;
    let diffs = 0;
    for await (const e of readServerBinlog({ source: sourceUrlOf(server, 'sha2', PASSWORD), serverId: 8003, start: { kind: 'position', position: BinlogPosition.parse(mid) }, to: BinlogPosition.parse(last) })) {
      if (e.kind !== 'rows' || !e.partial) continue;
      partial++;
      for (const r of e.rows) if (r.before && r.after && 'jsonDiffs' in r && r.jsonDiffs) diffs += r.jsonDiffs.length;
    }
    expect(partial).toBe(4); // the three JSON updates, and the MEDIUMTEXT one under the same settings
    expect(diffs).toBeGreaterThanOrEqual(3);
    const fromFiles = path.join(dir, 'types-files.db');
    const r2 = await runCli(['replay', '--binlog-dir', server.binlogDir!, '--from', from, '--to', last, '--store', fromFiles]);
    expect(r2.code, r2.err).toBe(0);
    expect(await lines(fromFiles, last)).toEqual(atEnd);
    const seeded = path.join(dir, 'types-seed.db');
    const r3 = await runCli(['seed', '--source', source(PASSWORD), '--tables', 'types.t', '--store', seeded]);
    expect(r3.code, r3.err).toBe(0);
    expect(await lines(seeded, 'latest')).toEqual(atEnd);
  }, 120_000);

  it('a random workload with DDL mid-stream, under MySQL 8 default MINIMAL row metadata: replay (server and files) equals SELECT at every checkpoint; verify, seed --parallel 2 and run --until agree', async () => {
    // Without full metadata, column names, signedness and charsets come from binsnap's schema history (its DDL parser).
    const admin = await connect(server);
    await admin.query("SET GLOBAL binlog_row_metadata = 'MINIMAL'");
    const c = await connect(server);
    let result: WorkloadResult;
    try {
      result = await runWorkload(c, { seed: 80, transactions: 300, db: 'wl', bigRows: 5_000, checkpointEvery: 25, flavor: 'mysql', catalogs: true });
    } finally {
      await c.end();
      await admin.query("SET GLOBAL binlog_row_metadata = 'FULL'");
      await admin.end();
    }
    expect(result.checkpoints.length).toBeGreaterThan(10);
    // The table maps carry no column names (optional metadata field 4, COLUMN_NAME): MINIMAL took effect.
    let maps = 0;
    for await (const e of readServerBinlog({ source: sourceUrlOf(server, 'sha2', PASSWORD), serverId: 8004, start: { kind: 'position', position: BinlogPosition.parse(result.start) }, to: BinlogPosition.parse(result.end) })) {
      if (e.kind !== 'table_map') continue;
      maps++;
      expect(e.optionalMetadata).not.toContain(4);
    }
    expect(maps).toBeGreaterThan(300);
    const fromServer = path.join(dir, 'wl-server.db');
    const r1 = await runCli(['replay', '--source', source(PASSWORD), '--from', result.start, '--to', result.end, '--store', fromServer]);
    expect(r1.code, r1.err).toBe(0);
    const fromFiles = path.join(dir, 'wl-files.db');
    const r2 = await runCli(['replay', '--binlog-dir', server.binlogDir!, '--from', result.start, '--to', result.end, '--store', fromFiles]);
    expect(r2.code, r2.err).toBe(0);
    expect(await checkEveryCheckpoint(fromServer, result.checkpoints, 'MySQL, from the server')).toBeGreaterThan(50);
    expect(await checkEveryCheckpoint(fromFiles, result.checkpoints, 'MySQL, from the files')).toBeGreaterThan(50);
    // binsnap's schema history, built from the DDL text, against information_schema at every checkpoint.
    expect(await checkEverySchema(fromServer, result.checkpoints, 'MySQL')).toBeGreaterThan(50);

    // The day-one path on MySQL: verify the replayed store, seed (--parallel 2), then run --until after more writes.
    const tables = Object.keys(result.checkpoints.at(-1)!.tables);
    expect(tables.length).toBeGreaterThanOrEqual(5);
    const verified = await runCli(['verify', '--source', source(PASSWORD), '--tables', 'wl.*', '--store', fromServer, '--json']);
    expect(verified.code, verified.err + verified.out).toBe(0);
    const report = JSON.parse(verified.out) as { equal: boolean; tables: Array<{ table: string }> };
    expect(report.equal).toBe(true);
    expect(report.tables.map((t) => t.table).sort()).toEqual([...tables].sort());
    const seeded = path.join(dir, 'wl-seed.db');
    const s1 = await runCli(['seed', '--source', source(PASSWORD), '--tables', 'wl.*', '--parallel', '2', '--store', seeded, '--json']);
    expect(s1.code, s1.err).toBe(0);
    const at = (JSON.parse(s1.out) as { position: string }).position;
    expect(at).toBe(result.end); // nothing wrote since the workload
    for (const t of tables) {
      const e1 = await runCli(['export', '--table', t, '--format', 'jsonl', '--store', seeded]);
      const e2 = await runCli(['export', '--table', t, '--at', at, '--format', 'jsonl', '--store', fromServer]);
      expect(asMultiset(parseJsonl(e1.out)), `${t}: seed against replay`).toEqual(asMultiset(parseJsonl(e2.out)));
    }
    const w = await connect(server);
    let until: string;
    try {
      await w.query("SET SESSION time_zone = '+00:00'");
      // A change to each table the workload left, and a table created after the seed.
      for (const t of tables) await w.query(`DELETE FROM ${t.split('.').map((n) => `\`${n}\``).join('.')} LIMIT 1`);
      await w.query('CREATE TABLE wl.later (id BIGINT UNSIGNED PRIMARY KEY, f FLOAT, j JSON)');
      await w.query(`INSERT INTO wl.later VALUES (18446744073709551615, 0.1, '{"n": 9007199254740993}'), (1, -2.5, '[1, "x"]')`);
      const [[st]] = (await w.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      until = `${st!.File}:${st!.Position}`;
    } finally {
      await w.end();
    }
    const ran = await runCli(['run', '--source', source(PASSWORD), '--until', until, '--store', seeded, '--server-id', '8005']);
    expect(ran.code, ran.err).toBe(0);
    const after = await runCli(['verify', '--source', source(PASSWORD), '--tables', 'wl.*', '--store', seeded, '--json']);
    expect(after.code, after.err + after.out).toBe(0);
    expect((JSON.parse(after.out) as { tables: Array<{ table: string }> }).tables.map((t) => t.table)).toContain('wl.later');
    const later = await runCli(['export', '--table', 'wl.later', '--format', 'jsonl', '--store', seeded]);
    expect(later.out.trim().split('\n')).toEqual(['{"id":1,"f":-2.5,"j":[1,"x"]}', '{"id":"18446744073709551615","f":0.1,"j":{"n":"9007199254740993"}}']);
  }, 300_000);

  it.each(['MINIMAL', 'NOBLOB'])('the random workload with %s row images (and MINIMAL metadata): replay from the server equals SELECT at every checkpoint', async (image) => {
    // Updates and deletes then carry only some columns: the rest comes from each row's previous version.
    const admin = await connect(server);
    await admin.query(`SET GLOBAL binlog_row_image = '${image}', GLOBAL binlog_row_metadata = 'MINIMAL'`);
    const c = await connect(server);
    let result: WorkloadResult;
    try {
      result = await runWorkload(c, { seed: 81, transactions: 300, db: `img_${image.toLowerCase()}`, bigRows: 3_000, checkpointEvery: 25, flavor: 'mysql', anyRowImage: true });
    } finally {
      await c.end();
      await admin.query("SET GLOBAL binlog_row_image = 'FULL', GLOBAL binlog_row_metadata = 'FULL'");
      await admin.end();
    }
    const store = path.join(dir, `img-${image}.db`);
    const r = await runCli(['replay', '--source', source(PASSWORD), '--from', result.start, '--to', result.end, '--store', store]);
    expect(r.code, r.err).toBe(0);
    expect(await checkEveryCheckpoint(store, result.checkpoints, `MySQL, ${image} images`)).toBeGreaterThan(50);
  }, 300_000);

  it('a wrong password is BINSNAP_E_SOURCE_AUTH (exit 3) and prints no secret', async () => {
    const wrong = 'not-the-Sha2-pw';
    const r = await runCli(['replay', '--source', source(wrong), '--from', start, '--to', end, '--store', path.join(dir, 'x.db')]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('BINSNAP_E_SOURCE_AUTH');
    expect(r.err).not.toContain(wrong);
  });

  it('a user without REPLICATION SLAVE is BINSNAP_E_SOURCE_PRIVILEGE (exit 3)', async () => {
    const url = await createUser('reader', 'Reader-pw-1', 'SELECT');
    const r = await runCli(['replay', '--source', url, '--from', start, '--to', end, '--store', path.join(dir, 'np.db')]);
    expect(r.code, r.err).toBe(3);
    expect(r.err).toContain('BINSNAP_E_SOURCE_PRIVILEGE');
    expect(r.err).not.toContain('Reader-pw-1');
  });

  // Last in this file: it purges the binlog files the tests above replay.
  it('a purged start position, by file position or by GTID set, is BINSNAP_E_SOURCE_POSITION_PURGED (exit 3)', async () => {
    const c = await connect(server);
    try {
      await c.query('FLUSH BINARY LOGS');
      const [[st]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string }]];
      await c.query(`PURGE BINARY LOGS TO '${st!.File}'`);
    } finally {
      await c.end();
    }
    const byPosition = await runCli(['replay', '--source', source(PASSWORD), '--from', start, '--store', path.join(dir, 'purged.db')]);
    expect(byPosition.code, byPosition.err).toBe(3);
    expect(byPosition.err).toContain('BINSNAP_E_SOURCE_POSITION_PURGED');
    // The GTID set before the CREATE TABLE: the server no longer has the transactions after it.
    const byGtid = await runCli(['run', '--source', source(PASSWORD), '--from-gtid', midGtid, '--store', path.join(dir, 'purged-gtid.db'), '--server-id', '8006']);
    expect(byGtid.code, byGtid.err).toBe(3);
    expect(byGtid.err).toContain('BINSNAP_E_SOURCE_POSITION_PURGED');
  });
});
