/**
 * Self-test of the differential-test harness (test/harness/workload.ts and
 * select-values.ts) on the shared MariaDB: the generator is deterministic, a
 * run records checkpoints that follow the DDL it issued, two runs of one seed
 * give the same snapshots, and selectTable maps a row of every type to the
 * hand-written SPEC §3 JSON.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { connect } from '../harness/mariadb.js';
import { selectTable, shortestFloat32, compareCodePoints, snapshotTables } from '../harness/select-values.js';
import { generateWorkload, runWorkload, type WorkloadResult } from '../harness/workload.js';

const suffix = `${process.pid}_${Date.now() % 100000}`;
const DB_TYPES = `wlh_types_${suffix}`;
const DB_A = `wlh_a_${suffix}`;
const DB_B = `wlh_b_${suffix}`;

describe('workload generator', () => {
  it('gives the same statements for the same seed and others for another seed', () => {
    const opts = { seed: 7, transactions: 400, db: 'g', bigRows: 1000 };
    const a = generateWorkload(opts);
    const b = generateWorkload(opts);
    expect(b).toEqual(a);
    const c = generateWorkload({ ...opts, seed: 8 });
    expect(c.map((s) => s.sql)).not.toEqual(a.map((s) => s.sql));
    const all = a.map((s) => s.sql).join('\n');
    for (const needle of ['ROLLBACK', 'TRUNCATE TABLE', 'RENAME TABLE', 'CONVERT TO CHARACTER SET utf8mb4', 'seq_1_to_1000', 'DROP TABLE', 'RENAME COLUMN', ' FIRST', ' AFTER ', 'LIMIT 1', "ENUM('gamma','alpha','beta','delta')"]) {
      expect(all).toContain(needle);
    }
    expect(a.filter((s) => s.checkpoint).length).toBeGreaterThan(20);
    expect(a.every((s) => !/Math\.random/.test(s.sql))).toBe(true);
  });

  it('orders strings by code point, not by UTF-16 unit, and prints FLOAT shortest', () => {
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
    expect('\uffff' < '😀').toBe(false);
    expect(compareCodePoints('B', 'a')).toBeLessThan(0);
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(3.4028234663852886e38)).toBe(3.4028235e38);
    expect(shortestFloat32(1.2345677614212036)).toBe(1.2345678);
  });
});

describe('selectTable and runWorkload on MariaDB', () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await connect(inject('mariadb'));
  });
  afterAll(async () => {
    for (const db of [DB_TYPES, DB_A, DB_B]) await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.end();
  });

  it('maps a row of every type to SPEC §3 JSON', async () => {
    await conn.query(`CREATE DATABASE ${DB_TYPES}`);
    await conn.query(`CREATE TABLE ${DB_TYPES}.t (
      id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, bs BIGINT, de DECIMAL(20,6), dw DECIMAL(65,30),
      fl FLOAT, flmax FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), b5 BIT(5), yr YEAR, d DATE, t3 TIME(3), dt6 DATETIME(6),
      ts2 TIMESTAMP(2) NULL DEFAULT NULL, c10 CHAR(10) CHARACTER SET latin1, vc VARCHAR(40) CHARACTER SET utf8mb4, tx TEXT,
      bl BLOB, bn BINARY(8), vb VARBINARY(10), en ENUM('alpha','beta'), st SET('x','y','z'), js JSON, g GEOMETRY, nu INT)`);
    await conn.query("SET time_zone = '+05:00'");
    await conn.query(`INSERT INTO ${DB_TYPES}.t VALUES (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
      -9223372036854775808, 18446744073709551615, 9007199254740991, '-0.5', '12345678901234567890123456789012345.123456789012345678901234567890',
      1.2345678, 3.4028234e38, 0.1, b'1', 18446744073709551615, 5, 2155, '0000-00-00', '-838:59:59', '2026-11-22 10:00:00.000001',
      '2038-01-19 08:14:07.99', 'ß é', '日本語 😀', 'text', X'00FF', X'0102', '', 'beta', 'z,x', '{"a": 1}',
      ST_GeomFromText('POINT(1 2)', 4326), NULL)`);
    const wkb = Buffer.alloc(4 + 1 + 4 + 16);
    wkb.writeUInt32LE(4326, 0);
    wkb.writeUInt8(1, 4);
    wkb.writeUInt32LE(1, 5);
    wkb.writeDoubleLE(1, 9);
    wkb.writeDoubleLE(2, 17);
    const rows = await selectTable(conn, DB_TYPES, 't');
    expect(rows).toEqual([
      {
        id: 1, ti: -128, tiu: 255, si: -32768, siu: 65535, mi: -8388608, miu: 16777215, i: -2147483648, iu: 4294967295,
        bi: '-9223372036854775808', biu: '18446744073709551615', bs: 9007199254740991, de: '-0.500000',
        dw: '12345678901234567890123456789012345.123456789012345678901234567890',
        fl: 1.2345678, flmax: 3.4028235e38, db: 0.1, b1: 1, b64: '18446744073709551615', b5: 5, yr: 2155, d: '0000-00-00',
        t3: '-838:59:59.000', dt6: '2026-11-22 10:00:00.000001', ts2: '2038-01-19 03:14:07.99', c10: 'ß é', vc: '日本語 😀',
        tx: 'text', bl: 'AP8=', bn: 'AQIAAAAAAAA=', vb: '', en: 'beta', st: 'x,z', js: '{"a": 1}', g: wkb.toString('base64'), nu: null,
      },
    ]);
    expect(Object.keys(rows[0] ?? {})[0]).toBe('id');
  });

  it('sorts by key the way binsnap does: numbers by value, strings by code point, key columns in key order', async () => {
    await conn.query(`CREATE TABLE ${DB_TYPES}.k (s VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, n BIGINT UNSIGNED, PRIMARY KEY (n, s))`);
    await conn.query(`INSERT INTO ${DB_TYPES}.k VALUES ('b', 10), ('a', 10), ('B', 10), ('😀', 10), ('\u{ffee}', 10), ('é', 10),
      ('x', 18446744073709551615), ('x', 9007199254740993), ('x', 2)`);
    const rows = await selectTable(conn, DB_TYPES, 'k');
    expect(rows.map((r) => [r['n'], r['s']])).toEqual([
      [2, 'x'], [10, 'B'], [10, 'a'], [10, 'b'], [10, 'é'], [10, '\u{ffee}'], [10, '😀'], ['9007199254740993', 'x'], ['18446744073709551615', 'x'],
    ]);
    await conn.query(`CREATE TABLE ${DB_TYPES}.m (x INT, y VARCHAR(3))`);
    await conn.query(`INSERT INTO ${DB_TYPES}.m VALUES (2, 'a'), (1, 'b'), (2, 'a'), (NULL, 'z')`);
    expect(await selectTable(conn, DB_TYPES, 'm')).toEqual([{ x: 1, y: 'b' }, { x: 2, y: 'a' }, { x: 2, y: 'a' }, { x: null, y: 'z' }]);
  });

  let runA: WorkloadResult;
  it('records checkpoints that follow the DDL and the bulk phase', async () => {
    const seen: string[] = [];
    runA = await runWorkload(conn, { seed: 11, transactions: 300, db: DB_A, bigRows: 3000, checkpointEvery: 10, onCheckpoint: (cp) => void seen.push(cp.position) });
    const cps = runA.checkpoints;
    expect(seen).toEqual(cps.map((c) => c.position));
    expect(cps.length).toBeGreaterThan(25);
    const offsets = cps.map((c) => Number(c.position.split(':')[1]));
    // One binlog file here; positions never go back, and every DDL moves them.
    expect(new Set(cps.map((c) => c.position.split(':')[0])).size).toBe(1);
    offsets.forEach((o, i) => {
      if (i > 0) expect(o).toBeGreaterThanOrEqual(offsets[i - 1] as number);
      if (cps[i]?.label.startsWith('ddl:') && i > 0) expect(o).toBeGreaterThan(offsets[i - 1] as number);
    });
    expect(runA.end).toBe(cps.at(-1)?.position);
    const plain = `${DB_A}.plain`;
    const addNote = cps.findIndex((c) => c.label.includes('ADD COLUMN note'));
    expect(addNote).toBeGreaterThan(0);
    const before = cps[addNote - 1]?.tables[plain] ?? [];
    const after = cps[addNote]?.tables[plain] ?? [];
    expect(before.length).toBeGreaterThan(0);
    expect(Object.keys(before[0] ?? {})).toEqual(['id', 'name', 'qty', 'price', 'updated']);
    expect(after.map((r) => Object.keys(r))).toEqual(after.map(() => ['id', 'name', 'note', 'qty', 'price', 'updated']));
    expect(after.map((r) => r['note'])).toEqual(after.map(() => 'n/a'));
    const bulk = cps.findIndex((c) => c.label.startsWith('bulk insert'));
    expect(cps[bulk - 1]?.tables[`${DB_A}.bulk`]).toEqual([]);
    expect(cps[bulk]?.tables[`${DB_A}.bulk`]).toHaveLength(3000);
    expect(cps[bulk + 1]?.tables[`${DB_A}.bulk`]?.length).toBe(3000 - 2);
    expect(cps[bulk + 2]?.tables[`${DB_A}.bulk`]).toEqual([]);
    const renamed = cps.findIndex((c) => c.label.includes(`TO \`${DB_A}\`.plain_r`));
    expect(Object.keys(cps[renamed]?.tables ?? {})).toContain(`${DB_A}.plain_r`);
    expect(Object.keys(cps[renamed]?.tables ?? {})).not.toContain(plain);
    // The last checkpoint is what the tables hold now.
    const last = cps.at(-1) as (typeof cps)[number];
    expect(await snapshotTables(conn, Object.keys(last.tables))).toEqual(last.tables);
  });

  it('gives the same snapshots when the same seed runs again', async () => {
    const runB = await runWorkload(conn, { seed: 11, transactions: 300, db: DB_B, bigRows: 3000, checkpointEvery: 10 });
    const strip = (r: WorkloadResult, db: string) =>
      r.checkpoints.map((c) => ({ label: c.label.replaceAll(db, 'DB'), tables: Object.fromEntries(Object.entries(c.tables).map(([k, v]) => [k.replace(db, 'DB'), v])) }));
    expect(strip(runB, DB_B)).toEqual(strip(runA, DB_A));
  });
});
