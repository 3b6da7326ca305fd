/**
 * How often `seed --parallel 2` aligns its read views without a lock while the
 * source commits as fast as it can (ADR 0017):
 *
 *   npx tsx benchmarks/seed/align.ts [--writers 4] [--snapshots 20]
 *
 * Starts a throwaway MariaDB, runs `--writers` connections inserting one row
 * per autocommit transaction in a loop, then opens `--snapshots` two-connection
 * snapshots one after another (`openSnapshot(source, 2)`, the seed's own
 * function, --global-lock auto) and prints, per snapshot, how its views were
 * aligned (`aligned:<attempts>`, or `global-read-lock:<attempts>:<ms held>`)
 * and the commit rate meanwhile. Both views of each snapshot must see the same
 * rows (count and highest id); the number that did not is printed last.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, destroyMariadb, sourceUrlOf, startMariadb } from '../../test/harness/mariadb.js';
import { openSnapshot } from '../../src/source/seed-reader.js';

const { values: args } = parseArgs({
  options: { writers: { type: 'string', default: '4' }, snapshots: { type: 'string', default: '20' } },
});
const server = await startMariadb(mkdtempSync(path.join(os.tmpdir(), 'binsnap-align-')), { serverId: 1 });
try {
  const c = await connect(server);
  await c.query('CREATE DATABASE a');
  await c.query('CREATE TABLE a.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
  await c.end();
  let stop = false;
  let commits = 0;
  const writers = Array.from({ length: Number(args.writers) }, async () => {
    const w = await connect(server);
    while (!stop) {
      await w.query('INSERT INTO a.t (v) VALUES (1)');
      commits++;
    }
    await w.end();
  });
  await new Promise((r) => setTimeout(r, 1000));
  const results: string[] = [];
  let mismatches = 0;
  const c0 = commits;
  const t0 = Date.now();
  for (let i = 0; i < Number(args.snapshots); i++) {
    const snap = await openSnapshot(sourceUrlOf(server), 2, { globalLock: 'auto' });
    // Both views must see the same rows: the writers insert all the time, so views apart would differ.
    const seen = await Promise.all(snap.connections.map(async (conn) => JSON.stringify((await conn.query('SELECT COUNT(*) AS n, MAX(id) AS m FROM a.t'))[0])));
    if (seen[0] !== seen[1]) mismatches++;
    results.push(`${snap.method}:${snap.alignAttempts}${snap.lockHeldMs !== undefined ? `:${snap.lockHeldMs}ms` : ''}`);
    await snap.close();
  }
  const rate = Math.round((commits - c0) / ((Date.now() - t0) / 1000));
  stop = true;
  await Promise.all(writers);
  console.log(`${args.writers} writers, ${rate} commits/s while the snapshots were taken`);
  console.log(results.join(' '));
  console.log(`views that saw different rows: ${mismatches}`);
} finally {
  await destroyMariadb(server);
}
