/**
 * `binsnap seed` on the shared throwaway MariaDB (issue 6, item 1 and its
 * "Must show"):
 * - a seed taken while another connection keeps writing equals, table by
 *   table, the state of the source at the seed position: compared with a full
 *   replay of the binlog from before the tables existed (`export --at P` of
 *   both stores), and — after replaying the rest of the binlog into the seeded
 *   store — with a consistent snapshot the test takes itself at a later
 *   position P' and with the final SELECT;
 * - --parallel 2 gives the same exports as --parallel 1 (at one position),
 *   and both equal select-values.ts's SELECT of every table, the every-type
 *   table included;
 * - seed then `binsnap run --until` continues from the seed's checkpoint;
 * - a user without SELECT / replication privileges → exit 3.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openSnapshot } from '../../src/source/seed-reader.js';
import { connect, sourceUrlOf } from '../harness/mariadb.js';
import { selectTable, type Row } from '../harness/select-values.js';
import { masterPosition, Rng, runWorkload } from '../harness/workload.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function binsnap(argv: string[], interactive = false): Promise<Run> {
  const out = collector();
  const err = collector();
  const code = await main([...argv, '--log-level', 'warn'], {}, {
    stdout: out.stream,
    stderr: err.stream,
    interactive,
    createLogger: (level) => createLogger({ level: level === 'info' ? 'warn' : level, destination: { write: (s: string) => err.stream.write(s) } }),
  });
  return { code, out: out.text(), err: err.text() };
}

async function ok(argv: string[]): Promise<Run> {
  const r = await binsnap(argv);
  if (r.code !== 0) throw new Error(`binsnap ${argv.join(' ')} exited ${r.code}:\n${r.err.slice(-4000)}`);
  return r;
}

interface SeedSummary {
  position: string;
  gtidSet: string | null;
  tables: Array<{ table: string; rows: number }>;
  rows: number;
  snapshot: string;
  alignAttempts: number;
  lockHeldMs: number | null;
}

async function seed(store: string, args: string[]): Promise<SeedSummary> {
  const r = await ok(['seed', ...args, '--store', store, '--json']);
  return JSON.parse(r.out) as SeedSummary;
}

/** `export` of a table as sorted JSON lines (a canonical multiset: the comparison does not depend on key order). */
async function exported(store: string, table: string, at: string): Promise<string[]> {
  const r = await ok(['export', '--table', table, '--at', at, '--format', 'jsonl', '--store', store]);
  return r.out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.stringify(JSON.parse(l) as Row))
    .sort();
}

function canonical(rows: Row[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function userTables(conn: mysql.Connection, db: string): Promise<string[]> {
  const [rows] = await conn.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [db]);
  return (rows as Array<{ t: string }>).map((r) => `${db}.${r.t}`);
}

async function selectAll(conn: mysql.Connection, tables: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of tables) {
    const dot = t.indexOf('.');
    out.set(t, canonical(await selectTable(conn, t.slice(0, dot), t.slice(dot + 1))));
  }
  return out;
}

