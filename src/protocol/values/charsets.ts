/**
 * Collation id → character set → text decoder, built once at load.
 *
 * Ids follow MySQL's INFORMATION_SCHEMA.COLLATIONS and MariaDB's additions
 * (576–738 extra UCA collations, 1024+id for the NO PAD twin of `id`,
 * 2048–3327 UCA 14.0.0 collations in blocks of 256 per charset).
 * Decoding rules:
 *   - utf8mb3/utf8mb4: Buffer utf8 (malformed bytes become U+FFFD, as MySQL
 *     cannot store them anyway).
 *   - latin1 is Windows-1252 in MySQL (0x80–0x9F are € ‚ ƒ …; 0x81 0x8D 0x8F
 *     0x90 0x9D map to the C1 controls): a hand table for 0x80–0x9F, the rest
 *     as ISO-8859-1.
 *   - every other single-byte charset (latin2 … cp1257, koi8r, swe7, dec8,
 *     cp850, keybcs2, armscii8, geostd8, …) by a table of its 256 bytes as
 *     MariaDB converts them (charset-tables.ts, generated from the server).
 *   - ucs2/utf16 are big-endian, utf16le little-endian, utf32 big-endian.
 *   - binary (63) is not text: callers base64 it.
 *   - the multi-byte CJK charsets use a WHATWG TextDecoder (Node with full ICU),
 *     with an all-ASCII fast path, except for the sequences MariaDB converts
 *     otherwise (charset-tables.ts: big5's ETEN kana and Cyrillic, euckr's
 *     CP949 Hangul, ujis/eucjpms user-defined and IBM characters, sjis's
 *     backslash, wave dash, …), which are read from MariaDB's table.
 */
import { TextDecoder } from 'node:util';
import { BinsnapError } from '../../core/errors.js';
import { latin1Text, utf8Text } from '../../core/slices.js';
import { MULTI_BYTE_OVERRIDES, SINGLE_BYTE } from './charset-tables.js';

export const CharsetKind = {
  Utf8: 0,
  Binary: 1,
  Cp1252: 3,
  SingleByteTable: 4,
  TextDecoder: 5,
  Utf16Le: 6,
  Utf32: 7,
} as const;
export type CharsetKindCode = (typeof CharsetKind)[keyof typeof CharsetKind];

export interface Charset {
  readonly name: string;
  readonly kind: CharsetKindCode;
  /** WHATWG label for kind TextDecoder. */
  readonly label?: string;
  /** For SingleByteTable: 256 UTF-16 code units, one per byte. */
  table?: Uint16Array;
  decoder?: TextDecoder;
  /** For TextDecoder: how the charset's characters are delimited, when MariaDB converts some of them otherwise. */
  readonly walk?: Walk;
  /** Those sequences (bytes as one big-endian number) → MariaDB's character; built at first use. */
  overrides?: Overrides;
}

/** Character lengths: lead 0x81–0xFE takes two bytes; Shift-JIS leads; EUC-JP (0x8E two, 0x8F three). */
type Walk = 'double' | 'sjis' | 'eucjp';

const cs = (name: string, kind: CharsetKindCode, label?: string): Charset => (label ? { name, kind, label } : { name, kind });
const multi = (name: string, label: string, walk: Walk): Charset => ({ name, kind: CharsetKind.TextDecoder, label, walk });
/** A single-byte charset decoded by MariaDB's own table of its bytes. */
const single = (name: string): Charset => ({ name, kind: CharsetKind.SingleByteTable, table: singleByteTable(name) });

function singleByteTable(name: string): Uint16Array {
  const chars = SINGLE_BYTE[name];
  if (chars?.length !== 256) throw new Error(`charset-tables.ts has no table of ${name}`);
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) t[i] = chars.charCodeAt(i);
  return t;
}

const UTF8MB4 = cs('utf8mb4', CharsetKind.Utf8);
const UTF8MB3 = cs('utf8mb3', CharsetKind.Utf8);
const BINARY = cs('binary', CharsetKind.Binary);
const LATIN1 = cs('latin1', CharsetKind.Cp1252);
const ASCII = single('ascii');
const UCS2 = cs('ucs2', CharsetKind.TextDecoder, 'utf-16be');
const UTF16 = cs('utf16', CharsetKind.TextDecoder, 'utf-16be');
const UTF16LE = cs('utf16le', CharsetKind.Utf16Le);
const UTF32 = cs('utf32', CharsetKind.Utf32);
const LATIN2 = single('latin2');
const LATIN5 = single('latin5');
const LATIN7 = single('latin7');
const CP1250 = single('cp1250');
const CP1251 = single('cp1251');
const CP1256 = single('cp1256');
const CP1257 = single('cp1257');
const CP866 = single('cp866');
const BIG5 = multi('big5', 'big5', 'double');
const GBK = multi('gbk', 'gbk', 'double');
const GB2312 = multi('gb2312', 'gbk', 'double');
const GB18030 = cs('gb18030', CharsetKind.TextDecoder, 'gb18030');
const SJIS = multi('sjis', 'shift_jis', 'sjis');
const CP932 = multi('cp932', 'shift_jis', 'sjis');
const UJIS = multi('ujis', 'euc-jp', 'eucjp');
const EUCJPMS = multi('eucjpms', 'euc-jp', 'eucjp');
const EUCKR = multi('euckr', 'euc-kr', 'double');
const KOI8R = single('koi8r');
const KOI8U = single('koi8u');
const GREEK = single('greek');
const HEBREW = single('hebrew');
const TIS620 = single('tis620');
const MACROMAN = single('macroman');
const SWE7 = single('swe7');
const DEC8 = single('dec8');
const CP850 = single('cp850');
const HP8 = single('hp8');
const CP852 = single('cp852');
const KEYBCS2 = single('keybcs2');
const MACCE = single('macce');
const ARMSCII8 = single('armscii8');
const GEOSTD8 = single('geostd8');

