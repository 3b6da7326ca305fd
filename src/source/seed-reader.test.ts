import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import type { ColumnSchema } from '../core/schema.js';
import { fieldReader } from './row-values.js';
import { PacketCollector, RowParser, packetRows, sourceError, splitRange } from './seed-reader.js';

const source = { host: 'h', port: 3306, user: 'u', password: 'secret', ssl: undefined, redacted: 'mysql://u:***@h:3306' };

describe('splitRange', () => {
  it('covers every key with unbounded ends and no overlap', () => {
    expect(splitRange('id', 1n, 100n, 4)).toEqual([
      { column: 'id', to: 26n },
      { column: 'id', from: 26n, to: 51n },
      { column: 'id', from: 51n, to: 76n },
      { column: 'id', from: 76n },
    ]);
    expect(splitRange('id', 5n, 5n, 3)).toEqual([{ column: 'id' }]);
    expect(splitRange('id', 1n, 2n, 8)).toEqual([{ column: 'id', to: 2n }, { column: 'id', from: 2n }]);
    const big = splitRange('id', -9223372036854775808n, 18446744073709551615n, 2);
    expect(big).toHaveLength(2);
  });
});

describe('sourceError', () => {
  it('maps a refused privilege to exit 3, other server errors to exit 1', () => {
    const denied = sourceError(Object.assign(new Error('Access denied; you need RELOAD'), { code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' }), source, 'locking');
    expect(denied).toBeInstanceOf(BinsnapError);
    expect((denied as BinsnapError).code).toBe('BINSNAP_E_SOURCE_PRIVILEGE');
    expect((denied as BinsnapError).exitCode).toBe(3);
    const other = sourceError(Object.assign(new Error('Table definition has changed'), { code: 'ER_TABLE_DEF_CHANGED' }), source, 'reading d.t');
    expect((other as BinsnapError).exitCode).toBe(1);
    expect((other as BinsnapError).message).not.toContain('secret');
  });
});

describe('RowParser (text-protocol row packets)', () => {
  const col = (name: string, type: string): ColumnSchema => ({ name, type, unsigned: false, nullable: true });
  const columns = [col('id', 'int'), col('name', 'varchar'), col('b', 'blob'), col('big', 'bigint'), col('d', 'decimal')];
  const parser = (): RowParser => new RowParser(columns.map((c) => fieldReader(c, 'mariadb')), 'd.t');
  /** A row packet as mysql2 hands it over: `offset` after a 4-byte header, some bytes of other packets around it. */
  const packet = (fields: Array<Buffer | null>): { buffer: Buffer; offset: number; end: number } => {
    const parts: Buffer[] = [Buffer.from([9, 9, 9]), Buffer.alloc(4)];
    for (const f of fields) {
      if (f === null) parts.push(Buffer.from([0xfb]));
      else if (f.length < 0xfb) parts.push(Buffer.from([f.length]), f);
      else if (f.length < 0x10000) parts.push(Buffer.from([0xfc, f.length & 0xff, f.length >> 8]), f);
      else if (f.length < 0x1000000) parts.push(Buffer.from([0xfd, f.length & 0xff, (f.length >> 8) & 0xff, f.length >> 16]), f);
      else throw new Error('too long for the test');
    }
    const end = parts.reduce((n, p) => n + p.length, 0);
    parts.push(Buffer.from([7, 7]));
    return { buffer: Buffer.concat(parts), offset: 7, end };
  };
  const t = (s: string): Buffer => Buffer.from(s, 'utf8');

  it('reads every field by its column, NULLs included', () => {
    const p = parser();
    expect(p.next(packet([t('-2147483648'), t('Zoë'), Buffer.from([0, 255]), t('-9223372036854775808'), t('-0.50')]))).toEqual([
      -2147483648,
      'Zoë',
      'AP8=',
      '-9223372036854775808',
      '-0.50',
    ]);
    expect(p.next(packet([t('7'), null, null, t('123456789012345'), null]))).toEqual([7, null, null, 123456789012345, null]);
    expect(p.rows).toBe(2);
  });

  it('reads 2- and 3-byte field lengths, and long text with and without non-ASCII characters', () => {
    const p = parser();
    const ascii = 'x'.repeat(300);
    const accented = `${'é'.repeat(40_000)}!`;
    const bytes = Buffer.alloc(70_000, 1);
    expect(p.next(packet([t('1'), t(ascii), bytes, t('2'), t('3.00')]))).toEqual([1, ascii, bytes.toString('base64'), 2, '3.00']);
    expect(p.next(packet([t('1'), t(accented), null, t('2'), t('3.00')]))).toEqual([1, accented, null, 2, '3.00']);
    // Short ASCII text is cut from the row's one latin1 string; short non-ASCII text decoded as utf8.
    expect(p.next(packet([t('1'), t('abc'), null, t('2'), t('4')]))[1]).toBe('abc');
    expect(p.next(packet([t('1'), t('ab€'), null, t('2'), t('4')]))[1]).toBe('ab€');
  });

  it('refuses a packet with fewer or more fields than columns, or a field past its end, naming the table', () => {
    const p = parser();
    const expectMalformed = (pk: { buffer: Buffer; offset: number; end: number }): void => {
      try {
        p.next(pk);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(BinsnapError);
        expect((err as BinsnapError).code).toBe('BINSNAP_E_SOURCE_REPLICATION');
        expect((err as BinsnapError).message).toContain('d.t');
      }
    };
    expectMalformed(packet([t('1'), t('a'), null, t('2')]));
    expectMalformed(packet([t('1'), t('a'), null, t('2'), t('3'), t('4')]));
    const cut = packet([t('1'), t('abc'), null, t('2'), t('3')]);
    expectMalformed({ ...cut, end: cut.end - 1 });
    expect(p.rows).toBe(0);
  });
});

describe('row packets for another thread (PacketCollector, packetRows)', () => {
  /** A chunk as received: packets back to back, each behind its 4-byte header. */
  const chunk = (payloads: Buffer[]): { buffer: Buffer; views: { buffer: Buffer; offset: number; end: number }[] } => {
    const parts: Buffer[] = [];
    for (const [i, p] of payloads.entries()) parts.push(Buffer.from([p.length & 0xff, (p.length >> 8) & 0xff, p.length >> 16, i]), p);
    const buffer = Buffer.concat(parts);
    const views: { buffer: Buffer; offset: number; end: number }[] = [];
    let at = 0;
    for (const p of payloads) {
      views.push({ buffer, offset: at + 4, end: at + 4 + p.length });
      at += 4 + p.length;
    }
    return { buffer, views };
  };
  const payloads = (from: number, n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`row ${from + i} ${'x'.repeat((from + i) % 50)}`));
  const unpack = (c: PacketCollector): string[] => {
    const out: string[] = [];
    const taken = c.take();
    packetRows(taken, (p) => out.push(p.buffer.toString('utf8', p.offset, p.end)));
    return out;
  };

  it('hands out every payload in order: spans of one chunk, packets of another, and reassembled long ones', () => {
    const a = chunk(payloads(0, 5));
    const b = chunk(payloads(5, 3));
    // A packet reassembled from wire packets: a buffer of its own with a zeroed header in front.
    const long = Buffer.concat([Buffer.alloc(4), Buffer.from('long row')]);
    const c = new PacketCollector();
    for (const v of a.views.slice(0, 3)) c.next(v);
    c.next({ buffer: long, offset: 4, end: long.length });
    for (const v of a.views.slice(3)) c.next(v);
    for (const v of b.views) c.next(v);
    expect(c.bytes).toBeGreaterThan(0);
    expect(unpack(c)).toEqual([...payloads(0, 3), Buffer.from('long row'), ...payloads(3, 5)].map((p) => p.toString()));
    expect(c.bytes).toBe(0);
    // The next batch starts empty; a span may resume in the middle of a chunk.
    c.next(b.views[1]!);
    c.next(b.views[2]!);
    expect(unpack(c)).toEqual(payloads(6, 2).map((p) => p.toString()));
    expect(c.rows).toBe(11);
  });

  it('a packet whose header does not give its length is copied as a long row (never misframed)', () => {
    const a = chunk(payloads(0, 2));
    // Same buffer, but the view does not start right after a matching header.
    const odd = { buffer: a.buffer, offset: a.views[1]!.offset + 1, end: a.views[1]!.end };
    const c = new PacketCollector();
    c.next(a.views[0]!);
    c.next(odd);
    expect(unpack(c)).toEqual([payloads(0, 1)[0]!.toString(), payloads(1, 1)[0]!.subarray(1).toString()]);
  });
});
