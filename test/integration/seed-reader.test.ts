/**
 * readRows (src/source/seed-reader.ts) against the live MariaDB: batches of
 * exactly the asked size, every row once and in key order across the pauses
 * between batches; a consumer that stops early leaves the connection usable;
 * a failing query is thrown to the consumer. Row packets skip mysql2's per-row
 * dispatch while a result is read (seed-reader.ts, shortRowPath), and mysql2's
 * own handling is back once it ends; a row the parser refuses is the
 * consumer's error, never the process's.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ColumnSchema } from '../../src/core/schema.js';
import { openSqlConnection } from '../../src/source/binlog-connection.js';
import { readRows } from '../../src/source/seed-reader.js';
import type { JsonValue } from '../../src/store/index.js';
import { connect, sourceUrlOf } from '../harness/mariadb.js';

describe('seed reader batches (issue 6)', () => {
  const primary = inject('mariadb');
  const db = `seed_reader_${process.pid}`;
  const N = 2_537;
  const columns: ColumnSchema[] = [
    { name: 'id', type: 'int', unsigned: false, nullable: false },
    { name: 'name', type: 'varchar', unsigned: false, length: 40, charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: true },
  ];

  beforeAll(async () => {
    const c = await connect(primary);
    await c.query(`CREATE DATABASE \`${db}\``);
    await c.query(`USE \`${db}\``);
    await c.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4)`);
    await c.query(`INSERT INTO \`${db}\`.t SELECT seq, CONCAT('naïve ', seq) FROM seq_1_to_${N}`);
    await c.end();
  });

  afterAll(async () => {
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``).finally(() => c.end());
  });

  it('yields every row once, in key order, in batches of the asked size', async () => {
    const conn = await openSqlConnection(sourceUrlOf(primary));
    try {
      const sizes: number[] = [];
      const rows: JsonValue[][] = [];
      const core = (conn as unknown as { connection: object }).connection;
      let shortPath = 0;
      for await (const batch of readRows(conn, { db, table: 't' }, columns, { column: 'id' }, 100, true)) {
        if (Object.hasOwn(core, 'handlePacket')) shortPath++;
        sizes.push(batch.length);
        rows.push(...batch);
      }
      // Rows came the short way while the result was read; mysql2's handling is restored after.
      expect(shortPath).toBeGreaterThan(10);
      expect(Object.hasOwn(core, 'handlePacket')).toBe(false);
      expect(sizes).toEqual([...Array.from({ length: 25 }, () => 100), 37]);
      expect(rows.map((r) => r[0])).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(rows[N - 1]).toEqual([N, `naïve ${N}`]);
    } finally {
      await conn.end();
    }
  });

  it('leaves the connection usable when the consumer stops early, and throws a failing query', async () => {
    const conn = await openSqlConnection(sourceUrlOf(primary));
    try {
      let seen = 0;
      for await (const batch of readRows(conn, { db, table: 't' }, columns, undefined, 50)) {
        seen += batch.length;
        if (seen >= 150) break;
      }
      expect(seen).toBe(150);
      const [r] = await conn.query(`SELECT COUNT(*) AS n FROM \`${db}\`.t`);
      expect(Number((r as Array<{ n: number }>)[0]?.n)).toBe(N);

      const failing = (async () => {
        for await (const _batch of readRows(conn, { db, table: 'missing' }, columns, undefined, 50)) {
          // nothing
        }
      })();
      await expect(failing).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
      const [again] = await conn.query('SELECT 1 AS one');
      expect(again).toEqual([{ one: 1 }]);

      // A field the parser refuses (text that is not JSON, read as MySQL's JSON) fails the read.
      const asJson: ColumnSchema[] = [columns[0]!, { name: 'name', type: 'json', unsigned: false, nullable: true }];
      const refused = (async () => {
        for await (const _batch of readRows(conn, { db, table: 't' }, asJson, undefined, 50, false, 'mysql')) {
          // nothing
        }
      })();
      await expect(refused).rejects.toThrow();
      const [still] = await conn.query(`SELECT COUNT(*) AS n FROM \`${db}\`.t`);
      expect(Number((still as Array<{ n: number }>)[0]?.n)).toBe(N);
    } finally {
      await conn.end();
    }
  });
});
