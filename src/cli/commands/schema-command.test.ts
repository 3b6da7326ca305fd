import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, ORDERS, ORDERS_V2, runCli, SALES, type TempStore } from './read-fixture.test-util.js';

let s: TempStore;
beforeAll(async () => {
  s = await makeStore();
});
afterAll(() => s.cleanup());

const schema = (...args: string[]) => runCli(['schema', '--store', s.path, ...args]);

describe('binsnap schema', () => {
  it('prints the schema as of latest as a CREATE TABLE listing with the change that made it', async () => {
    const r = await schema('--table', 'shop.sales');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        '-- shop.sales as of mysql-bin.000002:1300',
        '-- made by rename at mysql-bin.000002:200, 2026-01-02T03:08:05.000Z, gtid 0-1-5:',
        '--   RENAME TABLE orders TO sales',
        'CREATE TABLE `shop`.`sales` (',
        '  `id` bigint unsigned NOT NULL,',
        '  `name` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,',
        '  `price` decimal(10,2) NOT NULL,',
        '  `doc` json NULL,',
        '  `note` text CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,',
        '  PRIMARY KEY (`id`),',
        '  UNIQUE KEY `uk_name` (`name`)',
        ') DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci',
        '',
      ].join('\n'),
    );
  });

  it('--at a position before the ALTER shows the created schema; a multi-line DDL stays commented', async () => {
    const created = await schema('--table', 'shop.orders', '--at', 'mysql-bin.000001:899');
    expect(created.out.split('\n').slice(0, 4)).toEqual([
      '-- shop.orders as of mysql-bin.000001:600',
      '-- made by create at mysql-bin.000001:300, 2026-01-02T03:04:05.000Z, gtid 0-1-1:',
      '--   CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, …)',
      'CREATE TABLE `shop`.`orders` (',
    ]);
    expect(created.out).not.toContain('`note`');
    const altered = await schema('--table', 'shop.orders', '--at', 'mysql-bin.000001:900');
    expect(altered.out.split('\n').slice(1, 4)).toEqual([
      '-- made by alter at mysql-bin.000001:900, 2026-01-02T03:06:05.000Z, gtid 0-1-3:',
      '--   ALTER TABLE orders',
      '--     ADD COLUMN note TEXT',
    ]);
  });

  it('--json as of an instant', async () => {
    const r = await schema('--table', 'shop.orders', '--at', '2026-01-02T03:06:05Z', '--json');
    expect(JSON.parse(r.out)).toEqual({
      table: 'shop.orders',
      asOf: '2026-01-02T03:06:05.000Z',
      resolved: 'mysql-bin.000001:900',
      position: 'mysql-bin.000001:900',
      commitTime: '2026-01-02T03:06:05.000Z',
      gtid: '0-1-3',
      kind: 'alter',
      ddl: 'ALTER TABLE orders\n  ADD COLUMN note TEXT',
      schema: ORDERS_V2,
    });
  });

  it('says when the table was renamed away or dropped as of --at, and when nothing is stored yet', async () => {
    const renamed = await schema('--table', 'shop.orders');
    expect(renamed.out).toBe(
      'shop.orders does not exist as of mysql-bin.000002:1300: renamed away (rename at mysql-bin.000002:200, 2026-01-02T03:08:05.000Z, gtid 0-1-5) by\n  RENAME TABLE orders TO sales\n',
    );
    const dropped = await schema('--table', 'shop.tmp', '--json');
    expect(JSON.parse(dropped.out)).toMatchObject({ table: 'shop.tmp', kind: 'drop', ddl: 'DROP TABLE tmp', schema: null, position: 'mysql-bin.000002:1300' });
    expect((await schema('--table', 'shop.tmp')).out).toMatch(/^shop\.tmp does not exist as of mysql-bin\.000002:1300: dropped \(drop at /);
    const before = await schema('--table', 'shop.orders', '--at', 'mysql-bin.000001:4');
    expect(before.out).toBe('no schema of shop.orders is stored as of no stored transaction (before the first one)\n');
    const none = await schema('--table', 'shop.raw', '--json');
    expect(JSON.parse(none.out)).toEqual({
      table: 'shop.raw',
      asOf: 'latest',
      resolved: 'mysql-bin.000002:1300',
      position: null,
      commitTime: null,
      gtid: null,
      kind: null,
      ddl: null,
      schema: null,
    });
  });

  it('marks a table without primary key', async () => {
    const r = await schema('--table', 'shop.log');
    expect(r.out).toContain('  `v` vector(2) NULL\n)\n-- no primary key: rows are kept as a multiset of whole rows\n');
    expect(r.out).toContain('-- made by truncate at mysql-bin.000002:1300');
  });

  it('--history lists every version with kind, position, time, GTID and DDL', async () => {
    const r = await schema('--table', 'shop.orders', '--history');
    expect(r.out).toBe(
      [
        'schema history of shop.orders: 3 versions',
        '1. create at mysql-bin.000001:300, 2026-01-02T03:04:05.000Z, gtid 0-1-1',
        '   CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, …)',
        '2. alter at mysql-bin.000001:900, 2026-01-02T03:06:05.000Z, gtid 0-1-3',
        '   ALTER TABLE orders',
        '     ADD COLUMN note TEXT',
        '3. rename at mysql-bin.000002:200, 2026-01-02T03:08:05.000Z, gtid 0-1-5 (the name no longer exists after it)',
        '   RENAME TABLE orders TO sales',
        '',
      ].join('\n'),
    );
    const json = await schema('--table', 'shop.orders', '--history', '--json');
    expect(JSON.parse(json.out)).toEqual([
      {
        table: 'shop.orders',
        kind: 'create',
        seq: 0,
        position: 'mysql-bin.000001:300',
        commitTime: '2026-01-02T03:04:05.000Z',
        gtid: '0-1-1',
        ddl: 'CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, …)',
        schema: ORDERS,
      },
      { table: 'shop.orders', kind: 'alter', seq: 0, position: 'mysql-bin.000001:900', commitTime: '2026-01-02T03:06:05.000Z', gtid: '0-1-3', ddl: 'ALTER TABLE orders\n  ADD COLUMN note TEXT', schema: ORDERS_V2 },
      { table: 'shop.orders', kind: 'rename', seq: 0, position: 'mysql-bin.000002:200', commitTime: '2026-01-02T03:08:05.000Z', gtid: '0-1-5', ddl: 'RENAME TABLE orders TO sales', schema: null },
    ]);
    const sales = await schema('--table', 'shop.sales', '--history', '--json');
    expect(JSON.parse(sales.out)).toMatchObject([{ kind: 'rename', seq: 1, schema: SALES }]);
  });

  it('--table is required; an unknown table exits 1', async () => {
    const missing = await schema();
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('BINSNAP_E_USAGE');
    const unknown = await schema('--table', 'shop.nope', '--history');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('BINSNAP_E_STORE_TABLE_UNKNOWN: the store holds no table shop.nope');
  });
});
