/**
 * MariaDB's own high-resolution TIME(n), DATETIME(n) and TIMESTAMP(n): the format of tables
 * created with mysql56_temporal_format=OFF, or on MariaDB 5.3–10.0 and not rebuilt since. The
 * binlog gives such columns the old type codes without their precision, which binsnap takes from
 * the schema history. A server of its own, since the setting is global.
 * Replay from the files equals SELECT (every precision, negative and zero values, NULLs, an
 * update), a seed of the table equals the replay, and a column rebuilt in the current format
 * (ALTER … MODIFY with the setting back ON) replays too.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { compareRows, exportTable, inProcess, parseJsonl } from '../harness/replay-check.js';
import { selectTableWithInfo } from '../harness/select-values.js';
import { masterPosition } from '../harness/workload.js';

describe("MariaDB's old high-resolution temporal formats", () => {
  let server: MariadbInfo;
  let conn: mysql.Connection;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'old-temporal-'));
    server = await startMariadb(inject('tmpRoot'), { serverId: 72 });
    conn = await connect(server);
    await conn.query("SET SESSION time_zone = '+00:00'");
  }, 60_000);

  afterAll(async () => {
    await conn?.end();
    if (server) await destroyMariadb(server);
  });

  it('TIME(n), DATETIME(n) and TIMESTAMP(n) of every precision replay equal to SELECT and to a seed', async () => {
    const start = await masterPosition(conn);
    await conn.query('SET GLOBAL mysql56_temporal_format = OFF');
    const columns: string[] = ['dt0 DATETIME', 'tm0 TIME', 'ts0 TIMESTAMP NULL'];
    for (let n = 1; n <= 6; n++) columns.push(`dt${n} DATETIME(${n})`, `tm${n} TIME(${n})`, `ts${n} TIMESTAMP(${n}) NULL`);
    try {
      await conn.query('CREATE DATABASE old_t');
      await conn.query(`CREATE TABLE old_t.t (id INT PRIMARY KEY, ${columns.join(', ')})`);
    } finally {
      await conn.query('SET GLOBAL mysql56_temporal_format = ON');
    }
    const row = (id: number, dt: string, tm: string, ts: string | null): (string | number | null)[] => [id, ...Array.from({ length: 7 }, () => [dt, tm, ts]).flat()];
    const rows = [
      row(1, '2024-01-02 03:04:05.123456', '12:34:56.789012', '2024-05-06 07:08:09.654321'),
      row(2, '0000-00-00 00:00:00', '-838:59:59', '1970-01-01 00:00:01.000001'),
      row(3, '1000-01-01 00:00:00.000001', '-00:00:01.5', null),
      row(4, '9999-12-31 23:59:59.999999', '838:59:59.999999', '2038-01-19 03:14:07.999999'),
      row(5, '1999-12-31 23:59:59.9', '-01:02:03.04', '2001-02-03 04:05:06.5'),
    ];
    for (const r of rows) await conn.query(`INSERT INTO old_t.t VALUES (${r.map(() => '?').join(', ')})`, r);
    await conn.query("UPDATE old_t.t SET dt3 = '2020-02-29 12:00:00.5', tm6 = '-100:00:00.000001' WHERE id = 1");
    const end = await masterPosition(conn);
    const store = path.join(dir, 'files.db');
    const r = await inProcess(['replay', '--binlog-dir', server.binlogDir!, '--from', start, '--to', end, '--store', store, '--log-level', 'warn']);
    expect(r.code, r.err).toBe(0);
    const { rows: want, info } = await selectTableWithInfo(conn, 'old_t', 't');
    const got = parseJsonl(await exportTable(store, 'old_t.t', end));
    compareRows('old_t.t from the binlog', want, got, info.key.length > 0);
    expect(got[0]?.['dt3']).toBe('2020-02-29 12:00:00.500');
    expect(got[1]?.['tm0']).toBe('-838:59:59');

    const seeded = path.join(dir, 'seed.db');
    const s = await inProcess(['seed', '--source', server.url, '--tables', 'old_t.t', '--store', seeded, '--log-level', 'warn']);
    expect(s.code, s.err).toBe(0);
    expect(parseJsonl(await exportTable(seeded, 'old_t.t', 'latest'))).toEqual(got);

    // Rebuilt with the setting ON, the column takes MySQL 5.6's format (DATETIME2), with its precision in TABLE_MAP.
    const from = await masterPosition(conn);
    await conn.query('ALTER TABLE old_t.t MODIFY dt4 DATETIME(4), FORCE');
    await conn.query("UPDATE old_t.t SET dt4 = '2030-03-03 03:03:03.3333' WHERE id = 2");
    const to = await masterPosition(conn);
    const again = await inProcess(['replay', '--binlog-dir', server.binlogDir!, '--from', from, '--to', to, '--store', store, '--log-level', 'warn']);
    expect(again.code, again.err).toBe(0);
    const after = await selectTableWithInfo(conn, 'old_t', 't');
    compareRows('old_t.t after the rebuild', after.rows, parseJsonl(await exportTable(store, 'old_t.t', to)), true);
  }, 60_000);
});
