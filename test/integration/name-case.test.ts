/**
 * A source with lower_case_table_names=1 (a server of its own: the setting is fixed at start).
 * Such a server keeps and logs database and table names in lower case (TABLE_MAP,
 * information_schema), while its DDL statements keep the case they were typed in. A workload
 * spells the same tables in several cases: CREATE, ALTER, CREATE INDEX, CREATE … LIKE and
 * unqualified names after USE, a three-way RENAME (a swap), TRUNCATE, DROP and re-create.
 * - Replayed from the server (which reports the setting) and from the files with
 *   --lower-case-table-names 1, every table equals SELECT at every checkpoint, and the final
 *   schema equals information_schema's.
 * - From the files without the flag the replay stops with a coded error naming the flag.
 * - A store written under one setting refuses another; the flag may not contradict the server.
 * - A seed given a mixed-case --tables, and the daemon after it, follow a mixed-case ALTER;
 *   verify given a mixed-case --tables finds the table.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binsnapCatalog, serverCatalog } from '../harness/catalog.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { compareRows, exportTable, inProcess, parseJsonl } from '../harness/replay-check.js';
import { selectTableWithInfo, type Row } from '../harness/select-values.js';
import { masterPosition } from '../harness/workload.js';

interface Checkpoint {
  readonly label: string;
  readonly position: string;
  /** `db.table` (as the server lists it) → rows and whether it has a key. */
  readonly tables: ReadonlyMap<string, { rows: Row[]; keyed: boolean }>;
}

