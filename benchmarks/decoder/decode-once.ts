/**
 * Decodes binlog files with the file source once and prints the time and row
 * count: the loop the decoder benchmark times, for profiling without a server.
 *
 *   node --cpu-prof --import tsx benchmarks/decoder/decode-once.ts [--repeat N] [--src DIR] FILE...
 *   npx tsx benchmarks/replay/profile-summary.ts CPU.*.cpuprofile
 *
 * (`npx tsx benchmarks/decoder/run.ts --keep DIR` keeps each dataset's files in DIR/<name>/.)
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as FileSource from '../../src/source/file-source.js';

const { values: args, positionals: files } = parseArgs({
  options: { repeat: { type: 'string', default: '1' }, src: { type: 'string' } },
  allowPositionals: true,
});
// --src DIR: another copy of the sources (e.g. the last commit's, for before/after runs).
const { readBinlogFiles } = (await import(path.resolve(args.src ?? path.join(import.meta.dirname, '../../src'), 'source/file-source.ts'))) as typeof FileSource;
for (let i = 0; i < Number(args.repeat); i++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let rows = 0;
  let events = 0;
  for await (const ev of readBinlogFiles({ files })) {
    events++;
    if (ev.kind === 'rows') rows += ev.rows.length;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  console.log(`${s.toFixed(3)} s wall, ${((c.user + c.system) / 1e6).toFixed(3)} s cpu, ${events} events, ${rows} rows`);
}
