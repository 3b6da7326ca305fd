/**
 * Folds a key's versions, oldest first, into what the key holds (SPEC §4):
 * with a primary key, the latest upsert unless a delete follows it (at most one
 * row); without one, a count of occurrences of the image — `add` +1, `remove`
 * −1 but never below zero, so a delete the store never saw the insert of (a
 * replay that started late) cannot cancel a later insert.
 *
 * Input is ordered by key, then version; output is one entry per key with at
 * least one occurrence, carrying the reference of the version whose values
 * the rows take (backends fetch values lazily through it).
 */
import { assertNever } from '../core/errors.js';
import type { RowChange, RowOp } from './snapshot-store.js';

/** The op as stored: the RowOp with the key's identity folded in. */
export type StoredOp = 'upsert' | 'delete' | 'add' | 'remove';

export function storedOp(change: Pick<RowChange, 'op' | 'identity'>): StoredOp {
  if (change.identity === 'whole-row') return change.op === 'upsert' ? 'add' : 'remove';
  return change.op;
}

export function rowOpOf(op: StoredOp): RowOp {
  return op === 'upsert' || op === 'add' ? 'upsert' : 'delete';
}

export interface FoldStep<R> {
  readonly keyId: string;
  readonly op: StoredOp;
  readonly ref: R;
}

export interface FoldedRow<R> {
  readonly keyId: string;
  readonly ref: R;
  readonly count: number;
}

/** State of one key while folding. */
export class KeyState<R> {
  count = 0;
  ref: R | null = null;

  /** Back to no occurrence, for the next key. */
  reset(): void {
    this.count = 0;
    this.ref = null;
  }

  step(op: StoredOp, ref: R): void {
    switch (op) {
      case 'upsert':
        this.count = 1;
        this.ref = ref;
        return;
      case 'delete':
        this.count = 0;
        return;
      case 'add':
        this.count += 1;
        this.ref = ref;
        return;
      case 'remove':
        this.count = Math.max(0, this.count - 1);
        return;
      default:
        assertNever(op, 'stored op');
    }
  }
}

/** Folds a stream ordered by (key, version) into one entry per present key. */
export async function* foldRows<R>(steps: AsyncIterable<FoldStep<R>> | Iterable<FoldStep<R>>): AsyncGenerator<FoldedRow<R>> {
  let currentKey: string | null = null;
  let state = new KeyState<R>();
  for await (const s of steps) {
    if (s.keyId !== currentKey) {
      if (currentKey !== null && state.count > 0 && state.ref !== null) yield { keyId: currentKey, ref: state.ref, count: state.count };
      currentKey = s.keyId;
      state = new KeyState<R>();
    }
    state.step(s.op, s.ref);
  }
  if (currentKey !== null && state.count > 0 && state.ref !== null) yield { keyId: currentKey, ref: state.ref, count: state.count };
}
