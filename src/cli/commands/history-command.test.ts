import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyInSchemaOrder } from './history-command.js';
import { BIG, LOG, makeStore, ORDERS, runCli, type TempStore } from './read-fixture.test-util.js';

let s: TempStore;
beforeAll(async () => {
  s = await makeStore();
});
afterAll(() => s.cleanup());

const history = (...args: string[]) => runCli(['history', '--store', s.path, ...args]);

describe('binsnap history', () => {
  it('lists every version of a row through a rename, oldest first, with the name it had', async () => {
    const r = await history('--table', 'shop.sales', '--key', '{"id":1}');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'shop.sales key {"id":1}: 3 versions',
        'upsert 1:200:0  committed at mysql-bin.000001:300, 2026-01-02T03:04:05.000Z, gtid 0-1-1, as shop.orders',
        '  {"id":1,"name":"a,b","price":"1.50","doc":{"k":[1,2],"s":"x\\"y"}}',
        'upsert 1:500:0  committed at mysql-bin.000001:600, 2026-01-02T03:05:05.000Z, gtid 0-1-2, as shop.orders',
        '  {"id":1,"name":"line\\nbreak","price":"2.00","doc":[1,"two"]}',
        'upsert 2:400:0  committed at mysql-bin.000002:500, 2026-01-02T03:09:05.000Z, gtid 0-1-6',
        '  {"id":1,"name":"renamed","price":"2.00","doc":null,"note":null}',
        '',
      ].join('\n'),
    );
  });

  it('--json: an array of versions; a BIGINT key beyond 2^53 given as a string', async () => {
    const r = await history('--table', 'shop.sales', '--key', `{"id":"${BIG}"}`, '--json');
    expect(JSON.parse(r.out)).toEqual([
      {
        table: 'shop.orders',
        op: 'upsert',
        version: '1:200:1',
        eventPosition: 'mysql-bin.000001:200',
        commitPosition: 'mysql-bin.000001:300',
        commitTime: '2026-01-02T03:04:05.000Z',
        gtid: '0-1-1',
        values: { id: BIG, name: 'quote "q"', price: '-0.50', doc: null },
      },
    ]);
  });

  it('shows deletes; a whole-row key (no primary key) matches given in any column order', async () => {
    const deleted = await history('--table', 'shop.orders', '--key', '{"id":2}', '--json');
    // The old name is empty after the rename: its current incarnation has no versions.
    expect(JSON.parse(deleted.out)).toEqual([]);
    const log = await history('--table', 'shop.log', '--key', '{"v":[0.5,1],"n":1,"msg":"x"}');
    expect(log.out).toBe(
      [
        'shop.log key {"msg":"x","n":1,"v":[0.5,1]}: 3 versions',
        'upsert 2:700:0  committed at mysql-bin.000002:800, 2026-01-02T03:10:05.000Z, gtid 0-1-7',
        '  {"msg":"x","n":1,"v":[0.5,1]}',
        'upsert 2:700:1  committed at mysql-bin.000002:800, 2026-01-02T03:10:05.000Z, gtid 0-1-7',
        '  {"msg":"x","n":1,"v":[0.5,1]}',
        'delete 2:950:0  committed at mysql-bin.000002:1000, 2026-01-02T03:11:05.000Z, gtid 0-1-8',
        '  (deleted)',
        '',
      ].join('\n'),
    );
  });

  it('a key that matches nothing: "no versions", exit 0; --json []', async () => {
    const r = await history('--table', 'shop.sales', '--key', '{"id":99}');
    expect(r.code).toBe(0);
    expect(r.out).toBe('no versions of shop.sales key {"id":99}\n');
    expect((await history('--table', 'shop.sales', '--key', '{"id":99}', '--json')).out).toBe('[]\n');
  });

  it('usage errors: no --table, no --key, a key that is not the primary key; unknown table exits 1', async () => {
    expect((await history('--key', '{"id":1}')).code).toBe(2);
    const noKey = await history('--table', 'shop.sales');
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('BINSNAP_E_USAGE');
    const wrong = await history('--table', 'shop.sales', '--key', '{"name":"c"}');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--key must give exactly the primary key columns of shop.sales: id');
    const unknown = await history('--table', 'shop.nope', '--key', '{"id":1}');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('BINSNAP_E_STORE_TABLE_UNKNOWN');
  });
});

describe('keyInSchemaOrder', () => {
  it('orders key columns as the schema does, and passes keys through without a schema', () => {
    const pk2 = { ...ORDERS, primaryKey: ['price', 'id'] };
    expect(Object.keys(keyInSchemaOrder('shop.orders', { id: 1, price: '2.00' }, pk2))).toEqual(['price', 'id']);
    expect(Object.keys(keyInSchemaOrder('shop.log', { n: 1, v: null, msg: 'x' }, LOG))).toEqual(['msg', 'n', 'v']);
    expect(keyInSchemaOrder('shop.log', { msg: 'x' }, LOG)).toEqual({ msg: 'x' });
    expect(Object.keys(keyInSchemaOrder('d.t', { b: 1, a: 2 }, null))).toEqual(['b', 'a']);
  });
});
