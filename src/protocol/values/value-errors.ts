/**
 * Coded errors raised while decoding one column value. Every throw names the
 * column so a user can find the cell; the event decoder adds file, offset and
 * table when it wraps or re-throws.
 *
 * Invariant: nothing in src/protocol/values throws anything but BinsnapError.
 */
import { BinsnapError } from '../../core/errors.js';

/** A length or count in the cell points outside the buffer given. */
export function corruptValue(column: string, what: string, offset: number, cause?: unknown): BinsnapError {
  return new BinsnapError(
    'BINSNAP_E_BINLOG_CORRUPT_EVENT',
    `column value is malformed: ${what}`,
    { field: column, valueOffset: offset },
    cause === undefined ? undefined : { cause },
  );
}

/** The TABLE_MAP type code (or a JSON/opaque subtype) is not one we decode. */
export function unknownType(column: string, type: number, what = 'column type'): BinsnapError {
  return new BinsnapError('BINSNAP_E_UNKNOWN_COLUMN_TYPE', `unsupported ${what} ${type}`, { field: column, typeCode: type });
}

/** Throws unless `need` bytes are available at `offset` (before `limit`). */
export function need(buf: Buffer, offset: number, n: number, column: string, limit: number = buf.length): void {
  if (offset + n > limit || offset < 0) throw corruptValue(column, `needs ${n} bytes at ${offset}, only ${Math.max(0, limit - offset)} left`, offset);
}
