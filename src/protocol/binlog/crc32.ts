/**
 * CRC-32 (IEEE 802.3, the zlib polynomial) as the binlog uses it
 * (binlog_checksum=CRC32: 4 little-endian bytes at the end of every event,
 * over all the event's other bytes). Uses node's zlib.crc32 when this Node has
 * it (≥ 20.15) and a table-driven fallback otherwise. Pure: no I/O.
 */
import * as zlib from 'node:zlib';

type Crc = (data: Uint8Array, value?: number) => number;

const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32Table(data: Uint8Array, value = 0): number {
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as unknown as { crc32?: Crc }).crc32;

/** CRC-32 of `data`, continuing from `value`. */
export const crc32: Crc = typeof native === 'function' ? native : crc32Table;

/** Slice-by-8 tables: T8[k * 256 + b] is the CRC of byte b followed by k zero bytes. */
const T8 = ((): Int32Array => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) t[n] = TABLE[n]! | 0;
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
})();

/** Below this many bytes the JS loop beats the native call (its fixed cost and the subarray). */
const NATIVE_FROM = 320;

/** CRC-32 of `data[start, end)` (the binlog's per-event checksum: mostly small events). */
export function crc32Range(data: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM && typeof native === 'function') return native(data.subarray(start, end));
  const t = T8;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
