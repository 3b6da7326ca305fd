/**
 * Merges the per-segment scans of a table's lineage (each in key, then
 * version order; segments disjoint in versions) into one stream in that order,
 * ready for row-fold.ts. The references carried are row ids, so values are
 * fetched only for the versions that win.
 */
import type { FoldStep } from './row-fold.js';
import type { ScanRow } from './sqlite-reads.js';

export function toStep(r: ScanRow): FoldStep<number> {
  return { keyId: r.pk_sort.toString('latin1'), op: r.op, ref: r.id };
}

/** Merges per-range scans (each ordered by key, then version; ranges disjoint in version) into one such order. */
export function* mergeScans(scans: Generator<ScanRow>[]): Generator<FoldStep<number>> {
  if (scans.length === 1) {
    for (const r of scans[0] as Generator<ScanRow>) yield toStep(r);
    return;
  }
  const heads = scans.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i] as IteratorResult<ScanRow>;
      if (h.done) continue;
      const b = best < 0 ? null : (heads[best] as IteratorYieldResult<ScanRow>).value;
      if (b === null || Buffer.compare(h.value.pk_sort, b.pk_sort) < 0 || (h.value.pk_sort.equals(b.pk_sort) && Buffer.compare(h.value.version, b.version) < 0)) best = i;
    }
    if (best < 0) return;
    yield toStep((heads[best] as IteratorYieldResult<ScanRow>).value);
    heads[best] = (scans[best] as Generator<ScanRow>).next();
  }
}
