/**
 * TABLE_MAP per-column metadata: how many bytes each type stores and how they
 * combine into one number, and the "real type" hidden in STRING metadata.
 *
 * Layout (MySQL Field::do_save_field_metadata, read back as MySQL's
 * Table_map_log_event does):
 *   FLOAT, DOUBLE, BLOB family, JSON, GEOMETRY, VECTOR: 1 byte (pack length)
 *   TIME2, DATETIME2, TIMESTAMP2: 1 byte (fsp)
 *   VARCHAR: 2 bytes little-endian (maximum byte length)
 *   STRING, VAR_STRING, ENUM, SET: 2 bytes, meta = byte0 << 8 | byte1
 *     (byte0 = real type, byte1 = field length or pack length)
 *   NEWDECIMAL: 2 bytes, meta = precision << 8 | scale
 *   BIT: 2 bytes, meta = bytes << 8 | bits (n = bytes * 8 + bits)
 *   every other type: none.
 * Invariant: pure, never reads past buf.length (throws the coded corrupt error).
 */
import { ColumnType as T } from './column.js';
import { corruptValue } from './value-errors.js';

/** Number of metadata bytes a TABLE_MAP column of this type carries. */
export function metaLength(type: number): number {
  switch (type) {
    case T.FLOAT:
    case T.DOUBLE:
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.BLOB_COMPRESSED:
    case T.JSON:
    case T.GEOMETRY:
    case T.VECTOR:
    case T.TIME2:
    case T.DATETIME2:
    case T.TIMESTAMP2:
      return 1;
    case T.VARCHAR:
    case T.VARCHAR_COMPRESSED:
    case T.STRING:
    case T.VAR_STRING:
    case T.ENUM:
    case T.SET:
    case T.NEWDECIMAL:
    case T.BIT:
      return 2;
    default:
      return 0;
  }
}

export function readColumnMeta(type: number, buf: Buffer, offset: number): { meta: number; end: number } {
  const n = metaLength(type);
  if (offset + n > buf.length) throw corruptValue(`type ${type}`, 'TABLE_MAP column metadata runs past the event', offset);
  let meta = 0;
  if (n === 1) meta = buf[offset]!;
  else if (n === 2) {
    const b0 = buf[offset]!;
    const b1 = buf[offset + 1]!;
    meta = type === T.VARCHAR || type === T.VARCHAR_COMPRESSED || type === T.BIT ? b0 | (b1 << 8) : (b0 << 8) | b1;
  }
  return { meta, end: offset + n };
}

/**
 * STRING metadata hides the real type (ENUM, SET or STRING) in its first byte,
 * and for CHAR columns longer than 255 bytes two bits of the length are XORed
 * into that byte (MySQL bug #37426). Returns the real type and, for these
 * types, the length meta (STRING: field length in bytes; ENUM/SET: pack length).
 * Other types come back unchanged; applying it twice is harmless.
 */
export function realTypeOf(type: number, meta: number): { type: number; meta: number } {
  if (type !== T.STRING && type !== T.VAR_STRING && type !== T.ENUM && type !== T.SET) return { type, meta };
  // Already resolved (a length ≤ 1020 or a pack length): packed metas start at 0xCE00.
  if (meta < 0x1000) return { type, meta };
  const byte0 = meta >> 8;
  const byte1 = meta & 0xff;
  if (type === T.STRING && (byte0 & 0x30) !== 0x30) {
    return { type: byte0 | 0x30, meta: byte1 | (((byte0 & 0x30) ^ 0x30) << 4) };
  }
  const real = byte0 === T.ENUM || byte0 === T.SET || byte0 === T.STRING || byte0 === T.VAR_STRING ? byte0 : type;
  return { type: real, meta: byte1 };
}
