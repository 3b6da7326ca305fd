/**
 * Checks every backend applies before writing anything of a transaction, and
 * the conflict rule for versions already present — kept in one place so all
 * backends accept and refuse exactly the same input.
 *
 * Invariants enforced here:
 * - start ≤ every row version's (fileNumber, offset) ≤ commit: a version is
 *   inside its transaction, which is what lets backends turn "commit ≤ P" into
 *   a bound on version positions;
 * - fileNumber and rowIndex fit 32 bits, offsets 64 bits;
 * - an upsert carries values, a delete none;
 * - commit timestamps are integer milliseconds.
 */
import { BinsnapError } from '../core/errors.js';
import { comparePositions, type BinlogPosition } from '../core/position.js';
import { encodeKey } from './key-encoding.js';
import { storedOp, type StoredOp } from './row-fold.js';
import { formatVersionId, type Checkpoint, type MetaWrites, type RowChange, type TransactionEnd, type TransactionStart } from './snapshot-store.js';

const U32_MAX = 0xffff_ffff;

export function checkStart(start: TransactionStart): void {
  checkFileNumber(start.startPosition);
}

export function checkEnd(start: TransactionStart, end: TransactionEnd): void {
  checkFileNumber(end.commitPosition);
  if (comparePositions(start.startPosition, end.commitPosition) > 0) {
    throw new BinsnapError('BINSNAP_E_INTERNAL', 'a transaction commits before it starts', {
      position: end.commitPosition.format(),
      start: start.startPosition.format(),
    });
  }
  checkTimestamp(end.commitTimestamp, end.commitPosition);
  if (end.checkpoint) checkTimestamp(end.checkpoint.commitTimestamp, end.checkpoint.position);
}

export function checkTimestamp(ms: number, at: BinlogPosition): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new BinsnapError('BINSNAP_E_INTERNAL', `commit timestamp ${ms} is not integer milliseconds since the epoch`, {
      position: at.format(),
    });
  }
}

/** A row change as every backend stores it. */
export interface PreparedChange {
  readonly change: RowChange;
  readonly op: StoredOp;
  readonly keyBytes: Buffer;
  /** JSON of the key and of the values, built on first use (the embedded store never needs them). */
  readonly keyJson: string;
  readonly valuesJson: string | null;
}

const OFFSET_LIMIT = 1n << 64n;

class Prepared implements PreparedChange {
  private keyText: string | undefined;
  private valuesText: string | null | undefined;

  constructor(
    readonly change: RowChange,
    readonly op: StoredOp,
    readonly keyBytes: Buffer,
  ) {}

  get keyJson(): string {
    if (this.keyText === undefined) this.keyText = JSON.stringify(this.change.key);
    return this.keyText;
  }

  get valuesJson(): string | null {
    if (this.valuesText === undefined) this.valuesText = this.change.values === null ? null : JSON.stringify(this.change.values);
    return this.valuesText;
  }
}

/**
 * Checks a change against its transaction's start (the commit is checked again at commit); returns
 * how it is stored. `previous`: a change checked just before (the rows of a batch in order); when
 * it has the same file and offset, as the rows of one event do, the offset's checks (BigInt
 * comparisons, the costly part per row) are not repeated.
 */
export function checkChange(change: RowChange, start: BinlogPosition, previous?: RowChange | null): StoredOp {
  const v = change.version;
  if (!Number.isInteger(v.fileNumber) || v.fileNumber < 0 || v.fileNumber > U32_MAX || !Number.isInteger(v.rowIndex) || v.rowIndex < 0 || v.rowIndex > U32_MAX) {
    throw invalid(change, 'file number and row index must be integers in 0..2^32-1');
  }
  const p = previous?.version;
  if (p === undefined || p.fileNumber !== v.fileNumber || p.offset !== v.offset) {
    if (v.offset < 0n || v.offset >= OFFSET_LIMIT) throw invalid(change, 'offset must be in 0..2^64-1');
    if (compareToPosition(change, start) < 0) throw invalid(change, `version lies before its transaction's start ${start.format()}`);
  }
  if ((change.op === 'upsert') !== (change.values !== null)) throw invalid(change, 'an upsert needs values and a delete has none');
  return storedOp(change);
}

/** checkChange, plus the key's bytes. */
export function prepareChange(change: RowChange, start: BinlogPosition): PreparedChange {
  return new Prepared(change, checkChange(change, start), encodeKey(change.key, change.numericKeyColumns));
}

export function checkBeforeCommit(change: RowChange, commit: BinlogPosition): void {
  if (compareToPosition(change, commit) > 0) throw invalid(change, `version lies after its transaction's commit ${commit.format()}`);
}

function compareToPosition(change: RowChange, p: BinlogPosition): number {
  const v = change.version;
  if (v.fileNumber !== p.fileNumber) return v.fileNumber < p.fileNumber ? -1 : 1;
  return v.offset === p.offset ? 0 : v.offset < p.offset ? -1 : 1;
}

function invalid(change: RowChange, why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_INTERNAL', `row version ${formatVersionId(change.version)} of ${change.table}: ${why}`, {
    table: change.table,
  });
}

function checkFileNumber(p: BinlogPosition): void {
  if (p.fileNumber > U32_MAX) {
    throw new BinsnapError('BINSNAP_E_INTERNAL', `binlog file number ${p.fileNumber} does not fit 32 bits`, { position: p.format() });
  }
}

/** What identifies a stored version's content; equal text = the same version written again. */
export interface StoredContent {
  readonly table: string;
  readonly op: StoredOp;
  readonly keyHex: string;
  readonly valuesJson: string | null;
}

export function checkSameContent(existing: StoredContent, incoming: PreparedChange): void {
  const same =
    existing.table === incoming.change.table &&
    existing.op === incoming.op &&
    existing.keyHex === incoming.keyBytes.toString('hex') &&
    existing.valuesJson === incoming.valuesJson;
  if (!same) {
    throw new BinsnapError(
      'BINSNAP_E_STORE_CONFLICT',
      `row version ${formatVersionId(incoming.change.version)} is already stored with different content`,
      { table: incoming.change.table, existingTable: existing.table },
    );
  }
}

/** The checkpoint after committing `incoming`: the greater position; at an equal position the newer write. */
export function nextCheckpoint(current: Checkpoint | null, incoming: Checkpoint): Checkpoint {
  if (current === null) return incoming;
  return comparePositions(incoming.position, current.position) >= 0 ? incoming : current;
}

export function defaultCheckpoint(end: TransactionEnd): Checkpoint {
  return end.checkpoint ?? { position: end.commitPosition, commitTimestamp: end.commitTimestamp };
}

/** A bookkeeping document's name and value (SnapshotStore.getMeta/setMeta): any non-empty name; a string or null. */
export function checkMetaName(name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new BinsnapError('BINSNAP_E_INTERNAL', 'a bookkeeping document needs a non-empty name', { field: 'name' });
  }
}

export function checkMetaValue(name: string, value: string | null): void {
  if (value !== null && typeof value !== 'string') {
    throw new BinsnapError('BINSNAP_E_INTERNAL', `bookkeeping document "${name}": the value must be a string or null`, { field: 'value' });
  }
}

/** The documents a commit writes (TransactionWriter.commit), checked as setMeta checks one; [] for none. */
export function metaEntries(meta: MetaWrites | undefined): Array<[string, string | null]> {
  if (meta === undefined) return [];
  const entries = Object.entries(meta);
  for (const [name, value] of entries) {
    checkMetaName(name);
    checkMetaValue(name, value);
  }
  return entries;
}
