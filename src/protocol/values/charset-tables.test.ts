import { describe, expect, it } from 'vitest';
import { MULTI_BYTE_OVERRIDES, SINGLE_BYTE } from './charset-tables.js';
import { collationIdOfCharset, charsetOfCollation, decodeText } from './charsets.js';

function decode(charset: string, bytes: number[]): string {
  const cset = charsetOfCollation(collationIdOfCharset(charset));
  if (cset === undefined) throw new Error(`no charset ${charset}`);
  const b = Buffer.from(bytes);
  return decodeText(b, 0, b.length, cset, 'c');
}

describe("the decoders and MariaDB's conversion tables (charset-tables.ts)", () => {
  it('decode every byte of every single-byte charset as MariaDB converts it (latin1 included)', () => {
    let n = 0;
    for (const [charset, chars] of Object.entries(SINGLE_BYTE)) {
      for (let b = 0; b < 256; b++) {
        expect(decode(charset, [b]), `${charset} 0x${b.toString(16)}`).toBe(chars[b]);
        n++;
      }
    }
    expect(n).toBe(25 * 256);
  });

  it('decode every sequence of the multi-byte overrides as MariaDB does, alone and between other characters', () => {
    let n = 0;
    for (const [charset, runs] of Object.entries(MULTI_BYTE_OVERRIDES)) {
      for (let r = 0; r < runs.length; r += 3) {
        for (let k = 0; k < runs[r + 2]!; k++) {
          const key = runs[r]! + k;
          const bytes = key > 0xffff ? [key >> 16, (key >> 8) & 0xff, key & 0xff] : key > 0xff ? [key >> 8, key & 0xff] : [key];
          const want = String.fromCodePoint(runs[r + 1]! + k);
          expect(decode(charset, bytes), `${charset} 0x${key.toString(16)}`).toBe(want);
          expect(decode(charset, [0x41, ...bytes, 0x42]), `${charset} 0x${key.toString(16)} in text`).toBe(`A${want}B`);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10_000);
  });
});
