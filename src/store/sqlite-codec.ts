/**
 * Byte forms of positions and version ids for the SQLite store. SQLite
 * compares BLOBs with memcmp, so big-endian fixed-width integers sort exactly
 * like the values: a 12-byte position `file u32 | offset u64` and a 16-byte
 * version `position | rowIndex u32`. A 12-byte position sorts before every
 * version with the same position, so `version >= pos(P)` means "at or after
 * P" and `version < pos(P)` means "before P".
 */
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import type { RowVersionId } from './snapshot-store.js';

export function positionBlob(fileNumber: number, offset: bigint): Buffer {
  const b = Buffer.allocUnsafe(12);
  b.writeUInt32BE(fileNumber, 0);
  b.writeBigUInt64BE(offset, 4);
  return b;
}

export function posBlob(p: BinlogPosition): Buffer {
  return positionBlob(p.fileNumber, p.offset);
}

export function versionBlob(v: RowVersionId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(v.fileNumber, 0);
  b.writeBigUInt64BE(v.offset, 4);
  b.writeUInt32BE(v.rowIndex, 12);
  return b;
}

/** The greatest version at position `p`: `version <= lastVersionAt(p)` means "at or before p". */
export function lastVersionAt(p: BinlogPosition): Buffer {
  return Buffer.concat([posBlob(p), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
}

/** Sorts after every version. */
export const AFTER_ALL = Buffer.alloc(17, 0xff);
/** Sorts before every version. */
export const BEFORE_ALL = Buffer.alloc(0);

export function decodeVersion(b: Buffer): RowVersionId {
  if (b.length !== 16) throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `a row version id has ${b.length} bytes, not 16`);
  return { fileNumber: b.readUInt32BE(0), offset: b.readBigUInt64BE(4), rowIndex: b.readUInt32BE(12) };
}

/** SQLite INTEGER is signed 64-bit: offsets beyond it are refused rather than wrapped. */
export function offsetColumn(offset: bigint): bigint {
  if (offset >= 1n << 63n) {
    throw new BinsnapError('BINSNAP_E_INTERNAL', `offset ${offset} does not fit the store's 63-bit offset column`);
  }
  return offset;
}

export function parseStoredPosition(text: string): BinlogPosition {
  try {
    return BinlogPosition.parse(text);
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the store holds an invalid position "${text}"`, { position: text }, { cause: err });
  }
}
