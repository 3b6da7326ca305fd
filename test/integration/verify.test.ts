/**
 * `binsnap verify` against the live MariaDB: a seeded store equals the source
 * (exit 0); changes made on the source without binlogging them
 * (sql_log_bin=0) are reported key by key — missing in the store, missing in
 * the source, different — with exit 1.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli as run } from '../harness/cli.js';
import { connect } from '../harness/mariadb.js';


describe('binsnap verify (issue 6)', () => {
  const primary = inject('mariadb');
  const db = `verify_${process.pid}`;
  let store = '';

  beforeAll(async () => {
    store = path.join(await mkdtemp(path.join(inject('tmpRoot'), 'verify-')), 'v.db');
    const c = await connect(primary);
    await c.query(`CREATE DATABASE \`${db}\``);
    await c.query(`CREATE TABLE \`${db}\`.items (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb4, price DECIMAL(8,2), at DATETIME(3))`);
    await c.query(`CREATE TABLE \`${db}\`.bag (a INT, b VARCHAR(5))`);
    await c.query(`INSERT INTO \`${db}\`.items VALUES (1,'één',1.50,'2026-01-01 00:00:00.125'),(2,'two',2.00,NULL),(18446744073709551615,'max',0.01,'2026-02-02 02:02:02.000')`);
    await c.query(`INSERT INTO \`${db}\`.bag VALUES (1,'x'),(1,'x'),(2,'y')`);
    await c.end();
  });

  afterAll(async () => {
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``).finally(() => c.end());
  });

  it('finds no difference right after a seed, then names every key changed behind the binlog', async () => {
    const seeded = await run(['seed', '--source', primary.url, '--tables', `${db}.*`, '--store', store]);
    expect(seeded.code, seeded.err).toBe(0);
    const ok = await run(['verify', '--source', primary.url, '--tables', `${db}.*`, '--store', store]);
    expect(ok.code, ok.err + ok.out).toBe(0);
    expect(ok.out).toContain(`ok   ${db}.items: 3 rows on the source, 3 in the store`);
    expect(ok.out).toContain(`ok   ${db}.bag: 3 rows on the source, 3 in the store`);

    const c = await connect(primary);
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query(`UPDATE \`${db}\`.items SET price = 9.99 WHERE id = 2`);
    await c.query(`DELETE FROM \`${db}\`.items WHERE id = 18446744073709551615`);
    await c.query(`INSERT INTO \`${db}\`.items VALUES (3,'three',3.00,NULL)`);
    await c.query(`DELETE FROM \`${db}\`.bag WHERE a = 1 LIMIT 1`);
    await c.end();

    const bad = await run(['verify', '--source', primary.url, '--tables', `${db}.*`, '--store', store, '--json']);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.out) as { equal: boolean; tables: Array<{ table: string; differences: Array<{ key: unknown; kind: string }> }> };
    expect(report.equal).toBe(false);
    const items = report.tables.find((t) => t.table === `${db}.items`)!;
    expect(items.differences).toEqual(
      expect.arrayContaining([
        { key: { id: 2 }, kind: 'different' },
        { key: { id: 3 }, kind: 'missing-in-store' },
        { key: { id: '18446744073709551615' }, kind: 'missing-in-source' },
      ]),
    );
    expect(items.differences).toHaveLength(3);
    const bag = report.tables.find((t) => t.table === `${db}.bag`)!;
    expect(bag.differences).toEqual([{ key: { a: 1, b: 'x' }, kind: 'missing-in-source' }]);
  });
});
