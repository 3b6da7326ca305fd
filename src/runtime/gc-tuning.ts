/**
 * V8 settings the command line applies to its own process before any work.
 *
 * Allocation-site pretenuring is switched off. Rows pass through binsnap as
 * short-lived objects, but some are held for a while first: a transaction's
 * first 10,000 rows before it is streamed, a batch of committed transactions
 * waiting for its store write. V8 sees those survive and from then on
 * allocates every object of the same sites — every later row — directly in
 * the old generation, where each one costs a full mark-compact instead of a
 * free scavenge. Measured on a 1M-row, 19-column replay: GC 1.3–1.7 s →
 * 0.25–0.37 s (benchmarks/README.md). The flag is read at each GC, so setting
 * it at start-up takes effect.
 */
import v8 from 'node:v8';

let applied = false;

export function tuneGarbageCollector(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
