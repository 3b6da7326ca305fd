/**
 * The read commands (export, schema, history, status) as users run them: the
 * built `bin/binsnap.js` as a child process, on a store file filled through
 * the store API (no server needed). Checks exit codes (0 ok, 1 unknown table,
 * 2 missing --table), the streams output goes to, and a pipe closed early.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG, makeStore, type TempStore } from '../../src/cli/commands/read-fixture.test-util.js';
import { txn, upsert } from '../../src/store/contract-fixtures.test-util.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/binsnap.js');
const built = existsSync(path.join(root, 'dist/bundle/main.js'));

function binsnap(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('binsnap export, schema, history, status (built binary)', () => {
  let s: TempStore;
  let big: TempStore;
  beforeAll(async () => {
    s = await makeStore();
    const rows = Array.from({ length: 20_000 }, (_, i) => upsert('d.big', { id: i }, { id: i, pad: 'p'.repeat(50) }, [1, 100, i]));
    big = await makeStore([txn({ start: [1, 4], commit: [1, 9000], rows })]);
  });
  afterAll(() => {
    s?.cleanup();
    big?.cleanup();
  });

  it('export writes JSON lines to stdout and the summary to stderr, exit 0', () => {
    const r = binsnap(['export', '--store', s.path, '--table', 'shop.sales']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        '{"id":1,"name":"renamed","price":"2.00","doc":null,"note":null}',
        '{"id":3,"name":"c","price":"3.00","doc":null,"note":"n"}',
        `{"id":"${BIG}","name":"quote \\"q\\"","price":"-0.50","doc":null}`,
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('exported 3 rows of shop.sales as of mysql-bin.000002:1300\n');
  });

  it('export --format csv --out --json writes the file and prints the summary object', () => {
    const out = path.join(s.dir, 'orders.csv');
    const r = binsnap(['export', '--store', s.path, '--table', 'shop.orders', '--at', 'mysql-bin.000001:600', '--format', 'csv', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ table: 'shop.orders', rows: 2, asOf: 'mysql-bin.000001:600', position: 'mysql-bin.000001:600', out });
    expect(readFileSync(out, 'utf8')).toBe(`id,name,price,doc\r\n1,"line\nbreak",2.00,"[1,""two""]"\r\n${BIG},"quote ""q""",-0.50,\r\n`);
  });

  it('an unknown table exits 1 with its code on stderr; a missing --table exits 2', () => {
    const unknown = binsnap(['export', '--store', s.path, '--table', 'shop.nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toBe('');
    expect(unknown.err).toContain('BINSNAP_E_STORE_TABLE_UNKNOWN');
    expect(unknown.err).toContain('shop.nope');
    for (const cmd of ['export', 'schema', 'history']) {
      const missing = binsnap([cmd, '--store', s.path]);
      expect(missing.code, cmd).toBe(2);
      expect(missing.err, cmd).toContain('BINSNAP_E_USAGE');
    }
  });

  it('schema, history and status print JSON with --json, exit 0', () => {
    const schema = binsnap(['schema', '--store', s.path, '--table', 'shop.orders', '--history', '--json']);
    expect(schema.code).toBe(0);
    expect((JSON.parse(schema.out) as Array<{ kind: string }>).map((v) => v.kind)).toEqual(['create', 'alter', 'rename']);
    const history = binsnap(['history', '--store', s.path, '--table', 'shop.sales', '--key', '{"id":1}', '--json']);
    expect(history.code).toBe(0);
    expect((JSON.parse(history.out) as Array<{ table: string; version: string }>).map((v) => `${v.table} ${v.version}`)).toEqual([
      'shop.orders 1:200:0',
      'shop.orders 1:500:0',
      'shop.sales 2:400:0',
    ]);
    const status = binsnap(['status', '--store', s.path, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ checkpoint: { position: 'mysql-bin.000002:1300', gtidSet: '0-1-9' } });
  });

  it('export into a pipe closed early (| head) ends quietly with exit 0', () => {
    const cmd = `node ${JSON.stringify(bin)} export --store ${JSON.stringify(big.path)} --table d.big | head -1`;
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { encoding: 'utf8' });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 0, pad: 'p'.repeat(50) });
  });
});
