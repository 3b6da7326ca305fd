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
 *     0x90 0x9D map to the C1 controls). Node's TextDecoder('windows-1252')
 *     decodes as ISO-8859-1, so a hand table covers 0x80–0x9F.
 *   - latin5 is strict ISO-8859-9 (WHATWG maps it to windows-1254); swe7 is
 *     7-bit Swedish: both hand tables.
 *   - ucs2/utf16 are big-endian, utf16le little-endian, utf32 big-endian.
 *   - binary (63) is not text: callers base64 it.
 *   - the rest use a WHATWG TextDecoder (Node with full ICU), with an
 *     all-ASCII fast path.
 *   - charsets without a decoder here (dec8, cp850, hp8, cp852, keybcs2,
 *     macce, armscii8, geostd8) decode pure-ASCII values and reject any byte
 *     ≥ 0x80 with BINSNAP_E_UNSUPPORTED_CHARSET rather than guess.
 */
import { TextDecoder } from 'node:util';
import { BinsnapError } from '../../core/errors.js';
import { latin1Text, utf8Text } from '../../core/slices.js';

export const CharsetKind = {
  Utf8: 0,
  Binary: 1,
  Ascii: 2,
  Cp1252: 3,
  SingleByteTable: 4,
  TextDecoder: 5,
  Utf16Le: 6,
  Utf32: 7,
  AsciiOnly: 8,
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
}

const cs = (name: string, kind: CharsetKindCode, label?: string): Charset => (label ? { name, kind, label } : { name, kind });

const UTF8MB4 = cs('utf8mb4', CharsetKind.Utf8);
const UTF8MB3 = cs('utf8mb3', CharsetKind.Utf8);
const BINARY = cs('binary', CharsetKind.Binary);
const LATIN1 = cs('latin1', CharsetKind.Cp1252);
const ASCII = cs('ascii', CharsetKind.Ascii);
const UCS2 = cs('ucs2', CharsetKind.TextDecoder, 'utf-16be');
const UTF16 = cs('utf16', CharsetKind.TextDecoder, 'utf-16be');
const UTF16LE = cs('utf16le', CharsetKind.Utf16Le);
const UTF32 = cs('utf32', CharsetKind.Utf32);
const LATIN2 = cs('latin2', CharsetKind.TextDecoder, 'iso-8859-2');
const LATIN5 = cs('latin5', CharsetKind.SingleByteTable);
const LATIN7 = cs('latin7', CharsetKind.TextDecoder, 'iso-8859-13');
const CP1250 = cs('cp1250', CharsetKind.TextDecoder, 'windows-1250');
const CP1251 = cs('cp1251', CharsetKind.TextDecoder, 'windows-1251');
const CP1256 = cs('cp1256', CharsetKind.TextDecoder, 'windows-1256');
const CP1257 = cs('cp1257', CharsetKind.TextDecoder, 'windows-1257');
const CP866 = cs('cp866', CharsetKind.TextDecoder, 'ibm866');
const BIG5 = cs('big5', CharsetKind.TextDecoder, 'big5');
const GBK = cs('gbk', CharsetKind.TextDecoder, 'gbk');
const GB2312 = cs('gb2312', CharsetKind.TextDecoder, 'gbk');
const GB18030 = cs('gb18030', CharsetKind.TextDecoder, 'gb18030');
const SJIS = cs('sjis', CharsetKind.TextDecoder, 'shift_jis');
const CP932 = cs('cp932', CharsetKind.TextDecoder, 'shift_jis');
const UJIS = cs('ujis', CharsetKind.TextDecoder, 'euc-jp');
const EUCJPMS = cs('eucjpms', CharsetKind.TextDecoder, 'euc-jp');
const EUCKR = cs('euckr', CharsetKind.TextDecoder, 'euc-kr');
const KOI8R = cs('koi8r', CharsetKind.TextDecoder, 'koi8-r');
const KOI8U = cs('koi8u', CharsetKind.TextDecoder, 'koi8-u');
const GREEK = cs('greek', CharsetKind.TextDecoder, 'iso-8859-7');
const HEBREW = cs('hebrew', CharsetKind.TextDecoder, 'iso-8859-8');
const TIS620 = cs('tis620', CharsetKind.TextDecoder, 'windows-874');
const MACROMAN = cs('macroman', CharsetKind.TextDecoder, 'macintosh');
const SWE7 = cs('swe7', CharsetKind.SingleByteTable);
const DEC8 = cs('dec8', CharsetKind.AsciiOnly);
const CP850 = cs('cp850', CharsetKind.AsciiOnly);
const HP8 = cs('hp8', CharsetKind.AsciiOnly);
const CP852 = cs('cp852', CharsetKind.AsciiOnly);
const KEYBCS2 = cs('keybcs2', CharsetKind.AsciiOnly);
const MACCE = cs('macce', CharsetKind.AsciiOnly);
const ARMSCII8 = cs('armscii8', CharsetKind.AsciiOnly);
const GEOSTD8 = cs('geostd8', CharsetKind.AsciiOnly);

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

LATIN5.table = identityTable();
// ISO-8859-9 differs from ISO-8859-1 in six positions only.
for (const [b, u] of [[0xd0, 0x11e], [0xdd, 0x130], [0xde, 0x15e], [0xf0, 0x11f], [0xfd, 0x131], [0xfe, 0x15f]] as const) {
  LATIN5.table[b] = u;
}
SWE7.table = identityTable();
// ISO 646-SE: É Ä Ö Å Ü é ä ö å ü replace @ [ \ ] ^ ` { | } ~.
for (const [b, u] of [[0x40, 0xc9], [0x5b, 0xc4], [0x5c, 0xd6], [0x5d, 0xc5], [0x5e, 0xdc], [0x60, 0xe9], [0x7b, 0xe4], [0x7c, 0xf6], [0x7d, 0xe5], [0x7e, 0xfc]] as const) {
  SWE7.table[b] = u;
}

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

/** Decodes bytes [s, e) as text of `cset` (never Binary: callers base64 those). */
export function decodeText(buf: Buffer, s: number, e: number, cset: Charset, column: string): string {
  switch (cset.kind) {
    case CharsetKind.Utf8:
      return utf8Text(buf, s, e);
    case CharsetKind.Ascii:
      return latin1Text(buf, s, e);
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
      return cset.decoder.decode(buf.subarray(s, e));
    }
    case CharsetKind.AsciiOnly:
      if (isAscii(buf, s, e)) return buf.toString('latin1', s, e);
      throw unsupported(column, cset.name, 'bytes above 0x7F and no decoder for this character set');
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
