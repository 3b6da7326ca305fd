/**
 * The value of a MariaDB `COMPRESSED` column (≥ 10.3: TABLE_MAP types BLOB_COMPRESSED 140 and
 * VARCHAR_COMPRESSED 141), as the row image holds it after the usual length prefix:
 * - nothing: the empty string;
 * - a 0 byte, then the value as is (shorter than column_compression_threshold, or not smaller
 *   compressed);
 * - a header byte with bit 7 set: bits 0-2 how many bytes (1-4) hold the value's length,
 *   big-endian, then the zlib stream: raw deflate when bit 3 is set (the default), with its zlib
 *   wrapper when it is clear (column_compression_zlib_wrap=ON).
 * Seen on MariaDB 10.11 (0x89, 0x8a by default, 0x82 with the wrapper) and checked against SELECT
 * there (test/integration/replay-edge-cases.test.ts, i).
 *
 * Invariant: the declared length bounds the output; any other header, a stream that does not
 * inflate or inflates to another length is BINSNAP_E_BINLOG_CORRUPT_EVENT naming the column.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { corruptValue } from './value-errors.js';

const EMPTY = Buffer.alloc(0);

/** The value's bytes (a view of `buf` when stored uncompressed). */
export function uncompressedColumn(buf: Buffer, s: number, e: number, column: string): Buffer {
  if (s === e) return EMPTY;
  const header = buf[s] as number;
  if (header === 0) return buf.subarray(s + 1, e);
  const lengthBytes = header & 0x07;
  if ((header & 0x80) === 0 || (header & 0x70) !== 0 || lengthBytes === 0 || lengthBytes > 4 || s + 1 + lengthBytes > e) {
    throw corruptValue(column, `compressed column header 0x${header.toString(16)} is not one MariaDB writes`, s);
  }
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (buf[s + 1 + i] as number);
  const stream = buf.subarray(s + 1 + lengthBytes, e);
  let out: Buffer;
  try {
    const options = { maxOutputLength: Math.max(length, 1) };
    out = (header & 0x08) !== 0 ? inflateRawSync(stream, options) : inflateSync(stream, options);
  } catch (err) {
    throw corruptValue(column, 'compressed column data does not inflate', s, err);
  }
  if (out.length !== length) throw corruptValue(column, `compressed column inflates to ${out.length} bytes, its header says ${length}`, s);
  return out;
}
