import { describe, expect, it } from 'vitest';
import { ColumnType as T, type ColumnDecodeInfo } from './column.js';
import { readValue, realTypeOf } from './decode-value.js';

const col = (type: number, meta: number, collation: number | undefined, extra: Partial<ColumnDecodeInfo> = {}): ColumnDecodeInfo => ({
  type,
  meta,
  unsigned: false,
  collation,
  name: 'c',
  ...extra,
});
const prefixed = (bytes: Buffer | number[], size = 1): Buffer => {
  const b = Buffer.from(bytes);
  const p = Buffer.alloc(size);
  p.writeUIntLE(b.length, 0, size);
  return Buffer.concat([p, b]);
};
const read = (buf: Buffer, c: ColumnDecodeInfo): unknown => readValue(buf, 0, c).value;

describe('VARCHAR, CHAR and TEXT by character set', () => {
  it('decodes utf8mb4 and utf8mb3', () => {
    const s = 'héllo 😀';
    expect(read(prefixed(Buffer.from(s)), col(T.VARCHAR, 40, 45))).toBe(s);
    expect(read(prefixed(Buffer.from('añb')), col(T.VARCHAR, 30, 33))).toBe('añb');
    expect(read(prefixed(Buffer.from(s)), col(T.VARCHAR, 40, 255))).toBe(s); // utf8mb4_0900_ai_ci
    expect(read(prefixed(Buffer.from(s)), col(T.VARCHAR, 40, 2304))).toBe(s); // MariaDB uca1400
    expect(read(prefixed(Buffer.from(s)), col(T.VARCHAR, 40, 1069))).toBe(s); // MariaDB nopad
  });

  it('uses a 2-byte length when the max length is over 255', () => {
    const text = 'x'.repeat(300);
    const buf = prefixed(Buffer.from(text), 2);
    expect(readValue(buf, 0, col(T.VARCHAR, 1200, 45))).toEqual({ value: text, end: 302 });
    expect(readValue(prefixed(Buffer.from('ab'), 2), 0, col(T.VARCHAR, 256, 45))).toEqual({ value: 'ab', end: 4 });
  });

  it('decodes MySQL latin1 as Windows-1252 (0x80 is €)', () => {
    expect(read(prefixed([0x80, 0x41, 0xe9, 0x9f, 0x81]), col(T.VARCHAR, 10, 8))).toBe('€Aé\u0178\u0081');
    expect(read(prefixed([0x63, 0x61, 0x66, 0xe9]), col(T.VARCHAR, 10, 8))).toBe('café');
  });

  it('decodes the other character sets', () => {
    expect(read(prefixed([0x00, 0x41, 0x04, 0x10]), col(T.VARCHAR, 10, 35))).toBe('AА'); // ucs2 BE
    expect(read(prefixed([0xd8, 0x3d, 0xde, 0x00]), col(T.VARCHAR, 10, 54))).toBe('😀'); // utf16 BE
    expect(read(prefixed([0x3d, 0xd8, 0x00, 0xde]), col(T.VARCHAR, 10, 56))).toBe('😀'); // utf16le
    expect(read(prefixed([0, 1, 0xf6, 0]), col(T.VARCHAR, 10, 60))).toBe('😀'); // utf32 BE
    expect(read(prefixed([0xc4, 0xe3, 0xba, 0xc3]), col(T.VARCHAR, 10, 28))).toBe('你好'); // gbk
    expect(read(prefixed([0x82, 0xa0]), col(T.VARCHAR, 10, 95))).toBe('あ'); // cp932
    expect(read(prefixed([0xc0]), col(T.VARCHAR, 10, 51))).toBe('А'); // cp1251
    expect(read(prefixed([0xd0, 0x80]), col(T.VARCHAR, 10, 30))).toBe('Ğ\u0080'); // latin5 = ISO-8859-9
    expect(read(prefixed([0x5b, 0x41]), col(T.VARCHAR, 10, 10))).toBe('ÄA'); // swe7
    expect(read(prefixed(Buffer.from('plain')), col(T.VARCHAR, 10, 11))).toBe('plain'); // ascii
    expect(read(prefixed(Buffer.from('plain')), col(T.VARCHAR, 10, 4))).toBe('plain'); // cp850
  });

  it('decodes the DOS, DEC, Armenian and Georgian charsets by the tables MariaDB converts them with', () => {
    expect(read(prefixed([0x80, 0x81]), col(T.VARCHAR, 10, 4))).toBe('Çü'); // cp850
    expect(read(prefixed([0x85]), col(T.VARCHAR, 10, 40))).toBe('ů'); // cp852
    expect(read(prefixed([0x80]), col(T.VARCHAR, 10, 37))).toBe('Č'); // keybcs2 (Kamenický)
    expect(read(prefixed([0xe9]), col(T.VARCHAR, 10, 3))).toBe('é'); // dec8
    expect(read(prefixed([0xb2]), col(T.VARCHAR, 10, 32))).toBe('Ա'); // armscii8
    expect(read(prefixed([0xc0]), col(T.VARCHAR, 10, 92))).toBe('ა'); // geostd8
    expect(read(prefixed([0x80]), col(T.VARCHAR, 10, 10))).toBe('?'); // swe7 is 7-bit: SELECT shows ?
  });

  it('decodes the CJK sequences MariaDB converts otherwise than the WHATWG decoders, within ordinary text', () => {
    // big5 (1): 日本語 then ETEN katakana テキスト (the WHATWG big5 puts them in the private use area).
    expect(read(prefixed([0xa4, 0xe9, 0xa5, 0xbb, 0xbb, 0x79, 0xc7, 0x5e, 0xc7, 0x45, 0xc7, 0x51, 0xc7, 0x60]), col(T.VARCHAR, 40, 1))).toBe('日本語テキスト');
    // euckr (19): CP949's extended Hangul 갂 (0x8141), then 한 in plain EUC-KR.
    expect(read(prefixed([0x81, 0x41, 0xc7, 0xd1, 0x41]), col(T.VARCHAR, 40, 19))).toBe('갂한A');
    // sjis (13): 0x815F is a backslash and 0x8160 a wave dash in MariaDB's Shift-JIS.
    expect(read(prefixed([0x81, 0x5f, 0x81, 0x60, 0x82, 0xa0]), col(T.VARCHAR, 40, 13))).toBe('\\〜あ');
    // ujis (12): 0xA1C0 is a backslash too; a trailing lead byte alone stays the decoder's.
    expect(read(prefixed([0xa1, 0xc0, 0xa4, 0xa2]), col(T.VARCHAR, 40, 12))).toBe('\\あ');
  });

  it('decodes CHAR with 1- and 2-byte lengths (long CHAR metadata trick)', () => {
    const meta = realTypeOf(T.STRING, 0xfe28).meta;
    expect(read(prefixed(Buffer.from('abc')), col(T.STRING, meta, 45))).toBe('abc');
    const long = 0xce00 | (1020 & 0xff); // CHAR(255) utf8mb4, raw TABLE_MAP meta
    const text = 'é'.repeat(200);
    expect(read(prefixed(Buffer.from(text), 2), col(T.STRING, long, 45))).toBe(text);
    expect(read(prefixed(Buffer.from(text), 2), col(T.STRING, realTypeOf(T.STRING, long).meta, 45))).toBe(text);
  });

  it('decodes TEXT by pack length', () => {
    const t = 'long text';
    expect(read(prefixed(Buffer.from(t), 2), col(T.BLOB, 2, 45))).toBe(t);
    expect(read(prefixed(Buffer.from(t), 4), col(T.BLOB, 4, 45))).toBe(t);
    expect(read(prefixed(Buffer.from(t), 3), col(T.BLOB, 3, 8))).toBe(t);
    expect(read(prefixed(Buffer.from(t), 1), col(T.BLOB, 1, 45))).toBe(t);
  });

  it('falls back to utf8 for CHAR/VARCHAR with an unknown collation', () => {
    expect(read(prefixed(Buffer.from('ñ')), col(T.VARCHAR, 10, undefined))).toBe('ñ');
    expect(read(prefixed(Buffer.from('ñ')), col(T.STRING, 10, 4000))).toBe('ñ');
  });
});

