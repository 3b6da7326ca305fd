/**
 * MySQL TRANSACTION_PAYLOAD (40, binlog_transaction_compression=ON, ≥ 8.0.20):
 * a header of (type, length, value) fields — type and length packed integers,
 * the value itself a packed integer — ended by type 0, then the payload: the
 * transaction's events, zstd-compressed (compression type 0) or plain (255).
 * The inner events have v4 headers and never a checksum.
 *
 * Invariant: the declared uncompressed size bounds the output buffer (capped),
 * so a forged payload cannot allocate without bound.
 * Reference: libbinlogevents/src/compression/*, control_events.cpp
 * (Transaction_payload_event).
 */
import { decompress } from 'fzstd';
import { BinsnapError } from '../../core/errors.js';
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';

const MAX_UNCOMPRESSED = 1 << 30;

export interface TransactionPayload {
  readonly compression: 'zstd' | 'none';
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** The inner events, back to back. */
  readonly events: Buffer;
}

export function parseTransactionPayload(buf: Buffer, start: number, end: number, site: EventSite, limit = MAX_UNCOMPRESSED): TransactionPayload {
  const r = new BodyReader(buf, start, end, site);
  let payloadSize = -1;
  let compressionType = 0;
  let uncompressedSize = -1;
  while (r.pos < r.end) {
    const field = r.packed('payload field type');
    if (field === 0) break;
    const len = r.packed('payload field length');
    const v = new BodyReader(buf, r.pos, r.pos + len, site);
    r.skip(len, 'payload field');
    if (field === 1) payloadSize = v.packed('payload size');
    else if (field === 2) compressionType = v.packed('compression type');
    else if (field === 3) uncompressedSize = v.packed('uncompressed size');
  }
  if (payloadSize < 0) payloadSize = r.remaining;
  const data = r.bytes(payloadSize, 'transaction payload');
  const fail = (why: string, cause?: unknown): BinsnapError =>
    new BinsnapError('BINSNAP_E_BINLOG_DECOMPRESS', `transaction payload: ${why}`, { file: site.file, offset: site.offset }, { cause });
  if (compressionType === 255) {
    return { compression: 'none', payloadSize, uncompressedSize: data.length, events: Buffer.from(data) };
  }
  if (compressionType !== 0) throw corruptEvent(site, `unknown transaction payload compression ${compressionType}`);
  if (uncompressedSize > limit || (uncompressedSize < 0 && data.length * 64 > limit)) throw fail(`declared size ${uncompressedSize} is too large`);
  let out: Uint8Array;
  try {
    out = uncompressedSize >= 0 ? decompress(data, new Uint8Array(uncompressedSize)) : decompress(data);
  } catch (err) {
    throw fail('zstd data is damaged', err);
  }
  if (uncompressedSize >= 0 && out.length !== uncompressedSize) throw fail(`inflated ${out.length} bytes, header says ${uncompressedSize}`);
  return { compression: 'zstd', payloadSize, uncompressedSize: out.length, events: Buffer.from(out.buffer, out.byteOffset, out.length) };
}
