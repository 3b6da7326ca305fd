/**
 * Live lag benchmark (issue 6): `binsnap run` tailing a throwaway MariaDB
 * while sysbench writes at the server's maximum rate (no --rate limit), with
 * the daemon's lag sampled from its /metrics endpoint.
 *
 *   npm run build && npx tsx benchmarks/lag/run.ts [--time 60] [--threads 4] [--workload oltp_write_only] [--table-size 100000] [--rate 0] [--daemon-session own|shared]
 *
 * Steps: start the server; start the daemon as a child process (`node
 * bin/binsnap.js run --source … --from <SHOW MASTER STATUS> --store fresh.db
 * --metrics 127.0.0.1:PORT`), in a session of its own as the server is (the
 * kernel's autogroups then share the cores between the server, sysbench and
 * the daemon as between services; `--daemon-session shared` keeps it in the
 * benchmark's session, beside sysbench); `sysbench … prepare` (the daemon applies the
 * CREATE TABLE and the initial rows, and the load waits until it has caught
 * up); then `sysbench … run` for --time seconds. While the load runs and
 * until the daemon has drained, two samplers run side by side:
 *   - the server's SHOW MASTER STATUS position, every 100 ms;
 *   - the daemon's /metrics (binsnap_lag_seconds,
 *     binsnap_last_commit_timestamp_seconds, binsnap_checkpoint_offset{file}),
 *     every 50 ms.
 * It reports:
 *   (a) p50/p99/max of binsnap_lag_seconds and of (sample time −
 *       binsnap_last_commit_timestamp_seconds) over the load — both built on
 *       binlog timestamps, which have 1-second resolution on MariaDB;
 *   (b) p50/p99/max of the catch-up delay: for every sampled server position
 *       P at time t, the time until the daemon's checkpoint is ≥ P (resolution:
 *       the 50 ms metrics poll);
 *   (c) the backlog in bytes (server position − checkpoint) over the load and
 *       at its end, and how long the daemon took to drain it.
 * CPU seconds of the daemon, the server and sysbench over the load show who
 * competes for the machine's cores; the daemon's main thread's schedstat shows
 * how long it ran and how long it was runnable but waited for a core.
 *
 * Environment: BENCH_NODE_ARGS (node flags for the daemon, e.g. "--cpu-prof
 * --cpu-prof-dir DIR"), BENCH_CLI (another build's bin/binsnap.js, for
 * before/after runs), BENCH_STORE_DIR (where the store file goes, e.g. a tmpfs
 * to take the disk out), BENCH_SAMPLES (a file for the raw samples, JSON).
 *
 * It starts its own throwaway MariaDB (scripts/install-deps.sh --bench first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type mysql from 'mysql2/promise';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../../test/harness/mariadb.js';
import { findFreePort } from '../../test/harness/ports.js';
import { benchRoot } from '../common.js';

const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: '60' },
    threads: { type: 'string', default: '4' },
    workload: { type: 'string', default: 'oltp_write_only' },
    'table-size': { type: 'string', default: '100000' },
    'drain-timeout': { type: 'string', default: '300' },
    // sysbench --rate: transactions/s; 0 (the default) is the server's maximum rate.
    rate: { type: 'string', default: '0' },
    // own: the daemon in a session of its own (as the server already is), shared: in the benchmark's.
    'daemon-session': { type: 'string', default: 'own' },
  },
});
if (args['daemon-session'] !== 'own' && args['daemon-session'] !== 'shared') throw new Error(`--daemon-session is own or shared, not ${args['daemon-session']}`);
const loadSeconds = Number(args.time);
const threads = Number(args.threads);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
// BENCH_CLI runs another build's bin/binsnap.js (a copy of dist/, bin/ and package.json), for before/after runs.
const CLI = process.env['BENCH_CLI'] ?? path.join(ROOT, 'bin', 'binsnap.js');
const log = (m: string): void => console.error(`[bench] ${m}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HZ = 100;

interface Pos {
  readonly file: string;
  readonly offset: number;
}
const cmp = (a: Pos, b: Pos): number => (a.file === b.file ? a.offset - b.offset : a.file < b.file ? -1 : 1);

interface ServerSample {
  readonly t: number;
  readonly pos: Pos;
}
interface DaemonSample {
  readonly t: number;
  readonly lag: number;
  readonly lastCommit: number;
  readonly checkpoint: Pos | undefined;
  readonly bytes: number;
  readonly transactions: number;
}

/**
 * The daemon's main thread (its tid is the pid): seconds on a core and seconds runnable but
 * waiting for one (Linux /proc/<pid>/task/<pid>/schedstat; NaN where it is missing).
 */
