/**
 * The progress of an unfinished `binsnap seed`, kept in the store as the
 * bookkeeping document `seed` (SnapshotStore.getMeta / setMeta), so that an
 * interrupted seed (signal, crash, lost connection) resumes where it stopped
 * instead of starting over. See ADR 0010.
 *
 * A seed writes its rows in chunks, each a store transaction at the snapshot
 * position P. After each chunk the document records, per table, the parts
 * that are stored and current as of `position`: the whole table, or — for a
 * table with one integer key column, read in key order — key ranges.
 *
 * Resuming at a new snapshot position P2 ≥ position: the binlog from
 * `position` to P2 is applied as `binsnap run` would (every change), which
 * makes the stored parts current as of P2; then everything not recorded as
 * stored is read at P2 and written at P2. A keyed row the binlog touched
 * outside the stored parts is overwritten by its P2 version (or, deleted
 * before P2, left deleted), so the result equals the source at P2. A table
 * without a key that is not recorded whole gets a truncate at P2 first, so
 * rows it may have in the store are not counted twice. The store holds a
 * consistent snapshot from the final seed position on.
 */
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';

export const SEED_META = 'seed';

/** A half-open key range [from, to); null is unbounded. */
export type KeyRange = readonly [from: bigint | null, to: bigint | null];

export type TableDone =
  | { readonly kind: 'all' }
  | { readonly kind: 'ranges'; readonly column: string; readonly ranges: readonly KeyRange[] };

export interface SeedProgress {
  /** What the user asked for (`--tables` as given, or null for every table), to refuse a different resume. */
  readonly request: string | null;
  /** Where the first attempt started (its snapshot position), for messages. */
  readonly firstPosition: BinlogPosition;
  /** Every stored part is current as of this position. */
  readonly position: BinlogPosition;
  /** Tables (as `db.table`) with stored parts. */
  readonly done: ReadonlyMap<string, TableDone>;
  readonly startedAt: number;
  readonly attempts: number;
  /**
   * The row index the next stored row takes: a resumed seed at the same position (an idle source)
   * must not give an index again to another row. Recorded in the transaction of each chunk.
   */
  readonly nextIndex: number;
}

interface Document {
  readonly format: 1;
  readonly request: string | null;
  readonly firstPosition: string;
  readonly position: string;
  readonly done: Record<string, true | { column: string; ranges: Array<[string | null, string | null]> }>;
  readonly startedAt: number;
  readonly attempts: number;
  /** Absent in records of binsnap 0.x before it (read as 0). */
  readonly nextIndex?: number;
}

export function encodeSeedProgress(p: SeedProgress): string {
  const done: Document['done'] = {};
  for (const [table, d] of p.done) {
    done[table] = d.kind === 'all' ? true : { column: d.column, ranges: d.ranges.map(([a, b]) => [a === null ? null : a.toString(), b === null ? null : b.toString()]) };
  }
  const doc: Document = {
    format: 1,
    request: p.request,
    firstPosition: p.firstPosition.format(),
    position: p.position.format(),
    done,
    startedAt: p.startedAt,
    attempts: p.attempts,
    nextIndex: p.nextIndex,
  };
  return JSON.stringify(doc);
}

export function decodeSeedProgress(text: string): SeedProgress {
  try {
    const doc = JSON.parse(text) as Document;
    if (doc.format !== 1) throw new Error(`format ${String(doc.format)}`);
    if (doc.nextIndex !== undefined && !(Number.isSafeInteger(doc.nextIndex) && doc.nextIndex >= 0 && doc.nextIndex <= 2 ** 32)) {
      throw new Error(`next row index ${String(doc.nextIndex)}`);
    }
    const done = new Map<string, TableDone>();
    for (const [table, d] of Object.entries(doc.done)) {
      if (d === true) done.set(table, { kind: 'all' });
      else done.set(table, { kind: 'ranges', column: d.column, ranges: d.ranges.map(([a, b]) => [a === null ? null : BigInt(a), b === null ? null : BigInt(b)] as const) });
    }
    return {
      request: doc.request,
      firstPosition: BinlogPosition.parse(doc.firstPosition),
      position: BinlogPosition.parse(doc.position),
      done,
      startedAt: doc.startedAt,
      attempts: doc.attempts,
      nextIndex: doc.nextIndex ?? 0,
    };
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the store's record of an unfinished seed cannot be read: ${(err as Error).message}`, {}, { cause: err });
  }
}

const lt = (a: bigint | null, b: bigint | null, nullIs: 'low' | 'high'): boolean => {
  if (a === null && b === null) return false;
  if (a === null) return nullIs === 'low';
  if (b === null) return nullIs === 'high';
  return a < b;
};

/** The union of ranges, sorted and merged (touching ranges join). */
export function mergeRanges(ranges: readonly KeyRange[]): KeyRange[] {
  const sorted = ranges.filter(([a, b]) => a === null || b === null || a < b).slice().sort(([a], [b]) => (lt(a, b, 'low') ? -1 : lt(b, a, 'low') ? 1 : 0));
  const out: Array<[bigint | null, bigint | null]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    // Overlapping or touching: last.to is unbounded, or ≥ a.
    if (last && (last[1] === null || (a !== null && last[1] >= a) || a === null)) {
      if (last[1] !== null && (b === null || b > last[1])) last[1] = b;
      continue;
    }
    out.push([a, b]);
  }
  return out;
}

/** The parts of (−∞, +∞) no range covers. */
export function complementRanges(ranges: readonly KeyRange[]): KeyRange[] {
  const merged = mergeRanges(ranges);
  const out: KeyRange[] = [];
  let from: bigint | null = null;
  let open = true; // the gap starting at `from` (null: −∞) is still open
  for (const [a, b] of merged) {
    if (a !== null && (from === null || a > from)) out.push([from, a]);
    if (b === null) {
      open = false;
      break;
    }
    from = b;
  }
  if (merged.length === 0) return [[null, null]];
  if (open) out.push([from, null]);
  return out;
}

/** Adds stored parts of a table to `done`. */
export function addDone(done: Map<string, TableDone>, table: string, part: TableDone): void {
  const cur = done.get(table);
  if (part.kind === 'all' || cur?.kind === 'all') {
    done.set(table, { kind: 'all' });
    return;
  }
  const same = cur?.kind === 'ranges' && cur.column === part.column;
  const ranges = mergeRanges([...(same ? cur.ranges : []), ...part.ranges]);
  done.set(table, ranges.length === 1 && ranges[0]![0] === null && ranges[0]![1] === null ? { kind: 'all' } : { kind: 'ranges', column: part.column, ranges });
}

