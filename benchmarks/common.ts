/** Small helpers the benchmarks share: timing, medians, an in-memory text stream, a working directory. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

/** Seconds since `t0` (a `process.hrtime.bigint()` reading). */
export const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/** The median (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** A writable stream that keeps what is written, for a CLI run's stdout/stderr. */
export function textCollector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

/**
 * A fresh working directory `.tmp/bench-<name>-XXXX` for one benchmark run; the test
 * harness's servers put their files under it too (BINSNAP_TEST_TMP).
 */
export function benchRoot(name: string): string {
  const tmp = path.resolve('.tmp');
  mkdirSync(tmp, { recursive: true });
  const root = mkdtempSync(path.join(tmp, `bench-${name}-`));
  process.env['BINSNAP_TEST_TMP'] = root;
  return root;
}