function mainThreadSched(pid: number): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { run: (run ?? Number.NaN) / 1e9, wait: (wait ?? Number.NaN) / 1e9 };
  } catch {
    return { run: Number.NaN, wait: Number.NaN };
  }
}

function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / HZ;
  } catch {
    return Number.NaN;
  }
}

async function masterStatus(c: mysql.Connection): Promise<Pos> {
  const [rows] = await c.query('SHOW MASTER STATUS');
  const r = (rows as Array<{ File: string; Position: string | number }>)[0]!;
  return { file: r.File, offset: Number(r.Position) };
}

/** Sizes of the server's binlog files, for backlogs that span files. */
async function binlogSizes(c: mysql.Connection): Promise<Map<string, number>> {
  const [rows] = await c.query('SHOW BINARY LOGS');
  return new Map((rows as Array<{ Log_name: string; File_size: string | number }>).map((r) => [r.Log_name, Number(r.File_size)]));
}

function bytesBetween(from: Pos, to: Pos, sizes: Map<string, number>): number {
  if (cmp(from, to) >= 0) return 0;
  if (from.file === to.file) return to.offset - from.offset;
  let n = (sizes.get(from.file) ?? from.offset) - from.offset;
  for (const [f, s] of sizes) if (f > from.file && f < to.file) n += s;
  return n + to.offset;
}

function parseMetrics(text: string): { values: Map<string, number>; checkpointFile?: string } {
  const values = new Map<string, number>();
  let checkpointFile: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    values.set(m[1]!, Number(m[3]));
    if (m[1] === 'binsnap_checkpoint_offset' && m[2]) checkpointFile = /file="([^"]*)"/.exec(m[2])?.[1];
  }
  return { values, ...(checkpointFile !== undefined ? { checkpointFile } : {}) };
}

