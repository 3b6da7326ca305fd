/**
 * Which stored row versions make up a table name's content (SPEC §4 table
 * events as versions). Pure: given the table events a backend returns, it
 * yields segments `(name, [from, to))` of version positions; the content is,
 * per key, the versions of those segments folded in version order.
 *
 * Walk, newest first, over events visible as of the read (commit ≤ P):
 * - nothing before → the name's versions from the beginning;
 * - create, truncate, drop, or rename *away* of the name at event E → only its
 *   versions from E's transaction start (rows of E's own transaction, as in
 *   CREATE … SELECT, come after the event);
 * - rename *to* the name from X at E → its versions from E, plus X's lineage
 *   for versions before E.
 * Events are ordered by (transaction start, index in transaction), so a swap
 * `RENAME TABLE t TO old, new TO t` resolves in statement order. Segments are
 * disjoint in position and listed newest first.
 *
 * For row history (`acrossTruncates`), a truncate does not end the walk: the
 * row's history runs through it, as the table is still the same incarnation.
 */
import { BinsnapError } from '../core/errors.js';
import { comparePositions, type BinlogPosition } from '../core/position.js';
import type { TableEventRecord } from './snapshot-store.js';

export interface Segment {
  readonly table: string;
  /** Inclusive lower bound on the version's (fileNumber, offset); null = from the beginning. */
  readonly from: BinlogPosition | null;
  /** Exclusive upper bound; null = no bound (visibility still applies). */
  readonly to: BinlogPosition | null;
}

/** All events where `table` is the table or the rename target; any order, any visibility. */
export type EventsTouching = (table: string) => Promise<readonly TableEventRecord[]>;

const MAX_STEPS = 100_000;

export async function resolveLineage(
  table: string,
  visibleUpTo: BinlogPosition | null,
  eventsTouching: EventsTouching,
  options: { readonly acrossTruncates?: boolean } = {},
): Promise<Segment[]> {
  const segments: Segment[] = [];
  let name = table;
  let cursor: TableEventRecord | null = null;
  for (let step = 0; step < MAX_STEPS; step++) {
    const before: TableEventRecord | null = cursor;
    const candidates: TableEventRecord[] = (await eventsTouching(name)).filter(
      (e) =>
        (visibleUpTo === null || comparePositions(e.transaction.commitPosition, visibleUpTo) <= 0) &&
        (before === null || compareEventOrder(e, before) < 0) &&
        cuts(e, name, options.acrossTruncates === true),
    );
    const upper = before === null ? null : before.transaction.startPosition;
    const latest: TableEventRecord | null = candidates.reduce<TableEventRecord | null>((m, e) => (m === null || compareEventOrder(e, m) > 0 ? e : m), null);
    if (latest === null) {
      segments.push({ table: name, from: null, to: upper });
      return segments;
    }
    segments.push({ table: name, from: latest.transaction.startPosition, to: upper });
    const ev = latest.event;
    if (ev.kind === 'rename' && ev.to === name && ev.table !== name) {
      cursor = latest;
      name = ev.table;
      continue;
    }
    return segments;
  }
  throw new BinsnapError('BINSNAP_E_INTERNAL', `table lineage of ${table} does not end`, { table });
}

function cuts(e: TableEventRecord, name: string, acrossTruncates: boolean): boolean {
  const ev = e.event;
  if (ev.kind === 'rename') return ev.table === name || ev.to === name;
  if (ev.kind === 'truncate') return !acrossTruncates && ev.table === name;
  return ev.table === name;
}

export function compareEventOrder(a: TableEventRecord, b: TableEventRecord): number {
  return comparePositions(a.transaction.startPosition, b.transaction.startPosition) || a.seq - b.seq;
}

/** Whether a version position lies in a segment. */
export function inSegment(s: Segment, fileNumber: number, offset: bigint): boolean {
  if (s.from !== null && cmp(fileNumber, offset, s.from) < 0) return false;
  if (s.to !== null && cmp(fileNumber, offset, s.to) >= 0) return false;
  return true;
}

function cmp(fileNumber: number, offset: bigint, p: BinlogPosition): number {
  if (fileNumber !== p.fileNumber) return fileNumber < p.fileNumber ? -1 : 1;
  return offset === p.offset ? 0 : offset < p.offset ? -1 : 1;
}
