/**
 * Decoder benchmark (issues 3 and 4): decode throughput of binsnap's file
 * source on datasets A–D, side by side in one run with `mariadb-binlog
 * --base64-output=decode-rows -v` printing the same files, with zongji
 * streaming the same range from the server, and with binsnap's own server
 * source streaming it over the network. Prints a markdown table of MB/s,
 * rows/s and ratios (binsnap time / their time: below 1 means binsnap is
 * faster).
 *
 *   npx tsx benchmarks/decoder/run.ts [--scale 1] [--runs 3] [--no-zongji] [--no-network]
 *                                     [--only A,D] [--keep DIR]
 *
 * Runs are interleaved (one run of every tool, then the next round), so a
 * burst of load on a shared machine hits every tool alike; medians are
 * reported. `--keep DIR` copies each dataset's binlog files to DIR/<name>/
 * (for profiling `readBinlogFiles` on them without a server).
 *
 * It starts its own throwaway MariaDB (scripts/install-deps.sh --bench first).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ZongJi from '@vlasky/zongji';
import { readBinlogFiles } from '../../src/source/file-source.js';
import { readServerBinlog } from '../../src/source/server-source.js';
import { BinlogPosition } from '../../src/core/position.js';
import { connect, destroyMariadb, sourceUrlOf, startMariadb, type MariadbInfo } from '../../test/harness/mariadb.js';
import { createDatasets, keepDataset, type Dataset } from './datasets.js';
import { benchRoot, median } from '../common.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    'no-zongji': { type: 'boolean', default: false },
    'no-network': { type: 'boolean', default: false },
    only: { type: 'string', default: 'A,B,C,D' },
    keep: { type: 'string' },
  },
});
const scale = Number(args.scale);
const runs = Number(args.runs);
const only = new Set(args.only.split(',').map((x) => x.trim().toUpperCase()));

interface Timing {
  readonly seconds: number;
  readonly rows: number;
}

async function timeMariadbBinlog(ds: Dataset): Promise<Timing> {
  const devnull = openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mariadb-binlog', ['--base64-output=decode-rows', '--verbose', ...ds.files], {
        stdio: ['ignore', devnull, 'inherit'],
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb-binlog exited with ${code}`))));
    });
  } finally {
    closeSync(devnull);
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows: ds.rows };
}

async function timeBinsnap(ds: Dataset): Promise<Timing> {
  const t0 = process.hrtime.bigint();
  let rows = 0;
  for await (const ev of readBinlogFiles({ files: ds.files })) {
    if (ev.kind === 'rows') rows += ev.rows.length;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows };
}

async function timeBinsnapNetwork(ds: Dataset, server: MariadbInfo): Promise<Timing> {
  const t0 = process.hrtime.bigint();
  let rows = 0;
  for await (const ev of readServerBinlog({
    source: sourceUrlOf(server),
    serverId: 7002,
    start: { kind: 'position', position: BinlogPosition.of(ds.startFile, 4) },
    to: BinlogPosition.of(ds.endFile, ds.endOffset),
  })) {
    if (ev.kind === 'rows') rows += ev.rows.length;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows };
}

async function timeZongji(ds: Dataset, server: MariadbInfo): Promise<Timing> {
  const zongji = new ZongJi({ host: server.host, port: server.port, user: server.user, password: server.password });
  const t0 = process.hrtime.bigint();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    zongji.on('error', reject);
    const wanted = ds.action === 'insert' ? 'writerows' : 'updaterows';
    // The stream runs on past the dataset: count only its own table and change kind.
    zongji.on('binlog', (evt) => {
      const e = evt as { rows?: unknown; tableId?: number; tableMap?: Record<number, { tableName: string }>; getEventName(): string };
      if (!Array.isArray(e.rows) || e.getEventName() !== wanted) return;
      if (e.tableMap?.[e.tableId ?? -1]?.tableName !== ds.table) return;
      rows += e.rows.length;
      if (rows >= ds.rows) resolve();
    });
    zongji.start({
      serverId: 7001,
      filename: path.basename(ds.files[0] as string),
      position: 4,
      includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows'],
    });
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise<void>((resolve) => {
    zongji.once('stopped', () => resolve());
    zongji.stop();
  });
  return { seconds, rows };
}

async function once(name: string, ds: Dataset, fn: () => Promise<Timing>, into: number[]): Promise<void> {
  const t = await fn();
  if (t.rows !== ds.rows) throw new Error(`${name} decoded ${t.rows} rows of dataset ${ds.name}, expected ${ds.rows}`);
  into.push(t.seconds);
}

/** Copies each dataset's files to dir/<name>/. */
function keep(datasets: readonly Dataset[], dir: string, log: (m: string) => void): void {
  for (const ds of datasets) log(`kept dataset ${ds.name} in ${keepDataset(ds, dir)}`);
}

