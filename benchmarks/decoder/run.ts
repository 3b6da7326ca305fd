/**
 * Decoder benchmark (issues 3 and 4): decode throughput of binsnap's file
 * source on datasets A–D, side by side in one run with `mariadb-binlog
 * --base64-output=decode-rows -v` printing the same files, with zongji
 * streaming the same range from the server, and with binsnap's own server
 * source streaming it over the network. Prints a markdown table of MB/s,
 * rows/s and ratios (binsnap time / their time: below 1 means binsnap is
 * faster).
 *
 *   npx tsx benchmarks/decoder/run.ts [--scale 1] [--runs 3] [--no-zongji]
 *
 * It starts its own throwaway MariaDB (scripts/install-deps.sh --bench first).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ZongJi from '@vlasky/zongji';
import { readBinlogFiles } from '../../src/source/file-source.js';
import { readServerBinlog } from '../../src/source/server-source.js';
import { BinlogPosition } from '../../src/core/position.js';
import { connect, destroyMariadb, sourceUrlOf, startMariadb, type MariadbInfo } from '../../test/harness/mariadb.js';
import { createDatasets, type Dataset } from './datasets.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    'no-zongji': { type: 'boolean', default: false },
  },
});
const scale = Number(args.scale);
const runs = Number(args.runs);

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function measure(name: string, ds: Dataset, fn: () => Promise<Timing>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await fn();
    if (t.rows !== ds.rows) throw new Error(`${name} decoded ${t.rows} rows of dataset ${ds.name}, expected ${ds.rows}`);
    times.push(t.seconds);
  }
  return median(times);
}

async function main(): Promise<void> {
  const tmp = path.resolve('.tmp');
  mkdirSync(tmp, { recursive: true });
  const root = mkdtempSync(path.join(tmp, 'bench-decoder-'));
  process.env['BINSNAP_TEST_TMP'] = root;
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
    for (const ds of datasets) {
      log(`measuring dataset ${ds.name} (${runs} runs each)`);
      const ours = await measure('binsnap', ds, () => timeBinsnap(ds));
      const mb = await measure('mariadb-binlog', ds, () => timeMariadbBinlog(ds));
      const zj = args['no-zongji'] ? undefined : await measure('zongji', ds, () => timeZongji(ds, server));
      const net = await measure('binsnap network', ds, () => timeBinsnapNetwork(ds, server));
      const mbytes = ds.bytes / 1e6;
      const vsZongji = (t: number): string => (zj === undefined ? '–' : `**${(t / zj).toFixed(2)}**`);
      lines.push(
        `| ${ds.name}: ${ds.title} | ${mbytes.toFixed(1)} | ${ds.rows.toLocaleString('en')} | ${ours.toFixed(2)} | ` +
          `${(mbytes / ours).toFixed(0)} | ${Math.round(ds.rows / ours).toLocaleString('en')} | ${mb.toFixed(2)} | ` +
          `**${(ours / mb).toFixed(2)}** | ${zj === undefined ? '–' : zj.toFixed(2)} | ${vsZongji(ours)} | ` +
          `${net.toFixed(2)} | ${(mbytes / net).toFixed(0)} | ${vsZongji(net)} |`,
      );
    }
    console.log(`\nDecoder throughput, median of ${runs} runs, scale ${scale} (ratio = binsnap time / their time; < 1 is faster)\n`);
    console.log(lines.join('\n'));
  } finally {
    await destroyMariadb(server);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
