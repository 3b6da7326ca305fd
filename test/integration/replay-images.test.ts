/**
 * `binsnap replay` of the seeded workload (test/harness/workload.ts) written
 * with partial row images and reduced TABLE_MAP metadata, on two extra
 * throwaway servers:
 *
 * - binlog_row_image=MINIMAL + binlog_row_metadata=NO_LOG: updates and deletes
 *   carry only the key in the before image and only the changed columns in
 *   the after image, and TABLE_MAP has no names, charsets or signedness, so
 *   all of that comes from binsnap's schema history (the workload creates its
 *   tables inside the range);
 * - binlog_row_image=NOBLOB + binlog_row_metadata=MINIMAL: unchanged BLOB/TEXT
 *   columns are left out of the images.
 *
 * The range is replayed from the binlog files into a fresh store, and `export
 * --at` of every table at every checkpoint must equal the SELECT snapshot the
 * workload recorded (the same comparison as replay-differential.test.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, destroyMariadb, startMariadb, type MariadbInfo, type MariadbOptions } from '../harness/mariadb.js';
import { checkEveryCheckpoint, replay } from '../harness/replay-check.js';
import { runWorkload } from '../harness/workload.js';
import type { WorkloadResult } from '../harness/workload.js';

const TRANSACTIONS = Number(process.env['BINSNAP_TEST_IMAGES_TXNS'] ?? 600);
const SEED = Number(process.env['BINSNAP_TEST_WORKLOAD_SEED'] ?? 20261122);
const BIG_ROWS = Number(process.env['BINSNAP_TEST_IMAGES_BIG_ROWS'] ?? 20_000);

interface Variant {
  readonly name: string;
  readonly opts: MariadbOptions;
  readonly image: 'MINIMAL' | 'NOBLOB';
  readonly metadata: 'NO_LOG' | 'MINIMAL';
}

const VARIANTS: readonly Variant[] = [
  { name: 'MINIMAL images, NO_LOG metadata', opts: { serverId: 31, binlogRowImage: 'MINIMAL', binlogRowMetadata: 'NO_LOG' }, image: 'MINIMAL', metadata: 'NO_LOG' },
  { name: 'NOBLOB images, MINIMAL metadata', opts: { serverId: 32, binlogRowImage: 'NOBLOB', binlogRowMetadata: 'MINIMAL' }, image: 'NOBLOB', metadata: 'MINIMAL' },
];

describe('replay with partial row images and reduced metadata', () => {
  const servers = new Map<string, MariadbInfo>();
  const works = new Map<string, WorkloadResult>();
  let dir: string;
  const db = `wl_img_${process.pid}`;

  beforeAll(async () => {
    const tmpRoot = inject('tmpRoot');
    dir = await mkdtemp(path.join(tmpRoot, 'replay-images-'));
    // Both servers start and run their workload side by side.
    const started = await Promise.allSettled(VARIANTS.map(async (v) => {
      const server = await startMariadb(tmpRoot, v.opts);
      servers.set(v.name, server);
      const conn = await connect(server);
      try {
        const [rows] = await conn.query('SELECT @@binlog_row_image AS i, @@binlog_row_metadata AS m, @@binlog_format AS f');
        const r = (rows as Array<{ i: string; m: string; f: string }>)[0];
        expect({ image: r?.i, metadata: r?.m, format: r?.f }).toEqual({ image: v.image, metadata: v.metadata, format: 'ROW' });
        const t0 = Date.now();
        const work = await runWorkload(conn, { seed: SEED, transactions: TRANSACTIONS, db, bigRows: BIG_ROWS, anyRowImage: true });
        console.log(`replay-images (${v.name}): ${work.steps} steps, ${work.checkpoints.length} checkpoints, ${work.start} → ${work.end} in ${Date.now() - t0} ms`);
        works.set(v.name, work);
      } finally {
        await conn.end();
      }
    }));
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([...servers.values()].map((s) => destroyMariadb(s)));
  });

  for (const v of VARIANTS) {
    it(`${v.name}: every table at every checkpoint equals the live SELECT`, async () => {
      const server = servers.get(v.name) as MariadbInfo;
      const work = works.get(v.name) as WorkloadResult;
      expect(work.checkpoints.length).toBeGreaterThan(5);
      const store = path.join(dir, `${v.image.toLowerCase()}-${v.metadata.toLowerCase()}.db`);
      const r = await replay(['--binlog-dir', server.binlogDir as string, '--from', work.start, '--to', work.end, '--store', store]);
      // Warnings (e.g. a partial image with no earlier version found) help diagnose a failing comparison.
      if (r.err.trim() !== '') console.log(`replay-images (${v.name}) replay warnings:\n${r.err.slice(0, 3000)}`);
      const n = await checkEveryCheckpoint(store, work.checkpoints, `${v.name} ${path.basename(store)}`);
      expect(n).toBeGreaterThan(30);
    }, 120_000);
  }
});
