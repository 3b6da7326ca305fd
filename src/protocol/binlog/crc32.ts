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
