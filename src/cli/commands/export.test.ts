import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { txn, upsert } from '../../store/contract-fixtures.test-util.js';
import { openSqliteStore } from '../../store/index.js';
import { runExport } from './export.js';
import { BIG, makeStore, runCli, type TempStore } from './read-fixture.test-util.js';
import { fileSink } from './read-output.js';

let s: TempStore;
beforeEach(async () => {
  s = await makeStore();
});
afterEach(() => s.cleanup());

const exp = (...args: string[]) => runCli(['export', '--store', s.path, ...args]);

describe('binsnap export, jsonl', () => {
  it('writes one JSON object per row in key order as of a position (BIGINT beyond 2^53 sorts last, JSON values kept)', async () => {
    const r = await exp('--table', 'shop.orders', '--at', 'mysql-bin.000001:300');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        '{"id":1,"name":"a,b","price":"1.50","doc":{"k":[1,2],"s":"x\\"y"}}',
        '{"id":2,"name":"","price":"0.00","doc":null}',
        `{"id":"${BIG}","name":"quote \\"q\\"","price":"-0.50","doc":null}`,
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('exported 3 rows of shop.orders as of mysql-bin.000001:300\n');
  });

  it('a position inside a transaction shows the state before it; later commits show updates and deletes', async () => {
    const inside = await exp('--table', 'shop.orders', '--at', 'mysql-bin.000001:599');
    expect(inside.out.split('\n').filter(Boolean)).toHaveLength(3);
    expect(inside.err).toBe('exported 3 rows of shop.orders as of mysql-bin.000001:300\n');
    const after = await exp('--table', 'shop.orders', '--at', 'mysql-bin.000001:600');
    expect(after.out).toBe(`{"id":1,"name":"line\\nbreak","price":"2.00","doc":[1,"two"]}\n{"id":"${BIG}","name":"quote \\"q\\"","price":"-0.50","doc":null}\n`);
  });

  it('--at an ISO instant picks the last transaction committed at or before it', async () => {
    // minute(1) = 03:05:05 commits mysql-bin.000001:600; 03:05:59 is before minute(2).
    const r = await exp('--table', 'shop.orders', '--at', '2026-01-02T03:05:59Z');
    expect(r.err).toBe('exported 2 rows of shop.orders as of mysql-bin.000001:600\n');
  });

  it('latest follows a rename: the new name has the old rows plus its own, the old name is empty', async () => {
    const r = await exp('--table', 'shop.sales');
    expect(r.out).toBe(
      [
        '{"id":1,"name":"renamed","price":"2.00","doc":null,"note":null}',
        '{"id":3,"name":"c","price":"3.00","doc":null,"note":"n"}',
        `{"id":"${BIG}","name":"quote \\"q\\"","price":"-0.50","doc":null}`,
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('exported 3 rows of shop.sales as of mysql-bin.000002:1300\n');
    const old = await exp('--table', 'shop.orders', '--at', 'latest');
    expect(old.code).toBe(0);
    expect(old.out).toBe('');
  });

  it('a table without primary key is a multiset: duplicates once per occurrence, a truncate empties it', async () => {
    const before = await exp('--table', 'shop.log', '--at', 'mysql-bin.000002:800');
    expect(before.out).toBe('{"msg":"x","n":1,"v":[0.5,1]}\n{"msg":"x","n":1,"v":[0.5,1]}\n{"msg":"y","n":2,"v":null}\n');
    const latest = await exp('--table', 'shop.log');
    expect(latest.out).toBe('{"msg":"z","n":3,"v":[2,3]}\n');
  });

  it('--at before the first stored transaction exports an empty table and logs a warning', async () => {
    const r = await exp('--table', 'shop.orders', '--at', 'mysql-bin.000001:4');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toBe('exported 0 rows of shop.orders as of no stored transaction (before the first one)\n');
    expect(JSON.parse(r.logs)).toMatchObject({ level: 40, table: 'shop.orders', at: 'mysql-bin.000001:4' });
  });
});

describe('binsnap export, csv', () => {
  it('RFC 4180: header from the schema as of --at, CRLF, quoting, NULL empty, empty string "", JSON as text', async () => {
    const r = await exp('--table', 'shop.orders', '--format', 'csv', '--at', 'mysql-bin.000001:300');
    expect(r.out).toBe(
      [
        'id,name,price,doc',
        '1,"a,b",1.50,"{""k"":[1,2],""s"":""x\\""y""}"',
        '2,"",0.00,',
        `${BIG},"quote ""q""",-0.50,`,
        '',
      ].join('\r\n'),
    );
  });

  it('a column added later is in the header; older rows leave it empty; a newline is quoted', async () => {
    const r = await exp('--table', 'shop.orders', '--format', 'csv', '--at', 'mysql-bin.000001:1200');
    expect(r.out).toBe(
      ['id,name,price,doc,note', '1,"line\nbreak",2.00,"[1,""two""]",', '3,c,3.00,,n', `${BIG},"quote ""q""",-0.50,,`, ''].join('\r\n'),
    );
  });

  it('VECTOR values as JSON arrays; a table with no stored schema takes the union of row keys in first-seen order', async () => {
    const log = await exp('--table', 'shop.log', '--format', 'csv', '--at', 'mysql-bin.000002:1000');
    expect(log.out).toBe('msg,n,v\r\nx,1,"[0.5,1]"\r\ny,2,\r\n');
    const raw = await exp('--table', 'shop.raw', '--format', 'csv');
    expect(raw.out).toBe('a,b\r\n1,\r\n2,x\r\n');
  });
});

describe('binsnap export, errors and files', () => {
  it('--table is required (exit 2), parquet is not built (exit 2), an unknown table exits 1 naming it', async () => {
    const missing = await exp();
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('BINSNAP_E_USAGE');
    const parquet = await exp('--table', 'shop.sales', '--format', 'parquet');
    expect(parquet.code).toBe(2);
    expect(parquet.err).toContain('BINSNAP_E_NOT_IMPLEMENTED: --format parquet is not built yet in this version; jsonl and csv are');
    const unknown = await exp('--table', 'shop.nope', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err)).toMatchObject({ error: { code: 'BINSNAP_E_STORE_TABLE_UNKNOWN', context: { table: 'shop.nope' } } });
  });

  it('an empty store is BINSNAP_E_STORE_EMPTY; a missing store file is not created', async () => {
    const empty = await makeStore([]);
    try {
      const r = await runCli(['export', '--store', empty.path, '--table', 'shop.sales']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('BINSNAP_E_STORE_EMPTY');
    } finally {
      empty.cleanup();
    }
    const absent = path.join(s.dir, 'absent.db');
    const r = await runCli(['export', '--store', absent, '--table', 'shop.sales']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('BINSNAP_E_STORE_OPEN');
    expect(existsSync(absent)).toBe(false);
  });

  it('--out writes the file whole and leaves no temporary file; --json prints a summary', async () => {
    const out = path.join(s.dir, 'out', 'sales.csv');
    mkdirSync(path.dirname(out));
    const r = await exp('--table', 'shop.sales', '--format', 'csv', '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ table: 'shop.sales', rows: 3, asOf: 'latest', position: 'mysql-bin.000002:1300', out });
    expect(r.err).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(`id,name,price,doc,note\r\n1,renamed,2.00,,\r\n3,c,3.00,,n\r\n${BIG},"quote ""q""",-0.50,,\r\n`);
    expect(readdirSync(path.dirname(out))).toEqual(['sales.csv']);
  });

  it('a failed export leaves neither the file nor a temporary file; an unwritable --out is a configuration error', async () => {
    const dir = path.join(s.dir, 'fail');
    mkdirSync(dir);
    const r = await exp('--table', 'shop.nope', '--out', path.join(dir, 'x.jsonl'));
    expect(r.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
    const bad = await exp('--table', 'shop.sales', '--out', path.join(s.dir, 'no-such-dir', 'x.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('BINSNAP_E_CONFIG_INVALID');
    expect(bad.err).toContain('--out');
  });

  it('on a TTY with --out shows progress on stderr, then the summary', async () => {
    const big = await makeStore([
      txn({ start: [1, 4], commit: [1, 9000], rows: Array.from({ length: 600 }, (_, i) => upsert('d.big', { id: i }, { id: i }, [1, 100, i])) }),
    ]);
    try {
      const out = path.join(big.dir, 'big.jsonl');
      const r = await runCli(['export', '--store', big.path, '--table', 'd.big', '--out', out], { interactive: true });
      expect(r.code).toBe(0);
      // The 512-row update shows only when 250 ms passed since the first one.
      const progress = r.err.startsWith('\rexporting d.big: 256 rows\rexporting d.big: 512 rows') ? 2 : 1;
      const lines = ['\rexporting d.big: 256 rows', '\rexporting d.big: 512 rows'].slice(0, progress).join('');
      expect(r.err).toBe(`${lines}\r\u001b[Kexported 600 rows of d.big as of mysql-bin.000001:9000\n`);
      expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(601);
    } finally {
      big.cleanup();
    }
  });

  it('respects backpressure on a slow standard output and ends quietly when the reader closes the pipe', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => upsert('d.big', { id: i }, { id: i, pad: 'p'.repeat(100) }, [1, 100, i]));
    const big = await makeStore([txn({ start: [1, 4], commit: [1, 9000], rows })]);
    try {
      let bytes = 0;
      let writes = 0;
      let maxBuffered = 0;
      const slow: Writable = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          writes++;
          maxBuffered = Math.max(maxBuffered, slow.writableLength);
          setImmediate(cb);
        },
      });
      const r = await runCli(['export', '--store', big.path, '--table', 'd.big'], { stdout: slow });
      expect(r.code).toBe(0);
      expect(writes).toBeGreaterThan(5);
      // Without waiting for 'drain' the whole ~550 KB would queue up; with it, at most one 64 KB chunk.
      expect(maxBuffered).toBeLessThan(70_000);
      expect(bytes).toBe(rows.reduce((n, c) => n + JSON.stringify(c.values).length + 1, 0));

      let accepted = 0;
      const closing = new Writable({
        highWaterMark: 1024,
        write(_chunk: Buffer, _enc, cb) {
          accepted++;
          if (accepted < 3) return setImmediate(cb);
          cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        },
      });
      const closed = await runCli(['export', '--store', big.path, '--table', 'd.big'], { stdout: closing });
      expect(closed.code).toBe(0);
      expect(closed.err).toBe('');
      expect(accepted).toBe(3);
    } finally {
      big.cleanup();
    }
  });

  it('an aborted export stops and, discarded, leaves no file', async () => {
    const store = await openSqliteStore({ path: s.path, create: false });
    try {
      const target = path.join(s.dir, 'aborted.jsonl');
      const sink = await fileSink(target);
      const controller = new AbortController();
      controller.abort();
      const r = await runExport(store, { table: 'shop.sales', asOf: { kind: 'latest' }, format: 'jsonl', signal: controller.signal }, sink);
      expect(r).toMatchObject({ rows: 0, stopped: 'interrupted' });
      expect(readdirSync(s.dir).filter((f) => f.includes('aborted'))).toHaveLength(1); // the temporary file
      await sink.discard();
      expect(readdirSync(s.dir).filter((f) => f.includes('aborted'))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
