/**
 * Test-only builders of synthetic binlog bytes: v4 events with an optional
 * CRC32, a MySQL 8-style FDE, and whole files.
 */
import { crc32 } from './crc32.js';
import { BINLOG_MAGIC } from './binlog-decoder.js';

export function header(type: number, size: number, logPos: number, flags = 0, timestamp = 1700000000, serverId = 1): Buffer {
  const h = Buffer.alloc(19);
  h.writeUInt32LE(timestamp, 0);
  h[4] = type;
  h.writeUInt32LE(serverId, 5);
  h.writeUInt32LE(size, 9);
  h.writeUInt32LE(logPos, 13);
  h.writeUInt16LE(flags, 17);
  return h;
}

/** One event at `offset` with `body`; appends a CRC32 when `withCrc`. */
export function event(type: number, body: Buffer, offset: number, withCrc: boolean, flags = 0): Buffer {
  const size = 19 + body.length + (withCrc ? 4 : 0);
  const bytes = Buffer.concat([header(type, size, offset + size, flags), body]);
  if (!withCrc) return bytes;
  const c = Buffer.alloc(4);
  c.writeUInt32LE(crc32(bytes), 0);
  return Buffer.concat([bytes, c]);
}

export function fdeBody(serverVersion: string, checksum: 0 | 1 | null): Buffer {
  const v = Buffer.alloc(50);
  v.write(serverVersion, 'latin1');
  // Post-header lengths as a MySQL 8 server writes them, by type code − 1.
  const post = Buffer.alloc(41, 0);
  const set = (type: number, len: number): void => {
    post[type - 1] = len;
  };
  set(2, 13); // QUERY
  set(4, 8); // ROTATE
  set(17, 4); // BEGIN_LOAD_QUERY
  set(18, 26); // EXECUTE_LOAD_QUERY
  set(19, 8); // TABLE_MAP
  for (const t of [23, 24, 25]) set(t, 8);
  set(26, 2); // INCIDENT
  for (const t of [30, 31, 32, 39]) set(t, 10);
  const parts = [Buffer.from([4, 0]), v, Buffer.alloc(4), Buffer.from([19]), post];
  if (checksum !== null) parts.push(Buffer.from([checksum]));
  return Buffer.concat(parts);
}

/** magic + FDE + events built by `more(offsetAfterFde)`. */
export function binlogFile(withCrc: boolean, more: (offset: number, crc: boolean) => Buffer[]): Buffer {
  const fde = event(15, fdeBody('8.0.40', withCrc ? 1 : 0), 4, withCrc);
  const parts = [BINLOG_MAGIC, fde];
  let offset = 4 + fde.length;
  for (const e of more(offset, withCrc)) {
    parts.push(e);
    offset += e.length;
  }
  // `more` builds its events with their own offsets; callers keep them consistent.
  return Buffer.concat(parts);
}

export function xidEvent(offset: number, crc: boolean, xid: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(xid, 0);
  return event(16, b, offset, crc);
}