describe('binary strings', () => {
  it('base64-encodes VARBINARY and BLOB', () => {
    const bytes = [0, 1, 2, 0xff];
    expect(read(prefixed(bytes), col(T.VARCHAR, 10, 63))).toBe('AAEC/w==');
    expect(read(prefixed(bytes, 2), col(T.BLOB, 2, 63))).toBe('AAEC/w==');
    expect(read(prefixed(bytes, 2), col(T.BLOB, 2, undefined))).toBe('AAEC/w==');
  });

  it('pads BINARY(n) back to n bytes with 0x00', () => {
    expect(read(prefixed([0x61, 0x62]), col(T.STRING, 4, 63))).toBe(Buffer.from([0x61, 0x62, 0, 0]).toString('base64'));
    expect(read(prefixed([]), col(T.STRING, 3, 63))).toBe('AAAA');
    expect(read(prefixed([1, 2, 3]), col(T.STRING, 3, 63))).toBe('AQID');
    // MariaDB INET6/UUID travel as BINARY(16): base64 of the 16 bytes.
    expect(read(prefixed([0x20, 0x01, 0x0d, 0xb8]), col(T.STRING, 16, 63))).toBe(
      Buffer.concat([Buffer.from([0x20, 0x01, 0x0d, 0xb8]), Buffer.alloc(12)]).toString('base64'),
    );
  });

  it('base64-encodes GEOMETRY (SRID + WKB)', () => {
    const wkb = Buffer.from('000000000101000000000000000000f03f0000000000000040', 'hex');
    expect(readValue(prefixed(wkb, 4), 0, col(T.GEOMETRY, 4, 63))).toEqual({ value: wkb.toString('base64'), end: 4 + wkb.length });
  });

  it('reports a length that runs past the buffer', () => {
    expect(() => read(Buffer.from([5, 0x61]), col(T.VARCHAR, 10, 45))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => read(Buffer.from([5, 0, 0]), col(T.BLOB, 4, 45))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
  });
});

describe('ENUM and SET', () => {
  const enumLabels = ['small', 'medium', 'large'];
  const setLabels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  it('maps ENUM indexes to labels, 0 to ""', () => {
    expect(read(Buffer.from([2]), col(T.ENUM, 1, 45, { enumLabels }))).toBe('medium');
    expect(read(Buffer.from([0]), col(T.ENUM, 1, 45, { enumLabels }))).toBe('');
    expect(readValue(Buffer.from([3, 0]), 0, col(T.ENUM, 2, 45, { enumLabels }))).toEqual({ value: 'large', end: 2 });
    expect(read(Buffer.from([3]), col(T.ENUM, 1, 45))).toBe(3);
    // ENUM hidden in STRING metadata (caller did not resolve the real type)
    expect(read(Buffer.from([1]), col(T.STRING, 0xf701, 45, { enumLabels }))).toBe('small');
  });

  it('joins SET labels in definition order', () => {
    expect(read(Buffer.from([0b101, 0x01]), col(T.SET, 2, 45, { setLabels }))).toBe('a,c,i');
    expect(read(Buffer.from([0]), col(T.SET, 1, 45, { setLabels }))).toBe('');
    expect(read(Buffer.from([0b101, 0x01]), col(T.SET, 2, 45))).toBe(0x105);
    expect(read(Buffer.from([0x02]), col(T.STRING, 0xf801, 45, { setLabels }))).toBe('b');
    expect(read(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), col(T.SET, 8, 45))).toBe('18446744073709551615');
  });

  it('a value beyond the known labels is a schema mismatch', () => {
    expect(() => read(Buffer.from([4]), col(T.ENUM, 1, 45, { enumLabels }))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_SCHEMA_MISMATCH' }));
    expect(() => read(Buffer.from([0, 2]), col(T.SET, 2, 45, { setLabels }))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_SCHEMA_MISMATCH' }));
  });
});

describe('old VAR_STRING', () => {
  it('accepts the raw packed metadata and the resolved length', () => {
    expect(read(prefixed(Buffer.from('old')), col(T.VAR_STRING, 0xfd14, 8))).toBe('old');
    expect(read(prefixed(Buffer.from('old')), col(T.VAR_STRING, 20, 8))).toBe('old');
  });
});

describe('text cells within a rows-event scope (shared string slices)', () => {
  it('gives the same values as cells decoded one by one', async () => {
    const { beginTextScope, endTextScope } = await import('./text-values.js');
    const cells: [Buffer, ColumnDecodeInfo][] = [
      [Buffer.from('plain ascii text, long enough to be a sliced string'), col(T.VARCHAR, 200, 45)],
      [Buffer.from('héllo 😀 wörld'), col(T.VARCHAR, 200, 45)],
      [Buffer.from([0xc3, 0x28, 0x41]), col(T.VARCHAR, 200, 45)], // invalid utf8
      [Buffer.from('short'), col(T.VARCHAR, 200, 33)],
      [Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff]), col(T.VARCHAR, 200, 8)], // latin1 é ÿ
      [Buffer.from([0x80, 0x41, 0x9f]), col(T.VARCHAR, 200, 8)], // latin1 € A Ÿ
      [Buffer.from('no charset known'), col(T.VARCHAR, 200, undefined)],
      [Buffer.from([0, 1, 2, 250]), col(T.VARCHAR, 200, 63)], // binary
      [Buffer.from(''), col(T.VARCHAR, 200, 45)],
    ];
    const buf = Buffer.concat([...cells, ...cells, ...cells].map(([b]) => prefixed(b)));
    const infos = [...cells, ...cells, ...cells].map(([, c]) => c);
    const oneByOne: unknown[] = [];
    for (let i = 0, o = 0; i < infos.length; i++) {
      const r = readValue(buf, o, infos[i]!);
      oneByOne.push(r.value);
      o = r.end;
    }
    beginTextScope(buf);
    const scoped: unknown[] = [];
    try {
      for (let i = 0, o = 0; i < infos.length; i++) {
        const r = readValue(buf, o, infos[i]!);
        scoped.push(r.value);
        o = r.end;
      }
    } finally {
      endTextScope();
    }
    expect(scoped).toEqual(oneByOne);
    expect(scoped[0]).toBe('plain ascii text, long enough to be a sliced string');
    expect(scoped[13]).toBe('café\u00ff');
    expect(scoped[14]).toBe('€A\u0178');
  });
});
