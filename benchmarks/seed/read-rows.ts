/**
 * The seed's reading alone, without the store: `readRows` (the SELECT, the
 * row packets, the field readers) over one table of a running server, as the
 * seed reads it. Prints rows, wall and CPU seconds, so the reader can be
 * profiled and compared across builds without the store's cost in between.
 *
 *   npx tsx benchmarks/seed/read-rows.ts --source mysql://user:pass@host:port --table sbtest.wide [--src DIR]
 *
 * `--src DIR` reads with another copy of `src/` (e.g. the last commit's, from
 * `git worktree`), for before/after comparisons in one sitting. Pair it with
 * `node --cpu-prof --import tsx …` and `benchmarks/replay/profile-summary.ts`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type * as ValuesModule from '../../src/config/values.js';
import type * as SeedModule from '../../src/pipeline/seed.js';
import type * as ReaderModule from '../../src/source/seed-reader.js';

const { values: args } = parseArgs({
  options: {
    source: { type: 'string' },
    table: { type: 'string' },
    src: { type: 'string', default: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src') },
  },
});
if (!args.source || !args.table || !args.table.includes('.')) {
  console.error('usage: read-rows.ts --source mysql://… --table db.table [--src DIR]');
  process.exit(2);
}
const src = path.resolve(args.src);
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(src, file)).href)) as T;

type Reader = typeof ReaderModule;
type Seed = typeof SeedModule;
type Values = typeof ValuesModule;
const { openSnapshot, readRows, showCreateTable, serverCharset } = await load<Reader>('source/seed-reader.ts');
const { seedSchema } = await load<Seed>('pipeline/seed.ts');
const { parseOptionValue } = await load<Values>('config/values.ts');

const source = parseOptionValue('source-url', args.source, '--source', { kind: 'flag', name: '--source' }) as Parameters<Reader['openSnapshot']>[0];
const [db, table] = [args.table.slice(0, args.table.indexOf('.')), args.table.slice(args.table.indexOf('.') + 1)];
const snap = await openSnapshot(source, 1);
try {
  const conn = snap.connections[0]!;
  const ddl = await showCreateTable(conn, { db, table });
  const columns = seedSchema(new Map(), [{ db, table, ddl }], await serverCharset(conn)).tables[0]!.schema.columns;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  for await (const batch of readRows(conn, { db, table }, columns, undefined, 1000, false, snap.flavor)) rows += batch.length;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${args.table}: ${rows} rows in ${wall.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (src ${src})`);
} finally {
  await snap.close();
}