async function main(): Promise<void> {
  const root = benchRoot('decoder');
  const log = (m: string): void => console.error(`[bench] ${m}`);
  const server = await startMariadb(root, { serverId: 1, maxBinlogSize: 1024 * 1024 * 1024 }, log);
  try {
    const conn = await connect(server);
    let datasets: Dataset[];
    try {
      datasets = await createDatasets(conn, server.binlogDir as string, scale, log, (f) => statSync(f).size);
    } finally {
      await conn.end();
    }
    const lines = [
      `| dataset | MB | rows | binsnap files s | MB/s | rows/s | mariadb-binlog -v s | ratio | zongji (network) s | ratio | binsnap network s | MB/s | ratio vs zongji |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ];
    if (args.keep !== undefined) keep(datasets, path.resolve(args.keep), log);
    for (const ds of datasets) {
      if (!only.has(ds.name)) continue;
      log(`measuring dataset ${ds.name} (${runs} interleaved runs)`);
      const t = { ours: [] as number[], mb: [] as number[], zj: [] as number[], net: [] as number[] };
      for (let i = 0; i < runs; i++) {
        await once('binsnap', ds, () => timeBinsnap(ds), t.ours);
        await once('mariadb-binlog', ds, () => timeMariadbBinlog(ds), t.mb);
        if (!args['no-zongji']) await once('zongji', ds, () => timeZongji(ds, server), t.zj);
        if (!args['no-network']) await once('binsnap network', ds, () => timeBinsnapNetwork(ds, server), t.net);
        const f = (xs: number[]): string => (xs.length > i ? (xs[i] as number).toFixed(2) : '–');
        log(`  run ${i + 1}: binsnap ${f(t.ours)} s, mariadb-binlog ${f(t.mb)} s, zongji ${f(t.zj)} s, network ${f(t.net)} s`);
      }
      const ours = median(t.ours);
      const mb = median(t.mb);
      const zj = t.zj.length === 0 ? undefined : median(t.zj);
      const net = t.net.length === 0 ? Number.NaN : median(t.net);
      const mbytes = ds.bytes / 1e6;
      const vsZongji = (t: number): string => (zj === undefined ? '–' : `**${(t / zj).toFixed(2)}**`);
      lines.push(
        `| ${ds.name}: ${ds.title} | ${mbytes.toFixed(1)} | ${ds.rows.toLocaleString('en')} | ${ours.toFixed(2)} | ` +
          `${(mbytes / ours).toFixed(0)} | ${Math.round(ds.rows / ours).toLocaleString('en')} | ${mb.toFixed(2)} | ` +
          `**${(ours / mb).toFixed(2)}** | ${zj === undefined ? '–' : zj.toFixed(2)} | ${vsZongji(ours)} | ` +
          (Number.isNaN(net) ? '– | – | – |' : `${net.toFixed(2)} | ${(mbytes / net).toFixed(0)} | ${vsZongji(net)} |`),
      );
    }
    console.log(`\nDecoder throughput, median of ${runs} runs, scale ${scale} (ratio = binsnap time / their time; < 1 is faster)\n`);
    console.log(lines.join('\n'));
    console.log(`\ncommand: npx tsx benchmarks/decoder/run.ts --scale ${args.scale} --runs ${args.runs}${args.only === 'A,B,C,D' ? '' : ` --only ${args.only}`}`);
  } finally {
    await destroyMariadb(server);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
