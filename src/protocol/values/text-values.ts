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
import { CharsetKind, charsetOfCollation, decodeText } from './charsets.js';
import { readUIntLEExact } from './integers.js';
import { base64Text, utf8Text } from './slices.js';

/** Text or base64 for a CHAR/VARCHAR/TEXT/BLOB payload [s, e). `padTo` > 0 only for BINARY(n). */
export function textOrBinary(buf: Buffer, s: number, e: number, col: ColumnDecodeInfo, blobLike: boolean, padTo: number): string {
  const cset = charsetOfCollation(col.collation);
  if (cset === undefined) {
    if (blobLike) return base64Text(buf, s, e);
    return utf8Text(buf, s, e);
  }
  if (cset.kind === CharsetKind.Utf8) return utf8Text(buf, s, e);
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

export function setValue(buf: Buffer, o: number, len: number, col: ColumnDecodeInfo): JsonValue {
  const labels = col.setLabels;
  if (labels === undefined) return readUIntLEExact(buf, o, len);
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
