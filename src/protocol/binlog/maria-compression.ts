/**
 * MariaDB compressed events (QUERY_COMPRESSED 165, *_ROWS_COMPRESSED 166-171,
 * log_bin_compress=ON): the compressed part starts with one header byte —
 * bits 4-6 the algorithm (0 = zlib), bits 0-2 how many bytes (1-4) hold the
 * uncompressed length, big-endian — then the zlib stream.
 *
 * Invariant: the declared length bounds the output (zlib maxOutputLength), so
 * a forged length cannot allocate more than it claims, and the claim is capped.
 * Reference: MariaDB sql/log_event.cc binlog_buf_uncompress().
 */
import { inflateSync } from 'node:zlib';
import { BinsnapError } from '../../core/errors.js';
import type { EventSite } from './body-reader.js';

/** A compressed event never expands beyond MariaDB's max_allowed_packet ceiling (1 GiB). */
const MAX_UNCOMPRESSED = 1 << 30;

export function mariaUncompress(buf: Buffer, start: number, end: number, site: EventSite, limit = MAX_UNCOMPRESSED): Buffer {
  const fail = (why: string, cause?: unknown): BinsnapError =>
    new BinsnapError('BINSNAP_E_BINLOG_DECOMPRESS', `MariaDB compressed event: ${why}`, { file: site.file, offset: site.offset }, { cause });
  if (start >= end) throw fail('no compression header');
  const header = buf[start]!;
  const alg = (header >> 4) & 0x07;
  const lenBytes = header & 0x07;
  if (alg !== 0) throw fail(`unknown algorithm ${alg}`);
  if (lenBytes < 1 || lenBytes > 4 || start + 1 + lenBytes > end) throw fail(`bad length size ${lenBytes}`);
  const size = buf.readUIntBE(start + 1, lenBytes);
  if (size > limit) throw fail(`declared size ${size} is too large`);
  let out: Buffer;
  try {
    out = inflateSync(buf.subarray(start + 1 + lenBytes, end), { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    throw fail('zlib data is damaged', err);
  }
  if (out.length !== size) throw fail(`inflated ${out.length} bytes, header says ${size}`);
  return out;
}
