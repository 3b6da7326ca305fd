import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { uncompressedColumn } from './compressed-column.js';

/** A cell as MariaDB writes it: header byte, big-endian length in `lengthBytes`, stream. */
function cell(value: Buffer, wrap: boolean, lengthBytes = value.length < 256 ? 1 : 2): Buffer {
  const length = Buffer.alloc(lengthBytes);
  length.writeUIntBE(value.length, 0, lengthBytes);
  return Buffer.concat([Buffer.from([0x80 | lengthBytes | (wrap ? 0 : 0x08)]), length, wrap ? deflateSync(value) : deflateRawSync(value)]);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isBinsnapError(err) ? err.code : 'not coded';
  }
  return undefined;
}

describe('uncompressedColumn', () => {
  const text = Buffer.from('abc'.repeat(200));

  it('inflates raw deflate (bit 3 set) and zlib-wrapped streams, with 1 to 4 length bytes', () => {
    for (const wrap of [false, true]) {
      for (const n of [2, 3, 4]) {
        const c = Buffer.concat([Buffer.from([9, 9]), cell(text, wrap, n)]);
        expect(uncompressedColumn(c, 2, c.length, 'a').equals(text)).toBe(true);
      }
    }
    const short = Buffer.from('é'.repeat(60));
    const c = cell(short, false, 1);
    expect(c[0]).toBe(0x89);
    expect(uncompressedColumn(c, 0, c.length, 'a').toString()).toBe(short.toString());
  });

  it('reads a value stored as is after a 0 byte, and nothing as the empty value', () => {
    const c = Buffer.from([0, 0x61, 0x62]);
    expect(uncompressedColumn(c, 0, 3, 'a').toString()).toBe('ab');
    expect(uncompressedColumn(c, 1, 1, 'a').length).toBe(0);
  });

  it('refuses other headers, damaged streams and a length the stream does not match, naming the column', () => {
    const good = cell(text, false, 2);
    expect(codeOf(() => uncompressedColumn(Buffer.from([0x40, 1]), 0, 2, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    expect(codeOf(() => uncompressedColumn(Buffer.from([0x90, 1, 1]), 0, 3, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    expect(codeOf(() => uncompressedColumn(Buffer.from([0x88, 1]), 0, 2, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    // A raw deflate stream has no checksum: a cut one is what can be told apart.
    expect(codeOf(() => uncompressedColumn(good, 0, good.length - 3, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    const wrapped = cell(text, true, 2);
    wrapped[wrapped.length - 1] = (wrapped[wrapped.length - 1] as number) ^ 0xff;
    expect(codeOf(() => uncompressedColumn(wrapped, 0, wrapped.length, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    const longer = Buffer.from(good);
    longer.writeUInt16BE(text.length + 1, 1);
    expect(codeOf(() => uncompressedColumn(longer, 0, longer.length, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    const shorter = Buffer.from(good);
    shorter.writeUInt16BE(text.length - 1, 1);
    expect(codeOf(() => uncompressedColumn(shorter, 0, shorter.length, 'a'))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    try {
      uncompressedColumn(longer, 0, longer.length, 'notes');
    } catch (err) {
      expect(isBinsnapError(err) && err.context['field']).toBe('notes');
    }
  });
});
