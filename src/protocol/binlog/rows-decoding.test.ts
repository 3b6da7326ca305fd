/**
 * Rows decoding on real fixtures: TABLE_MAP optional metadata (names,
 * signedness, visibility, labels), values through the value decoder, MINIMAL
 * images (absent ≠ NULL), partial JSON updates, compressed transaction
 * payloads, and the caller's schema (names, mismatch errors).
 */
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { BinlogDecoder, type DecoderOptions } from './binlog-decoder.js';
import type { DecodedEvent, RowsEvent, TableMapEvent } from './events.js';
import { corpusAvailable, loadFixture } from './fixtures.test-util.js';

function decode(file: string, opts: Partial<DecoderOptions> = {}): DecodedEvent[] {
  const d = new BinlogDecoder({ fileName: 'fixture.000001', ...opts });
  const out = d.push(loadFixture(file));
  d.end();
  return out;
}
const rowsOf = (events: DecodedEvent[]) => events.filter((e): e is RowsEvent => e.kind === 'rows');
const mapsOf = (events: DecodedEvent[]) => events.filter((e): e is TableMapEvent => e.kind === 'table_map');

describe.skipIf(!corpusAvailable)('rows decoding', () => {
  it('uses TABLE_MAP optional metadata: names, signedness, visibility', () => {
    const events = decode('rust_mysql_common/binlog-invisible-columns.000001');
    const map = mapsOf(events)[0]!;
    expect(map.columns.map((c) => [c.name, c.unsigned, c.visible])).toEqual([
      ['f1', true, false],
      ['f2', true, false],
      ['f3', false, true],
      ['f4', undefined, true],
      ['f5', undefined, true],
      ['f6', expect.anything(), false],
    ]);
    const rows = rowsOf(events);
    expect(rows[0]!.columnNames).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect(rows[0]!.rows[0]!.after).toEqual([1, 2, -3, '4', 'BQ==', 6000000000]);
    expect(rows[2]!.rows[0]).toEqual({ before: [null, null, -33, '44', 'VQ==', null], after: [111, 222, -333, '444', 'VQ==', null] });
  });

  it('labels ENUM and SET from the metadata', () => {
    const rows = rowsOf(decode('rust_mysql_common/mysql-enum-string-set.000001'));
    const del = rows[2]!.rows[0]!.before!;
    expect(del.slice(0, 4)).toEqual(['field1', 'field_2', 'variant2', 'two,four']);
  });

  it('decodes negative TIME2 and VECTOR columns', () => {
    expect(rowsOf(decode('rust_mysql_common/time_issue.000001'))[0]!.rows[0]!.after).toEqual(['-507:48:27']);
    const v = rowsOf(decode('rust_mysql_common/vector.binlog'))[0]!;
    expect(v.rows.map((r) => r.after)).toEqual([
      [1, [1.1, 2.2, 3.3]],
      [2, [1, -1, 0]],
    ]);
  });

  it('keeps absent columns apart from NULL in MINIMAL images', () => {
    const rows = rowsOf(decode('rust_mysql_common/minimal_row_metadata.000001'));
    const images = rows.flatMap((e) => e.rows.flatMap((r) => [r.before, r.after]));
    expect(images.some((img) => img !== undefined && img.includes(undefined))).toBe(true);
  });

  it('carries JSON diffs of a partial update whose before image lacks the column', () => {
    const events = decode('rust_mysql_common/json.binlog.000001');
    const partial = rowsOf(events).find((e) => e.partial)!;
    expect(partial.type).toBe('PARTIAL_UPDATE_ROWS');
    const first = partial.rows[0]!;
    expect(first.before).toEqual([1, undefined, undefined, undefined]);
    expect(first.after?.[2]).toBe('Joe');
    expect('jsonDiffs' in first && first.jsonDiffs?.[0]?.column).toBe(1);
  });

  it('applies JSON diffs when the before image has the column (mdev35643)', () => {
    const events = decode('mariadb-test-data/std_data/mdev35643_mysql_80_binlog.000001');
    const partial = rowsOf(events).find((e) => e.partial)!;
    expect(partial.rows.length).toBeGreaterThan(0);
    const inner = rowsOf(events).filter((e) => e.inPayload);
    expect(inner.map((e) => e.rows[0]!.after![0])).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(new Set(inner.map((e) => e.pos.offset))).toEqual(new Set([1468n]));
  });

  it('names columns from the caller schema and refuses a schema that does not fit', () => {
    const file = 'go-mysql-server-base64/binlog_insert.txt';
    const names = ['id', 'name', 'email'];
    const rows = rowsOf(decode(file, { schema: () => names.map((name) => ({ name })) }));
    expect(rows[0]!.columnNames).toEqual(names);
    let err: unknown;
    try {
      decode(file, { schema: (db, table) => (db && table ? [{ name: 'only' }] : undefined) });
    } catch (e) {
      err = e;
    }
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_SCHEMA_MISMATCH');
    expect(isBinsnapError(err) && err.context.table).toBe('mydb.users');
    let typeErr: unknown;
    try {
      decode(file, { schema: () => [{ name: 'id', type: 246 }, { name: 'name' }, { name: 'email' }] });
    } catch (e) {
      typeErr = e;
    }
    expect(isBinsnapError(typeErr) && typeErr.code).toBe('BINSNAP_E_SCHEMA_MISMATCH');
  });

  it('names columns @1, @2… without schema or metadata', () => {
    const rows = rowsOf(decode('go-mysql-server-base64/binlog_insert.txt'));
    expect(rows[0]!.columnNames).toEqual(['@1', '@2', '@3']);
  });

  it('decodes MariaDB GTID and GTID_LIST events', () => {
    const events = decode('mariadb-poc/domain_id_1/mariadb-repl-bin.000002');
    const gtid = events.find((e) => e.kind === 'maria_gtid');
    expect(gtid).toMatchObject({ kind: 'maria_gtid', domainId: 1 });
    expect(events.some((e) => e.kind === 'maria_gtid_list')).toBe(true);
  });
});
