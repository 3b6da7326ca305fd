/**
 * Binlog positions as a value type (SPEC §1). A position is the binlog file
 * (its name, kept to print it back, and its numeric suffix, compared as a
 * number) plus a 64-bit byte offset kept as a bigint. Parse once at the edge,
 * compare with `compare`, print with `format` — never as a raw string.
 *
 * Ordering ignores the file's base name: positions are only comparable within
 * one server's binlog sequence (after a failover, GTIDs carry the ordering).
 */
import { BinsnapError } from './errors.js';

const FILE_NAME = /^(.*?)\.(\d+)$/;
const MAX_OFFSET = (1n << 64n) - 1n;

export class BinlogPosition {
  private constructor(
    /** The binlog file name as the server names it, e.g. `mysql-bin.000042`. */
    readonly file: string,
    /** The file's numeric suffix, e.g. 42. */
    readonly fileNumber: number,
    /** Byte offset in the file (unsigned 64-bit). */
    readonly offset: bigint,
  ) {}

  /** A position in `file` at `offset`; the file name must end in `.<digits>`. */
  static of(file: string, offset: bigint | number): BinlogPosition {
    const m = FILE_NAME.exec(basename(file));
    if (!m || m[1] === '') {
      throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `binlog file name "${file}" has no numeric suffix`, { file });
    }
    const big = typeof offset === 'bigint' ? offset : toBigOffset(offset, file);
    if (big < 0n || big > MAX_OFFSET) {
      throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `offset ${big} is outside 0..2^64-1`, { file });
    }
    const fileNumber = Number(m[2]);
    if (!Number.isSafeInteger(fileNumber)) {
      throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `binlog file number in "${file}" is too large`, { file });
    }
    return new BinlogPosition(basename(file), fileNumber, big);
  }

  /**
   * Internal: validates `file` once and returns a cheap builder of positions in
   * it (for decoders that make two positions per event). Offsets must be
   * non-negative safe integers (file offsets); anything else falls back to `of`.
   */
  static inFile(file: string): (offset: number) => BinlogPosition {
    const first = BinlogPosition.of(file, 0);
    const name = first.file;
    const fileNumber = first.fileNumber;
    return (offset: number): BinlogPosition =>
      offset >= 0 && Number.isSafeInteger(offset) ? new BinlogPosition(name, fileNumber, BigInt(offset)) : BinlogPosition.of(name, offset);
  }

  /** Parses `FILE:OFFSET`, e.g. `mysql-bin.000042:1337`. */
  static parse(text: string): BinlogPosition {
    const trimmed = text.trim();
    const colon = trimmed.lastIndexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `"${text}" is not FILE:OFFSET`, { position: text });
    }
    const file = trimmed.slice(0, colon);
    const off = trimmed.slice(colon + 1);
    if (!/^\d+$/.test(off)) {
      throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `offset "${off}" in "${text}" is not a non-negative integer`, {
        position: text,
      });
    }
    return BinlogPosition.of(file, BigInt(off));
  }

  /** The base name without the numeric suffix, e.g. `mysql-bin`. */
  get baseName(): string {
    return this.file.slice(0, this.file.lastIndexOf('.'));
  }

  format(): string {
    return `${this.file}:${this.offset}`;
  }

  toString(): string {
    return this.format();
  }

  toJSON(): string {
    return this.format();
  }

  withOffset(offset: bigint | number): BinlogPosition {
    return BinlogPosition.of(this.file, offset);
  }

  /** The name of the file `delta` numbers after this one, keeping the suffix width. */
  static nextFileName(file: string, delta = 1): string {
    const m = FILE_NAME.exec(file);
    if (!m) throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `binlog file name "${file}" has no numeric suffix`, { file });
    const digits = m[2] as string;
    return `${m[1]}.${String(Number(digits) + delta).padStart(digits.length, '0')}`;
  }

  compare(other: BinlogPosition): -1 | 0 | 1 {
    return comparePositions(this, other);
  }

  equals(other: BinlogPosition): boolean {
    return this.fileNumber === other.fileNumber && this.offset === other.offset;
  }

  isBefore(other: BinlogPosition): boolean {
    return comparePositions(this, other) < 0;
  }

  isAfter(other: BinlogPosition): boolean {
    return comparePositions(this, other) > 0;
  }
}

export function comparePositions(a: BinlogPosition, b: BinlogPosition): -1 | 0 | 1 {
  if (a.fileNumber !== b.fileNumber) return a.fileNumber < b.fileNumber ? -1 : 1;
  if (a.offset !== b.offset) return a.offset < b.offset ? -1 : 1;
  return 0;
}

export function maxPosition(a: BinlogPosition, b: BinlogPosition): BinlogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

function basename(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return slash >= 0 ? file.slice(slash + 1) : file;
}

function toBigOffset(n: number, file: string): bigint {
  if (!Number.isSafeInteger(n)) {
    throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `offset ${n} is not an exact integer`, { file });
  }
  return BigInt(n);
}
