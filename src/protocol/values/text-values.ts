/**
 * Byte-string cells (CHAR, VARCHAR, TEXT, BINARY, VARBINARY, BLOB, GEOMETRY)
 * and the label types ENUM and SET.
 *
 * Text is decoded with the column collation's character set (charsets.ts);
 * binary data (collation 63) becomes base64. When the collation is unknown
 * (no schema and no TABLE_MAP charset metadata): BLOB-family columns are
 * treated as binary (base64), CHAR/VARCHAR as utf8 — the common default, and
 * documented as a guess.
 *
 * BINARY(n): MySQL strips trailing 0x00 bytes when it logs the value (they are
 * the pad character), so the value is padded back to n bytes — SPEC §3 wants
 * it "as SELECT returns it". CHAR values are logged with trailing spaces
 * already removed, which is also what SELECT shows, so they are not touched.
 *
 * ENUM is a 1- or 2-byte index (0 = the invalid value ""), SET a 1–8 byte
 * little-endian bitmask; with labels unknown the number itself is returned.
 * An index or bit beyond the known labels means the schema handed in does not
 * match the binlog: BINSNAP_E_SCHEMA_MISMATCH.
 */
import { BinsnapError } from '../../core/errors.js';
import type { ColumnDecodeInfo, JsonValue } from './column.js';
import { type Charset, CharsetKind, charsetOfCollation, decodeText } from './charsets.js';
import { readUIntLEExact } from './integers.js';
import { base64Text, latin1Text, utf8Text } from '../../core/slices.js';

/**
 * Text cells of one rows event as slices of one string (beginTextScope …
 * endTextScope): the buffer the scope is for, its bytes as one latin1 string
 * (made at the second text cell), and how many text cells were read so far.
 */
let scopeBuf: Buffer | undefined;
let scopeText: string | undefined;
let scopeCells = 0;
/** Scopes only for buffers of this size: the one string is at most this long (and every slice keeps it alive). */
const SCOPE_MIN = 96;
const SCOPE_MAX = 64 * 1024;

/**
 * Lets the text cells read from `buf` (until endTextScope) share one string:
 * creating a short string from bytes costs a native call each (~100–200 ns),
 * a slice of a string already made costs a few ns. `buf` must not change until
 * endTextScope. A cell is sliced only when its bytes mean the same in latin1
 * as in its charset (ASCII for utf8; anything but 0x80–0x9F for MySQL latin1);
 * the first text cell is decoded directly (an event of one row gains nothing).
 * (Deferring the other cells — one utf8 string per event for all non-ASCII
 * cells, base64 encoded here — was measured: no faster.)
 */
export function beginTextScope(buf: Buffer): void {
  if (buf.length < SCOPE_MIN || buf.length > SCOPE_MAX) return;
  scopeBuf = buf;
  scopeText = undefined;
  scopeCells = 0;
}

export function endTextScope(): void {
  scopeBuf = undefined;
  scopeText = undefined;
}

/** [s, e) of the scope's buffer as a slice of its one string (caller checked the bytes). */
function scopedSlice(buf: Buffer, s: number, e: number): string {
  let text = scopeText;
  if (text === undefined) text = scopeText = latin1Text(buf, 0, buf.length);
  return text.slice(s, e);
}

/** utf8 text of [s, e): a slice of the scope's string when the bytes are ASCII. */
function utf8Cell(buf: Buffer, s: number, e: number): string {
  if (buf === scopeBuf && ++scopeCells > 1) {
    let i = s;
    while (i < e && buf[i]! < 0x80) i++;
    if (i === e) return scopedSlice(buf, s, e);
  }
  return utf8Text(buf, s, e);
}

/** MySQL latin1 (cp1252) text of [s, e): a slice of the scope's string unless a byte is in 0x80–0x9F. */
function latin1Cell(buf: Buffer, s: number, e: number, cset: Charset, column: string): string {
  if (buf === scopeBuf && ++scopeCells > 1) {
    let i = s;
    for (; i < e; i++) {
      const b = buf[i]!;
      if (b >= 0x80 && b <= 0x9f) break;
    }
    if (i === e) return scopedSlice(buf, s, e);
  }
  return decodeText(buf, s, e, cset, column);
}

/** Text or base64 for a CHAR/VARCHAR/TEXT/BLOB payload [s, e). `padTo` > 0 only for BINARY(n). */
export function textOrBinary(buf: Buffer, s: number, e: number, col: ColumnDecodeInfo, blobLike: boolean, padTo: number): string {
  const cset = charsetOfCollation(col.collation);
  if (cset === undefined) {
    if (blobLike) return base64Text(buf, s, e);
    return utf8Cell(buf, s, e);
  }
  if (cset.kind === CharsetKind.Utf8) return utf8Cell(buf, s, e);
  if (cset.kind === CharsetKind.Cp1252) return latin1Cell(buf, s, e, cset, col.name);
  if (cset.kind === CharsetKind.Binary) {
    if (padTo > e - s) {
      const padded = Buffer.alloc(padTo);
      buf.copy(padded, 0, s, e);
      return padded.toString('base64');
    }
    return base64Text(buf, s, e);
  }
  return decodeText(buf, s, e, cset, col.name);
}

function mismatch(col: ColumnDecodeInfo, what: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_SCHEMA_MISMATCH', `${what} is beyond the labels known for the column`, { field: col.name });
}

export function enumValue(index: number, col: ColumnDecodeInfo): JsonValue {
  const labels = col.enumLabels;
  if (labels === undefined) return index;
  if (index === 0) return '';
  const label = labels[index - 1];
  if (label === undefined) throw mismatch(col, `ENUM index ${index}`);
  return label;
}

/** Texts of one-byte SET values by bitmask, per label list (a SET of ≤ 8 members has at most 256 values). */
const SET_TEXTS = new WeakMap<readonly string[], (string | undefined)[]>();

export function setValue(buf: Buffer, o: number, len: number, col: ColumnDecodeInfo): JsonValue {
  const labels = col.setLabels;
  if (labels === undefined) return readUIntLEExact(buf, o, len);
  if (len === 1) {
    let texts = SET_TEXTS.get(labels);
    if (texts === undefined) {
      texts = new Array<string | undefined>(256).fill(undefined);
      SET_TEXTS.set(labels, texts);
    }
    const mask = buf[o]!;
    return (texts[mask] ??= setText(buf, o, len, labels, col));
  }
  return setText(buf, o, len, labels, col);
}

function setText(buf: Buffer, o: number, len: number, labels: readonly string[], col: ColumnDecodeInfo): string {
  let out = '';
  let first = true;
  for (let byte = 0; byte < len; byte++) {
    const b = buf[o + byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((b & (1 << bit)) === 0) continue;
      const label = labels[byte * 8 + bit];
      if (label === undefined) throw mismatch(col, `SET bit ${byte * 8 + bit}`);
      out = first ? label : `${out},${label}`;
      first = false;
    }
  }
  return out;
}