/** Windows-1252 code points for bytes 0x80–0x9F (MySQL latin1). */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
] as const;

function identityTable(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  return t;
}

const CP1252_TABLE = identityTable();
for (let i = 0; i < 32; i++) CP1252_TABLE[0x80 + i] = CP1252_HIGH[i]!;

/** Charset by collation id; undefined = unknown id. Indexed up to 4095. */
const BY_COLLATION: (Charset | undefined)[] = new Array<Charset | undefined>(4096);

function put(cset: Charset, ...ids: number[]): void {
  for (const id of ids) BY_COLLATION[id] = cset;
}
function range(cset: Charset, from: number, to: number): void {
  for (let id = from; id <= to; id++) BY_COLLATION[id] = cset;
}

put(BIG5, 1, 84);
put(LATIN2, 2, 9, 21, 27, 77);
put(DEC8, 3, 69);
put(CP850, 4, 80);
put(LATIN1, 5, 8, 15, 31, 47, 48, 49, 94);
put(HP8, 6, 72);
put(KOI8R, 7, 74);
put(SWE7, 10, 82);
put(ASCII, 11, 65);
put(UJIS, 12, 91);
put(SJIS, 13, 88);
put(CP1251, 14, 23, 50, 51, 52);
put(HEBREW, 16, 71);
put(TIS620, 18, 89);
put(EUCKR, 19, 85);
put(LATIN7, 20, 41, 42, 79);
put(KOI8U, 22, 75);
put(GB2312, 24, 86);
put(GREEK, 25, 70);
put(CP1250, 26, 34, 44, 66, 99);
put(GBK, 28, 87);
put(CP1257, 29, 58, 59);
put(LATIN5, 30, 78);
put(ARMSCII8, 32, 64);
put(UTF8MB3, 33, 76, 83, 223);
put(UCS2, 35, 90, 159);
put(CP866, 36, 68);
put(KEYBCS2, 37, 73);
put(MACCE, 38, 43);
put(MACROMAN, 39, 53);
put(CP852, 40, 81);
put(UTF8MB4, 45, 46);
put(UTF16, 54, 55);
put(UTF16LE, 56, 62);
put(CP1256, 57, 67);
put(UTF32, 60, 61);
put(BINARY, 63);
put(GEOSTD8, 92, 93);
put(CP932, 95, 96);
put(EUCJPMS, 97, 98);
range(UTF16, 101, 124);
range(UCS2, 128, 151);
range(UTF32, 160, 183);
range(UTF8MB3, 192, 215);
range(UTF8MB4, 224, 247);
put(GB18030, 248, 249, 250);
range(UTF8MB4, 255, 323); // MySQL 8.0 utf8mb4_*_0900_* and later utf8mb4 additions
// MariaDB extra UCA collations (croatian, myanmar, thai_520_w2, …).
range(UTF8MB3, 576, 607);
range(UTF8MB4, 608, 639);
range(UCS2, 640, 671);
range(UTF16, 672, 703);
range(UTF32, 736, 767);
// MariaDB NO PAD twins: 1024 + the id of the PAD SPACE collation.
for (let id = 1; id < 1024; id++) {
  const base = BY_COLLATION[id];
  if (base && BY_COLLATION[1024 + id] === undefined) BY_COLLATION[1024 + id] = base;
}
// MariaDB 10.10+ UCA 14.0.0 collations: one block of 256 ids per charset.
range(UTF8MB3, 2048, 2303);
range(UTF8MB4, 2304, 2559);
range(UCS2, 2560, 2815);
range(UTF16, 2816, 3071);
range(UTF32, 3072, 3327);

export function charsetOfCollation(collation: number | undefined): Charset | undefined {
  return collation === undefined ? undefined : BY_COLLATION[collation];
}

export const BINARY_COLLATION = 63;

function isAscii(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

function decodeTable(buf: Buffer, s: number, e: number, table: Uint16Array): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(table[buf[i]!]!);
  return out;
}