async function readDaemon(metricsUrl: string): Promise<DaemonSample | undefined> {
  const t0 = Date.now();
  const res = await fetch(metricsUrl).catch(() => undefined);
  if (!res || !res.ok) return undefined;
  const { values, checkpointFile } = parseMetrics(await res.text());
  const t = (t0 + Date.now()) / 2;
  const off = values.get('binsnap_checkpoint_offset');
  return {
    t,
    lag: values.get('binsnap_lag_seconds') ?? Number.NaN,
    lastCommit: values.get('binsnap_last_commit_timestamp_seconds') ?? Number.NaN,
    checkpoint: checkpointFile !== undefined && off !== undefined && !Number.isNaN(off) ? { file: checkpointFile, offset: off } : undefined,
    bytes: values.get('binsnap_bytes_total') ?? 0,
    transactions: values.get('binsnap_transactions_total') ?? 0,
  };
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

function sysbench(server: MariadbInfo, command: 'prepare' | 'run', extra: string[] = []): string[] {
  return [
    args.workload,
    '--db-driver=mysql',
    `--mysql-host=${server.host}`,
    `--mysql-port=${server.port}`,
    `--mysql-user=${server.user}`,
    `--mysql-password=${server.password}`,
    '--mysql-db=sbtest',
    '--tables=1',
    `--table-size=${args['table-size']}`,
    ...extra,
    command,
  ];
}

function runChild(cmd: string, argv: string[]): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${out.slice(-2000)}`))));
  });
  return { child, done };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'main.js'))) throw new Error('run `npm run build` first (the benchmark runs bin/binsnap.js)');
  const root = benchRoot('lag');
  const server = await startMariadb(root, { serverId: 1, extra: { 'innodb-buffer-pool-size': '1G', 'innodb-log-file-size': '512M' } }, log);
  const serverPid = Number(readFileSync(server.pidFile as string, 'utf8').trim());
  const store = path.join(process.env['BENCH_STORE_DIR'] ?? root, 'fresh.db');
  // A store left in BENCH_STORE_DIR by an earlier run would make the daemon resume from its checkpoint.
  for (const f of [store, `${store}-wal`, `${store}-shm`]) rmSync(f, { force: true });
  const metricsPort = await findFreePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const sql = await connect(server);
  let daemon: ChildProcess | undefined;
  const started = new Date().toISOString();
  try {
    await sql.query('CREATE DATABASE sbtest');
    const from = await masterStatus(sql);
    const daemonLog = path.join(root, 'daemon.log');
    const runArgv = [
      CLI, 'run', '--source', `mysql://${server.user}:${server.password}@${server.host}:${server.port}`,
      '--from', `${from.file}:${from.offset}`, '--store', store, '--metrics', `127.0.0.1:${metricsPort}`, '--json',
    ];
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir /tmp/prof") profiles the daemon.
    const nodeArgs = process.env['BENCH_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [];
    daemon = spawn(process.execPath, [...nodeArgs, ...runArgv], { stdio: ['ignore', 'pipe', 'pipe'], detached: args['daemon-session'] === 'own' });
    const logStream = createWriteStream(daemonLog);
    daemon.stderr!.pipe(logStream);
    let daemonOut = '';
    daemon.stdout!.on('data', (b: Buffer) => (daemonOut += b.toString()));
    const daemonExit = new Promise<number | null>((r) => daemon!.once('close', (code) => r(code)));
    for (let i = 0; ; i++) {
      if ((await readDaemon(metricsUrl)) !== undefined) break;
      if (i > 300) throw new Error(`the daemon's metrics did not come up in 30 s:\n${readFileSync(daemonLog, 'utf8').slice(-2000)}`);
      await sleep(100);
    }
    log(`daemon (pid ${daemon.pid}) from ${from.file}:${from.offset}, metrics on ${metricsUrl}`);

    const tp = Date.now();
    await runChild('sysbench', sysbench(server, 'prepare')).done;
    const prepared = await masterStatus(sql);
    log(`sysbench prepare: ${args['table-size']} rows in ${((Date.now() - tp) / 1000).toFixed(1)} s, binlog at ${prepared.file}:${prepared.offset}`);
    const caughtUp = async (target: Pos, timeoutMs: number): Promise<number | undefined> => {
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        const d = await readDaemon(metricsUrl);
        if (d?.checkpoint && cmp(d.checkpoint, target) >= 0) return Date.now() - t0;
        await sleep(50);
      }
      return undefined;
    };
    const prepMs = await caughtUp(prepared, 120_000);
    if (prepMs === undefined) throw new Error('the daemon did not apply the sysbench prepare in 120 s');
    log(`daemon caught up with the prepare ${prepMs} ms after it ended`);

    // ── the load, with both samplers ───────────────────────────────────────
    const serverSamples: ServerSample[] = [];
    const daemonSamples: DaemonSample[] = [];
    let sampling = true;
    const sampleServer = async (): Promise<void> => {
      const c = await connect(server);
      try {
        while (sampling) {
          const t0 = Date.now();
          const pos = await masterStatus(c);
          serverSamples.push({ t: (t0 + Date.now()) / 2, pos });
          await sleep(Math.max(0, 100 - (Date.now() - t0)));
        }
      } finally {
        await c.end();
      }
    };
    const sampleDaemon = async (): Promise<void> => {
      while (sampling) {
        const t0 = Date.now();
        const d = await readDaemon(metricsUrl);
        if (d) daemonSamples.push(d);
        await sleep(Math.max(0, 50 - (Date.now() - t0)));
      }
    };
    const samplers = Promise.all([sampleServer(), sampleDaemon()]);
    const cpu0 = { daemon: cpuOf(daemon.pid!), server: cpuOf(serverPid) };
    const sched0 = mainThreadSched(daemon.pid!);
    const loadStart = Date.now();
    const load = runChild('sysbench', sysbench(server, 'run', [`--threads=${threads}`, `--time=${loadSeconds}`, `--rate=${Number(args.rate)}`, '--report-interval=10']));
    const sysbenchPid = load.child.pid!;
    let sysbenchCpu = 0;
    const cpuWatch = setInterval(() => {
      const c = cpuOf(sysbenchPid);
      if (!Number.isNaN(c)) sysbenchCpu = c;
    }, 500);
    const sbOut = await load.done;
    clearInterval(cpuWatch);
    const loadEnd = Date.now();
    const endPos = await masterStatus(sql);
    const cpuLoad = { daemon: cpuOf(daemon.pid!) - cpu0.daemon, server: cpuOf(serverPid) - cpu0.server, sysbench: sysbenchCpu };
    const sched1 = mainThreadSched(daemon.pid!);
    const mainThread = { run: sched1.run - sched0.run, wait: sched1.wait - sched0.wait };
    const last = daemonSamples.at(-1);
    const sizesAtEnd = await binlogSizes(sql);
    const backlogAtEnd = last?.checkpoint ? bytesBetween(last.checkpoint, endPos, sizesAtEnd) : Number.NaN;
    const drainMs = await caughtUp(endPos, Number(args['drain-timeout']) * 1000);
    const drainEnd = Date.now();
    sampling = false;
    await samplers;
    // One more daemon sample after the drain, so the last server positions of the load have one at or past them.
    const final = await readDaemon(metricsUrl);
    if (final) daemonSamples.push(final);
    const cpuAll = { daemon: cpuOf(daemon.pid!) - cpu0.daemon, server: cpuOf(serverPid) - cpu0.server };
    log(`load ${((loadEnd - loadStart) / 1000).toFixed(1)} s, binlog ${prepared.file}:${prepared.offset} → ${endPos.file}:${endPos.offset}; drained ${drainMs ?? 'NOT'} ms after`);

    // ── results ────────────────────────────────────────────────────────────
    const sizes = await binlogSizes(sql);
    const during = daemonSamples.filter((d) => d.t >= loadStart && d.t <= loadEnd);
    const lagMetric = during.map((d) => d.lag).filter((x) => !Number.isNaN(x));
    // Like binsnap_lag_seconds, 0 while the daemon is caught up (its checkpoint at or past the last sampled server position).
    const lagFromCommit: number[] = [];
    {
      let s = 0;
      for (const x of during) {
        if (Number.isNaN(x.lastCommit)) continue;
        while (s + 1 < serverSamples.length && serverSamples[s + 1]!.t <= x.t) s++;
        const at = serverSamples[s];
        const caught = at !== undefined && at.t <= x.t && x.checkpoint !== undefined && cmp(x.checkpoint, at.pos) >= 0;
        lagFromCommit.push(caught ? 0 : Math.max(0, x.t / 1000 - x.lastCommit));
      }
    }
    // Per server sample during the load, the delay until the first daemon sample (at or after it) that has passed it.
    const loadSamples = serverSamples.filter((x) => x.t >= loadStart && x.t <= loadEnd);
    const delaysUntil = (passed: (d: DaemonSample, s: ServerSample) => boolean): { delays: number[]; unreached: number } => {
      const out: number[] = [];
      let j = 0;
      let unreached = 0;
      for (const s of loadSamples) {
        while (j < daemonSamples.length && daemonSamples[j]!.t < s.t) j++;
        let k = j;
        while (k < daemonSamples.length && !passed(daemonSamples[k]!, s)) k++;
        if (k < daemonSamples.length) out.push((daemonSamples[k]!.t - s.t) / 1000);
        else unreached++;
      }
      return { delays: out, unreached };
    };
    // (b): until the daemon's checkpoint has passed the server position.
    const { delays, unreached } = delaysUntil((d, s) => d.checkpoint !== undefined && cmp(d.checkpoint, s.pos) >= 0);
    // The same for the position the daemon has decoded (its --from offset plus binsnap_bytes_total),
    // while the binlog stays in one file: how much of (b) is before the daemon decodes an event
    // (the server sending it, the socket, waiting for a core) and how much after (batching, the commit).
    const decodedDelays = serverSamples.every((s) => s.pos.file === from.file) ? delaysUntil((d, s) => from.offset + d.bytes >= s.pos.offset).delays : [];
    if (process.env['BENCH_SAMPLES']) {
      writeFileSync(process.env['BENCH_SAMPLES'], JSON.stringify({ from, loadStart, loadEnd, serverSamples, daemonSamples }));
    }
    // Backlog in bytes at each server sample: the position minus the checkpoint of the nearest daemon sample before it.
    const backlogs: Array<{ t: number; bytes: number }> = [];
    let d = 0;
    for (const s of loadSamples) {
      while (d + 1 < daemonSamples.length && daemonSamples[d + 1]!.t <= s.t) d++;
      const cp = daemonSamples[d]?.checkpoint;
      if (cp) backlogs.push({ t: s.t, bytes: bytesBetween(cp, s.pos, sizes) });
    }
    const backlogAt = (from: number, to: number): number =>
      quantile(backlogs.filter((b) => b.t >= loadStart + from * (loadEnd - loadStart) && b.t < loadStart + to * (loadEnd - loadStart)).map((b) => b.bytes), 0.5);
    const binlogBytes = bytesBetween(prepared, endPos, sizes);
    const secs = (loadEnd - loadStart) / 1000;
    const tps = /transactions:\s+(\d+)\s+\(([\d.]+) per sec/.exec(sbOut);
    const fmt = (x: number, digits = 3): string => (Number.isNaN(x) ? '–' : x.toFixed(digits));
    const kb = (x: number): string => (Number.isNaN(x) ? '–' : `${(x / 1024).toFixed(0)} KiB`);

    process.kill(daemon.pid!, 'SIGTERM');
    const tStop = Date.now();
    const code = await daemonExit;
    logStream.end();
    const summary = daemonOut.trim() ? (JSON.parse(daemonOut.trim().split('\n').pop()!) as { transactions: number; rowChanges: number; checkpoint: string }) : undefined;
    log(`daemon stopped (exit ${code}) ${Date.now() - tStop} ms after SIGTERM: ${daemonOut.trim()}`);
    daemon = undefined;

    const rows: Array<[string, string]> = [
      ['sysbench load', `${args.workload}, ${threads} threads, ${secs.toFixed(0)} s, ${Number(args.rate) > 0 ? `--rate ${Number(args.rate)}` : 'no rate limit'}: ${tps ? `${tps[1]} transactions (${Number(tps[2]).toFixed(0)}/s)` : '?'}`],
      ['binlog written during the load', `${(binlogBytes / 1e6).toFixed(1)} MB (${(binlogBytes / 1e6 / secs).toFixed(2)} MB/s)`],
      ['daemon applied', summary ? `${summary.transactions.toLocaleString('en')} transactions, ${summary.rowChanges.toLocaleString('en')} row changes (prepare included)` : '?'],
      ['(a) binsnap_lag_seconds p50 / p99 / max', `${fmt(quantile(lagMetric, 0.5))} / ${fmt(quantile(lagMetric, 0.99))} / ${fmt(Math.max(...lagMetric))} s (${lagMetric.length} samples)`],
      ['(a) now − binsnap_last_commit_timestamp_seconds (0 when caught up) p50 / p99 / max', `${fmt(quantile(lagFromCommit, 0.5))} / ${fmt(quantile(lagFromCommit, 0.99))} / ${fmt(Math.max(...lagFromCommit))} s (1 s binlog timestamps)`],
      ['**(b) checkpoint passes a server position, p50 / p99 / max**', `**${fmt(quantile(delays, 0.5))} / ${fmt(quantile(delays, 0.99))} / ${fmt(Math.max(...delays))} s** (${delays.length} positions${unreached ? `, ${unreached} never reached` : ''})`],
      ['(b) split: the daemon has decoded a server position, p50 / p99 / max', decodedDelays.length > 0 ? `${fmt(quantile(decodedDelays, 0.5))} / ${fmt(quantile(decodedDelays, 0.99))} / ${fmt(Math.max(...decodedDelays))} s` : '– (the binlog rotated)'],
      ['backlog (server position − checkpoint) p50 / p99 / max', `${kb(quantile(backlogs.map((b) => b.bytes), 0.5))} / ${kb(quantile(backlogs.map((b) => b.bytes), 0.99))} / ${kb(Math.max(...backlogs.map((b) => b.bytes)))}`],
      ['backlog median in the 1st / 2nd / 3rd / last quarter of the load', [0, 0.25, 0.5, 0.75].map((q) => kb(backlogAt(q, q + 0.25))).join(' / ')],
      ['backlog at the end of the load; time to drain it', `${kb(backlogAtEnd)}; ${drainMs === undefined ? `not drained in ${args['drain-timeout']} s` : `${(drainMs / 1000).toFixed(2)} s`}`],
      ['CPU seconds during the load: daemon / mariadbd / sysbench', `${fmt(cpuLoad.daemon, 1)} / ${fmt(cpuLoad.server, 1)} / ${fmt(cpuLoad.sysbench, 1)} (of ${(secs * os.cpus().length).toFixed(0)} available)`],
      [
        "daemon's main thread during the load: on a core / runnable, waiting for a core",
        `${fmt(mainThread.run, 1)} / ${fmt(mainThread.wait, 1)} s (${Number.isNaN(mainThread.run) ? '–' : `${((mainThread.run / Number(tps?.[1] ?? Number.NaN)) * 1e6).toFixed(0)} µs per transaction of the load`})`,
      ],
      ['daemon CPU until drained', `${fmt(cpuAll.daemon, 1)} s over ${((drainEnd - loadStart) / 1000).toFixed(1)} s`],
    ];
    console.log(
      `\nLive lag of \`binsnap run\` under a sysbench write load (started ${started}, ${os.cpus().length} CPUs, ` +
        `load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; targets: p99 < 1 s, never falling behind)\n`,
    );
    console.log(['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
    console.log(`\ncommand: npx tsx benchmarks/lag/run.ts --time ${args.time} --threads ${args.threads} --workload ${args.workload} --table-size ${args['table-size']}${Number(args.rate) > 0 ? ` --rate ${args.rate}` : ''} --daemon-session ${args['daemon-session']}`);
    console.log(`daemon: node bin/binsnap.js ${runArgv.slice(1).join(' ').replace(/mysql:\/\/[^@]*@/, 'mysql://…@').replace(store, 'fresh.db')}`);
    const storeMb = [store, `${store}-wal`].filter(existsSync).reduce((n, f) => n + statSync(f).size, 0) / 1e6;
    log(`store after the run: ${storeMb.toFixed(1)} MB`);
  } finally {
    if (daemon?.pid) {
      process.kill(daemon.pid, 'SIGKILL');
    }
    await sql.end().catch(() => undefined);
    await destroyMariadb(server);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