describe('a source with lower_case_table_names=1', () => {
  let server: MariadbInfo;
  let conn: mysql.Connection;
  let dir: string;
  let start: string;
  let end: string;
  const checkpoints: Checkpoint[] = [];

  async function checkpoint(label: string): Promise<void> {
    const [list] = (await conn.query(
      "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1, 2",
    )) as unknown as [Array<{ db: string; t: string }>];
    const tables = new Map<string, { rows: Row[]; keyed: boolean }>();
    for (const { db, t } of list) {
      const { rows, info } = await selectTableWithInfo(conn, db, t);
      tables.set(`${db}.${t}`, { rows, keyed: info.key.length > 0 });
    }
    checkpoints.push({ label, position: await masterPosition(conn), tables });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'name-case-'));
    server = await startMariadb(inject('tmpRoot'), { serverId: 71, extra: { 'lower-case-table-names': 1 } });
    conn = await connect(server);
    start = await masterPosition(conn);
    const run = async (sql: string): Promise<void> => {
      await conn.query(sql);
    };
    await run('CREATE DATABASE Shop');
    await run('CREATE TABLE Shop.Orders (Id INT PRIMARY KEY, Note VARCHAR(20), Qty INT)');
    await run("INSERT INTO shop.orders VALUES (1, 'a', 1), (2, 'b', 2)");
    await checkpoint('created');
    await run('ALTER TABLE SHOP.ORDERS ADD COLUMN Price DECIMAL(8,2) DEFAULT 1.50 AFTER Note');
    await run("INSERT INTO Shop.Orders VALUES (3, 'c', 2.25, 3)");
    await run('UPDATE shop.Orders SET Qty = Qty + 10 WHERE Id = 1');
    await run('CREATE INDEX Ix ON sHoP.oRdErS (Qty)');
    await checkpoint('altered');
    await run('USE Shop');
    await run('CREATE TABLE Items LIKE Orders');
    await run('INSERT INTO items SELECT * FROM ORDERS');
    await run('DELETE FROM Items WHERE Id = 2');
    await checkpoint('unqualified');
    await run('RENAME TABLE Shop.Orders TO Shop.Orders_Old, Shop.Items TO Shop.Orders, SHOP.orders_old TO shop.ITEMS');
    await run("INSERT INTO shop.orders VALUES (9, 'z', 9.99, 9)");
    await checkpoint('swapped');
    await run('TRUNCATE TABLE SHOP.Items');
    await run("INSERT INTO Shop.ITEMS VALUES (5, 'e', 5.00, 5)");
    await run('DROP TABLE shop.ORDERS');
    await run('CREATE TABLE Shop.Orders (Id INT PRIMARY KEY, Label VARCHAR(10))');
    await run("INSERT INTO Shop.Orders VALUES (1, 'new')");
    await checkpoint('re-created');
    end = await masterPosition(conn);
  }, 120_000);

  afterAll(async () => {
    await conn?.end();
    if (server) await destroyMariadb(server);
  });

  async function expectCheckpoints(store: string, label: string): Promise<void> {
    let compared = 0;
    for (const cp of checkpoints) {
      for (const [table, want] of cp.tables) {
        const got = parseJsonl(await exportTable(store, table, cp.position));
        compareRows(`${label}: ${table} at ${cp.position} (${cp.label})`, want.rows, got, want.keyed);
        compared++;
      }
    }
    // shop.orders at every checkpoint, shop.items from the third on.
    expect(compared).toBe(8);
  }

  async function expectSchemaOfServer(store: string, label: string): Promise<void> {
    for (const table of ['orders', 'items']) {
      const r = await inProcess(['schema', '--table', `shop.${table}`, '--json', '--store', store, '--log-level', 'warn']);
      expect(r.code, r.err).toBe(0);
      const body = JSON.parse(r.out) as { schema: Parameters<typeof binsnapCatalog>[0] | null };
      expect(binsnapCatalog(body.schema!), `${label}: shop.${table}`).toEqual(await serverCatalog(conn, 'shop', table));
    }
  }

  it('replay from the server and from the files with --lower-case-table-names 1 equals SELECT at every checkpoint', async () => {
    const fromServer = path.join(dir, 'server.db');
    const r1 = await inProcess(['replay', '--source', server.url, '--from', start, '--to', end, '--store', fromServer, '--log-level', 'warn']);
    expect(r1.code, r1.err).toBe(0);
    await expectCheckpoints(fromServer, 'from the server');
    await expectSchemaOfServer(fromServer, 'from the server');

    const fromFiles = path.join(dir, 'files.db');
    const r2 = await inProcess(['replay', '--binlog-dir', server.binlogDir!, '--lower-case-table-names', '1', '--from', start, '--to', end, '--store', fromFiles, '--log-level', 'warn']);
    expect(r2.code, r2.err).toBe(0);
    await expectCheckpoints(fromFiles, 'from the files');
    await expectSchemaOfServer(fromFiles, 'from the files');

    // The store keeps the names in lower case; a read command folds the name it is given.
    const status = await inProcess(['status', '--json', '--store', fromFiles]);
    expect((JSON.parse(status.out) as { tables: Array<{ table: string }> }).tables.map((t) => t.table).sort()).toEqual(['shop.items', 'shop.orders']);
    expect(parseJsonl(await exportTable(fromFiles, 'Shop.ORDERS', 'latest'))).toEqual([{ Id: 1, Label: 'new' }]);
  }, 120_000);

  it('from the files without the flag, the replay stops at the first DDL naming a table in another case, and names the flag', async () => {
    const r = await inProcess(['replay', '--binlog-dir', server.binlogDir!, '--from', start, '--to', end, '--store', path.join(dir, 'noflag.db'), '--log-level', 'warn']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('BINSNAP_E_DDL_UNKNOWN_TABLE');
    expect(r.err).toContain('ALTER TABLE of table SHOP.ORDERS');
    expect(r.err).toContain('--lower-case-table-names 1');
  });

  it('a store written under lower_case_table_names=1 refuses 0, and the flag may not contradict the server', async () => {
    const store = path.join(dir, 'refuse.db');
    const first = checkpoints[0]!.position;
    const r1 = await inProcess(['replay', '--source', server.url, '--from', start, '--to', first, '--store', store, '--log-level', 'warn']);
    expect(r1.code, r1.err).toBe(0);
    const r2 = await inProcess(['replay', '--binlog-dir', server.binlogDir!, '--lower-case-table-names', '0', '--from', first, '--to', end, '--store', store, '--log-level', 'warn']);
    expect(r2.code).toBe(3);
    expect(r2.err).toContain('BINSNAP_E_SOURCE_NAME_CASE');
    expect(r2.err).toContain('lower_case_table_names=1');
    const r3 = await inProcess(['replay', '--source', server.url, '--lower-case-table-names', '0', '--from', first, '--to', end, '--store', path.join(dir, 'contradict.db'), '--log-level', 'warn']);
    expect(r3.code).toBe(2);
    expect(r3.err).toContain('--lower-case-table-names 0 disagrees with the source server');
  });

  it('a seed of a mixed-case --tables, then the daemon, follow a mixed-case ALTER; verify finds the table', async () => {
    const store = path.join(dir, 'seed.db');
    const seeded = await inProcess(['seed', '--source', server.url, '--tables', 'SHOP.Orders', '--store', store, '--log-level', 'warn']);
    expect(seeded.code, seeded.err).toBe(0);
    await conn.query('ALTER TABLE Shop.Orders ADD COLUMN Extra INT DEFAULT 7');
    await conn.query("INSERT INTO SHOP.Orders VALUES (2, 'two', 8)");
    const until = await masterPosition(conn);
    const ran = await inProcess(['run', '--source', server.url, '--until', until, '--store', store, '--server-id', '7101', '--log-level', 'warn']);
    expect(ran.code, ran.err).toBe(0);
    const { rows } = await selectTableWithInfo(conn, 'shop', 'orders');
    expect(rows).toEqual([
      { Id: 1, Label: 'new', Extra: 7 },
      { Id: 2, Label: 'two', Extra: 8 },
    ]);
    compareRows('seed then run', rows, parseJsonl(await exportTable(store, 'shop.orders', 'latest')), true);
    const verified = await inProcess(['verify', '--source', server.url, '--tables', 'Shop.ORDERS', '--store', store, '--log-level', 'warn']);
    expect(verified.code, verified.err + verified.out).toBe(0);
    expect(verified.out).toContain('shop.orders');
  }, 60_000);
});