function decodeUtf32(buf: Buffer, s: number, e: number, column: string): string {
  let out = '';
  for (let i = s; i + 4 <= e; i += 4) {
    const cp = buf.readUInt32BE(i);
    if (cp > 0x10ffff) throw unsupported(column, 'utf32', 'code point out of range');
    out += String.fromCodePoint(cp);
  }
  return out;
}

function unsupported(column: string, charset: string, why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_UNSUPPORTED_CHARSET', `cannot decode ${charset} text: ${why}`, { field: column, charset });
}

/** A charset's overridden sequences, and which first bytes begin one (so other characters skip the lookup). */
interface Overrides {
  readonly chars: Map<number, string>;
  readonly leads: Uint8Array;
}

function overridesOf(cset: Charset): Overrides {
  if (cset.overrides !== undefined) return cset.overrides;
  const chars = new Map<number, string>();
  const leads = new Uint8Array(256);
  const runs = MULTI_BYTE_OVERRIDES[cset.name] ?? [];
  for (let r = 0; r + 2 < runs.length; r += 3) {
    for (let k = 0; k < runs[r + 2]!; k++) {
      const key = runs[r]! + k;
      chars.set(key, String.fromCodePoint(runs[r + 1]! + k));
      leads[key > 0xffff ? key >>> 16 : key > 0xff ? key >>> 8 : key] = 1;
    }
  }
  cset.overrides = { chars, leads };
  return cset.overrides;
}

/** Bytes of the character at `i` (never past `e`). */
function charLength(walk: Walk, buf: Buffer, i: number, e: number): number {
  const b = buf[i]!;
  let n = 1;
  if (walk === 'double') n = b >= 0x81 && b <= 0xfe ? 2 : 1;
  else if (walk === 'sjis') n = (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1;
  else n = b === 0x8f ? 3 : b === 0x8e || (b >= 0xa1 && b <= 0xfe) ? 2 : 1;
  return Math.min(n, e - i);
}

/**
 * A multi-byte charset's text by the TextDecoder, except the characters MariaDB converts
 * otherwise (charset-tables.ts), taken from its table; the runs between them go to the
 * TextDecoder whole.
 */
function decodeWithOverrides(buf: Buffer, s: number, e: number, cset: Charset, decoder: TextDecoder, walk: Walk): string {
  const { chars, leads } = overridesOf(cset);
  if (chars.size === 0) return decoder.decode(buf.subarray(s, e));
  let out = '';
  let from = s;
  for (let i = s; i < e; ) {
    const n = charLength(walk, buf, i, e);
    if (leads[buf[i]!] === 1) {
      let key = 0;
      for (let k = 0; k < n; k++) key = key * 256 + buf[i + k]!;
      const ch = chars.get(key);
      if (ch !== undefined) {
        if (from < i) out += decoder.decode(buf.subarray(from, i));
        out += ch;
        from = i + n;
      }
    }
    i += n;
  }
  return from === s ? decoder.decode(buf.subarray(s, e)) : from < e ? out + decoder.decode(buf.subarray(from, e)) : out;
}

/** Decodes bytes [s, e) as text of `cset` (never Binary: callers base64 those). */
export function decodeText(buf: Buffer, s: number, e: number, cset: Charset, column: string): string {
  switch (cset.kind) {
    case CharsetKind.Utf8:
      return utf8Text(buf, s, e);
    case CharsetKind.Cp1252: {
      for (let i = s; i < e; i++) {
        const b = buf[i]!;
        if (b >= 0x80 && b <= 0x9f) return decodeTable(buf, s, e, CP1252_TABLE);
      }
      return latin1Text(buf, s, e);
    }
    case CharsetKind.SingleByteTable:
      return decodeTable(buf, s, e, cset.table!);
    case CharsetKind.Utf16Le:
      return buf.toString('utf16le', s, e);
    case CharsetKind.Utf32:
      return decodeUtf32(buf, s, e, column);
    case CharsetKind.TextDecoder: {
      if (cset.label !== 'utf-16be' && isAscii(buf, s, e)) return buf.toString('latin1', s, e);
      cset.decoder ??= new TextDecoder(cset.label);
      if (cset.walk !== undefined) return decodeWithOverrides(buf, s, e, cset, cset.decoder, cset.walk);
      return cset.decoder.decode(buf.subarray(s, e));
    }
    case CharsetKind.Binary:
      return buf.toString('base64', s, e);
  }
}

let FIRST_COLLATION: Map<string, number> | undefined;

/** A collation id of the character set `name` (the lowest one), to decode text of a column known by its charset only. */
export function collationIdOfCharset(name: string): number | undefined {
  if (!FIRST_COLLATION) {
    FIRST_COLLATION = new Map();
    for (let id = 0; id < BY_COLLATION.length; id++) {
      const c = BY_COLLATION[id];
      if (c && !FIRST_COLLATION.has(c.name)) FIRST_COLLATION.set(c.name, id);
    }
  }
  return FIRST_COLLATION.get(name === 'utf8' ? 'utf8mb3' : name);
}