describe('binsnap seed (issue 6)', () => {
  const server = inject('mariadb');
  const db = `seed_${process.pid}`;
  let dir = '';
  let start = '';
  let conn: mysql.Connection;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'seed-'));
    conn = await connect(server);
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    start = await masterPosition(conn);
    // Every type, composite and latin1 keys, a multiset, DDL history: the workload's tables.
    await runWorkload(conn, { seed: 61, transactions: 150, db, bigRows: 3000, checkpointEvery: 10_000 });
    await conn.query(
      [
        `CREATE TABLE \`${db}\`.w (id INT NOT NULL PRIMARY KEY, v INT, s VARCHAR(20)) ENGINE=InnoDB`,
        `CREATE TABLE \`${db}\`.wn (x INT, y VARCHAR(10)) ENGINE=InnoDB`,
        `CREATE TABLE \`${db}\`.wb (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, f FLOAT, d DECIMAL(20,5), u BIGINT) ENGINE=InnoDB`,
        `CREATE TABLE \`${db}\`.wu (a VARCHAR(10) NOT NULL, b INT, UNIQUE KEY (a)) ENGINE=InnoDB`,
        `INSERT INTO \`${db}\`.w SELECT seq, seq % 97, CONCAT('s', seq) FROM \`${db}\`.seq_1_to_40000`,
        `INSERT INTO \`${db}\`.wn SELECT seq % 5, CONCAT('y', seq % 3) FROM \`${db}\`.seq_1_to_300`,
        `INSERT INTO \`${db}\`.wb SELECT 18446744073709551615 - seq, seq / 7, seq / 3, CAST(seq AS SIGNED) - 9223372036854775807 FROM \`${db}\`.seq_1_to_200`,
        `INSERT INTO \`${db}\`.wu SELECT CONCAT('k', seq), seq FROM \`${db}\`.seq_1_to_100`,
      ].join(';\n'),
    );
  });

  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await conn.query("DROP USER IF EXISTS 'seed_nosel'@'127.0.0.1', 'seed_norepl'@'127.0.0.1'").catch(() => undefined);
    await conn.end();
  });

  it(
    'seeds consistently under a concurrent writer (--parallel 1 and 2); replay and run continue from the seed',
    async () => {
      // A writer on another connection: inserts, updates, deletes in small transactions.
      const writerConn = await connect(server);
      let stop = false;
      let writes = 0;
      const rng = new Rng(5);
      const writer = (async () => {
        let next = 100_000;
        while (!stop) {
          const id = 1 + rng.int(0, 40_000 - 1);
          const sql = [
            'START TRANSACTION',
            `INSERT INTO \`${db}\`.w VALUES (${next++}, ${rng.int(0, 1000 - 1)}, 'n${next}')`,
            `UPDATE \`${db}\`.w SET v = v + 1, s = CONCAT(s, '+') WHERE id = ${id}`,
            `DELETE FROM \`${db}\`.w WHERE id = ${1 + rng.int(0, 40_000 - 1)}`,
            `INSERT INTO \`${db}\`.wn VALUES (${rng.int(0, 5 - 1)}, 'y${rng.int(0, 3 - 1)}')`,
            `DELETE FROM \`${db}\`.wn WHERE x = ${rng.int(0, 5 - 1)} LIMIT 1`,
            `UPDATE \`${db}\`.wb SET f = f + 0.1, d = d + 1 WHERE id = 18446744073709551615 - ${1 + rng.int(0, 200 - 1)}`,
            `UPDATE \`${db}\`.wu SET b = b + 1 WHERE a = 'k${1 + rng.int(0, 100 - 1)}'`,
            'COMMIT',
          ].join(';\n');
          await writerConn.query(sql);
          writes++;
        }
      })();
      try {
        await new Promise((r) => setTimeout(r, 300));
        const storeA = path.join(dir, 'a.db');
        const storeC = path.join(dir, 'c.db');
        const a = await seed(storeA, ['--source', server.url, '--tables', `${db}.*`]);
        const writesAfterA = writes;
        // Aligned without a lock when the two snapshots report one binlog_snapshot position, else the brief lock:
        // either way the exports below must equal the binlog replayed to the seed's position.
        const c = await seed(storeC, ['--source', server.url, '--tables', `${db}.*`, '--parallel', '2']);
        expect(['aligned', 'global-read-lock']).toContain(c.snapshot);
        expect(c.snapshot === 'aligned').toBe(c.lockHeldMs === null);
        console.log(`seed --parallel 2 under a writer (${writes - writesAfterA} commits during it): ${c.snapshot} after ${c.alignAttempts} alignment attempt(s)`);
        // The lock-free path itself, with attempts enough that it always aligns under this writer: both views
        // are read now and compared below with the binlog replayed to their position.
        const aligned = await openSnapshot(sourceUrlOf(server), 2, { globalLock: 'never', alignAttempts: 200 });
        let alignedViews: Array<Map<string, string[]>>;
        try {
          expect(aligned.method).toBe('aligned');
          const inView = await userTables(aligned.connections[0]!, db);
          alignedViews = [await selectAll(aligned.connections[0]!, inView), await selectAll(aligned.connections[1]!, inView)];
        } finally {
          await aligned.close();
        }
        expect(alignedViews[1]).toEqual(alignedViews[0]);
        // The fallback, forced: FLUSH TABLES WITH READ LOCK while the views start.
        const storeD = path.join(dir, 'd.db');
        const d = await seed(storeD, ['--source', server.url, '--tables', `${db}.*`, '--parallel', '2', '--global-lock', 'always']);
        expect(d).toMatchObject({ snapshot: 'global-read-lock', alignAttempts: 0 });
        expect(d.lockHeldMs).not.toBeNull();
        expect(a).toMatchObject({ snapshot: 'snapshot-status', lockHeldMs: null });
        expect(a.gtidSet).toMatch(/^\d+-\d+-\d+/);
        // Our own consistent snapshot at P' (after both seeds), while the writer still writes.
        const snapConn = await connect(server);
        await snapConn.query("SET time_zone = '+00:00'");
        await snapConn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
        const [st] = await snapConn.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
        const status = new Map((st as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name.toLowerCase(), r.Value]));
        const pPrime = `${status.get('binlog_snapshot_file')}:${status.get('binlog_snapshot_position')}`;
        const tables = await userTables(snapConn, db);
        const atPrime = await selectAll(snapConn, tables);
        await snapConn.query('COMMIT');
        await snapConn.end();
        stop = true;
        await writer;
        expect(writes).toBeGreaterThan(writesAfterA); // the writer ran while the parallel seed ran
        expect(a.tables.map((t) => t.table).sort()).toEqual(tables);
        expect(a.rows).toBe(a.tables.reduce((s, t) => s + t.rows, 0));
        expect(a.rows).toBeGreaterThan(40_000);
        expect(c.position).not.toBe(a.position); // the writer moved the binlog between the two seeds
        const end = await masterPosition(conn);

        // Oracle: the whole binlog since before the tables existed, replayed.
        const storeB = path.join(dir, 'b.db');
        await ok(['replay', '--binlog-dir', server.binlogDir!, '--from', start, '--to', end, '--store', storeB]);
        for (const t of tables) {
          const want = await exported(storeB, t, a.position);
          expect(await exported(storeA, t, a.position), `${t} at ${a.position} (seed --parallel 1)`).toEqual(want);
          expect(await exported(storeB, t, aligned.position.format()), `${t} at ${aligned.position.format()} (two aligned views)`).toEqual(alignedViews[0]!.get(t));
          const wantC = await exported(storeB, t, c.position);
          expect(await exported(storeC, t, c.position), `${t} at ${c.position} (seed --parallel 2)`).toEqual(wantC);
          const wantD = await exported(storeB, t, d.position);
          expect(await exported(storeD, t, d.position), `${t} at ${d.position} (seed --parallel 2, global read lock)`).toEqual(wantD);
        }
        // Checkpoints: status prints the seed position.
        const status1 = JSON.parse((await ok(['status', '--json', '--store', storeA])).out) as { checkpoint: { position: string } };
        expect(status1.checkpoint.position).toBe(a.position);

        // Seed, then replay the rest: as of P' it equals our snapshot, latest equals the final SELECT.
        await ok(['replay', '--binlog-dir', server.binlogDir!, '--from', a.position, '--to', end, '--store', storeA]);
        // Seed, then the daemon with --until: resumes from the seed's checkpoint.
        const run = await binsnap(['run', '--source', server.url, '--until', end, '--store', storeC, '--server-id', '4301']);
        expect(run.code, run.err).toBe(0);
        const final = await selectAll(conn, tables);
        for (const t of tables) {
          expect(await exported(storeA, t, pPrime), `${t} at ${pPrime} after seed + replay`).toEqual(atPrime.get(t));
          expect(await exported(storeA, t, 'latest'), `${t} latest after seed + replay`).toEqual(final.get(t));
          expect(await exported(storeC, t, 'latest'), `${t} latest after seed + run`).toEqual(final.get(t));
        }
      } finally {
        stop = true;
        await writer.catch(() => undefined);
        await writerConn.end();
      }
    },
    300_000,
  );

  it(
    'gives the same exports with --parallel 1 and 2, equal to SELECT for every type',
    async () => {
      const s1 = path.join(dir, 'p1.db');
      const s2 = path.join(dir, 'p2.db');
      const s3 = path.join(dir, 'p3.db');
      const one = await seed(s1, ['--source', server.url, '--tables', `${db}.*`]);
      const two = await seed(s2, ['--source', server.url, '--tables', `${db}.*`, '--parallel', '2']);
      const three = await seed(s3, ['--source', server.url, '--tables', `${db}.*`, '--parallel', '3']);
      expect(two.position).toBe(one.position); // nothing writes now
      expect(three.position).toBe(one.position);
      const tables = await userTables(conn, db);
      expect(tables).toContain(`${db}.types_t`);
      const selected = await selectAll(conn, tables);
      for (const t of tables) {
        const e1 = await exported(s1, t, 'latest');
        expect(e1, `${t}: seed equals SELECT`).toEqual(selected.get(t));
        expect(await exported(s2, t, 'latest'), `${t}: --parallel 2`).toEqual(e1);
        expect(await exported(s3, t, 'latest'), `${t}: --parallel 3`).toEqual(e1);
      }
      // Human output: progress on a terminal (stderr), the summary on stdout.
      const human = await binsnap(['seed', '--source', server.url, '--tables', `${db}.w,${db}.types_t`, '--store', path.join(dir, 'human.db')], true);
      expect(human.code, human.err).toBe(0);
      expect(human.out).toMatch(new RegExp(`^seeded [\\d,]+ rows of 2 tables at ${one.position.replace(/\./g, '\\.')} \\(GTID [\\d-]+\\) in [\\d.]+ s\\n$`));
      expect(human.err).toMatch(/seed seed_\d+\.\w+ +[\d,]+\/~[\d,]+ rows +[\d,]+ rows\/s +ETA/);

      // A re-seed into the same store at a later position starts a new segment of each table.
      // (The first test's writer may have deleted some of ids 1–10 already.)
      const [[{ n: gone }]] = (await conn.query(`SELECT COUNT(*) AS n FROM \`${db}\`.w WHERE id <= 10`)) as unknown as [[{ n: number }]];
      await conn.query(`DELETE FROM \`${db}\`.w WHERE id <= 10`);
      const again = await seed(s1, ['--source', server.url, '--tables', `${db}.w`]);
      expect(again.tables).toEqual([{ table: `${db}.w`, rows: (selected.get(`${db}.w`)?.length ?? 0) - Number(gone) }]);
      expect(await exported(s1, `${db}.w`, 'latest')).toEqual(canonical(await selectTable(conn, db, 'w')));
      expect(await exported(s1, `${db}.w`, one.position)).toEqual(selected.get(`${db}.w`));
    },
    300_000,
  );

  it('refuses a user without SELECT or replication privileges (exit 3)', async () => {
    const pw = 'seed-pw-1';
    await conn.query(`CREATE OR REPLACE USER 'seed_nosel'@'127.0.0.1' IDENTIFIED BY '${pw}'`);
    await conn.query(`GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'seed_nosel'@'127.0.0.1'`);
    await conn.query(`CREATE OR REPLACE USER 'seed_norepl'@'127.0.0.1' IDENTIFIED BY '${pw}'`);
    await conn.query(`GRANT SELECT ON *.* TO 'seed_norepl'@'127.0.0.1'`);
    for (const user of ['seed_nosel', 'seed_norepl']) {
      const r = await binsnap(['seed', '--source', `mysql://${user}:${pw}@${server.host}:${server.port}`, '--store', path.join(dir, `${user}.db`), '--json']);
      expect(r.code, r.err).toBe(3);
      expect(r.out + r.err).toMatch(/BINSNAP_E_SOURCE_PRIVILEGE/);
      expect(r.out + r.err).not.toContain(pw);
    }
  });
});
