/**
 * Seed benchmark (issue 6): `binsnap seed` of one table into a fresh embedded
 * (SQLite) store, side by side in one run with `mariadb-dump
 * --single-transaction` (to /dev/null) and `mydumper` (1 and 2 threads, to a
 * temp dir on tmpfs) dumping the same table, on two tables of the same row
 * count:
 *   sbtest1  sysbench's schema (id, k, c CHAR(120), pad CHAR(60), KEY k_1)
 *            with sysbench-shaped values (c: 10 groups of 11 digits, pad: 5);
 *   wide     15 mixed-type columns (ints, bigint, decimal, double, utf8mb4
 *            varchars, datetime(6), date, enum, small text and blob, json,
 *            timestamp).
 * Both are bulk-loaded with the Sequence engine (sql_log_bin=0: the seed
 * does not need their binlog), which is what `sysbench prepare` would create,
 * only faster. Prints a markdown table of rows/s and ratios (binsnap rows/s
 * / mariadb-dump rows/s; issue 6's targets: ≥ 1 single-threaded, ≥ 1.5 with
 * --parallel 2).
 *
 *   npm run build && npx tsx benchmarks/seed/run.ts [--rows 5000000] [--runs 1] [--only sbtest1,wide]
 *
 * `--hold` loads the tables and keeps the server (its URL printed) until
 * Ctrl-C instead of timing anything: for profiling one tool by hand, e.g.
 * `node --cpu-prof bin/binsnap.js seed --source URL --tables sbtest.wide …`.
 *
 * binsnap runs as a user runs it: `node bin/binsnap.js seed --source … --tables
 * db.t --store NEW.db` (the built CLI, a child process, so node's startup is
 * in its time). Every tool's wall time is measured around the child process;
 * CPU seconds are the child's (user + sys, from /proc/self/stat's cutime and
 * cstime) and the server's (mariadbd's utime + stime) over the same interval,
 * so the table shows which side is the bottleneck. Runs are interleaved tool
 * by tool (with --runs > 1, medians), so a burst of load on a shared VM hits
 * every tool alike.
 *
 * It starts its own throwaway MariaDB (scripts/install-deps.sh --bench first).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../../test/harness/mariadb.js';
import { benchRoot, median } from '../common.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string', default: 'sbtest1,wide' },
    // Load the tables, print the server's URL and keep it until Ctrl-C, to profile a seed by hand.
    hold: { type: 'boolean', default: false },
  },
});
const N = Number(args.rows);
const runs = Number(args.runs);
const only = new Set(args.only.split(',').map((s) => s.trim()));
const DB = 'sbtest';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const CLI = path.join(ROOT, 'bin', 'binsnap.js');
const log = (m: string): void => console.error(`[bench] ${m}`);

interface TableDef {
  readonly name: string;
  readonly title: string;
  readonly create: string[];
  /** INSERT … SELECT of rows [lo, hi] from the Sequence engine. */
  readonly fill: (lo: number, hi: number) => string;
  readonly after: string[];
}

/** sysbench's digits groups: `###########-…`, deterministic per row and group. */
const groups = (n: number, salt: string): string =>
  `CONCAT_WS('-', ${Array.from({ length: n }, (_, i) => `LPAD(CRC32(CONCAT(seq, '${salt}${i}')), 11, '0')`).join(', ')})`;

const TABLES: readonly TableDef[] = [
  {
    name: 'sbtest1',
    title: "sysbench's sbtest1 (4 columns + KEY k_1)",
    // sysbench 1.0's oltp_common.lua DDL for MySQL/MariaDB; the index is created after the load, as sysbench does.
    create: [
      `CREATE TABLE ${DB}.sbtest1 (id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL,
        c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id)) ENGINE = InnoDB`,
    ],
    fill: (lo, hi) =>
      `INSERT INTO ${DB}.sbtest1 (id, k, c, pad) SELECT seq, 1 + CRC32(seq) % ${N}, ${groups(10, 'c')}, ${groups(5, 'p')} FROM seq_${lo}_to_${hi}`,
    after: [`CREATE INDEX k_1 ON ${DB}.sbtest1 (k)`],
  },
  {
    name: 'wide',
    title: '15 mixed-type columns',
    create: [
      `CREATE TABLE ${DB}.wide (
        id INT NOT NULL PRIMARY KEY, ti TINYINT UNSIGNED, n INT, big BIGINT, amount DECIMAL(12,2), ratio DOUBLE,
        name VARCHAR(64) CHARACTER SET utf8mb4, city VARCHAR(32) CHARACTER SET utf8mb4, created DATETIME(6), day DATE,
        status ENUM('new','paid','shipped','cancelled'), note TEXT CHARACTER SET utf8mb4, data BLOB, attrs JSON,
        updated TIMESTAMP NULL) ENGINE = InnoDB`,
    ],
    fill: (lo, hi) =>
      `INSERT INTO ${DB}.wide SELECT seq, seq % 256, CAST(CRC32(seq) AS SIGNED) - 2147483648, CAST(seq AS SIGNED) * 1000003 - 7000000000, (seq % 100000) / 7,
         seq / 3.0, CONCAT('Zoë Müller-', seq), ELT(1 + seq % 4, 'Zürich', 'Kraków', '東京', 'São Paulo'),
         TIMESTAMP('2020-01-01 00:00:00.123456') + INTERVAL seq SECOND, DATE('2000-01-01') + INTERVAL (seq % 9000) DAY,
         ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), IF(seq % 5 = 0, NULL, CONCAT('note ', seq, ' ', REPEAT('ä', seq % 20))),
         UNHEX(LPAD(HEX(CRC32(seq)), 8 + 2 * (seq % 12), '0')),
         JSON_OBJECT('id', seq, 'tags', JSON_ARRAY('a', seq % 7), 'ok', seq % 2 = 0),
         IF(seq % 3 = 0, NULL, FROM_UNIXTIME(1600000000 + seq))
       FROM seq_${lo}_to_${hi}`,
    after: [],
  },
];

// ── measuring ───────────────────────────────────────────────────────────────

/** CPU seconds of this process's waited-for children (cutime + cstime). */
function childrenCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // Fields after ")" start at field 3 (state); cutime and cstime are fields 16 and 17.
  return (Number(rest[13]) + Number(rest[14])) / HZ;
}

function processCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / HZ;
}

const HZ = 100; // USER_HZ on Linux

interface Timing {
  readonly seconds: number;
  readonly toolCpu: number;
  readonly serverCpu: number;
  readonly stdout: string;
  readonly outBytes: number;
}

async function timeCommand(cmd: string, argv: string[], serverPid: number, opts: { stdoutToFile?: string; outDir?: string } = {}): Promise<Timing> {
  const cpu0 = childrenCpu();
  const s0 = processCpu(serverPid);
  const t0 = process.hrtime.bigint();
  let stdout = '';
  let stderr = '';
  let outBytes = 0;
  await new Promise<void>((resolve, reject) => {
    // mariadb-dump's output goes straight to a file on tmpfs (as `> file`), not through this process.
    const fd = opts.stdoutToFile !== undefined ? openSync(opts.stdoutToFile, 'w') : undefined;
    const child = spawn(cmd, argv, { stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
    if (fd !== undefined) closeSync(fd);
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${stderr.slice(-2000)}${stdout.slice(-2000)}`))));
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (opts.outDir !== undefined) outBytes = dirBytes(opts.outDir);
  if (opts.stdoutToFile !== undefined) outBytes = statSync(opts.stdoutToFile).size;
  return { seconds, toolCpu: childrenCpu() - cpu0, serverCpu: processCpu(serverPid) - s0, stdout, outBytes };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(path.join(dir, f)).size;
  return n;
}

function storeBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

function removeStore(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

interface Tool {
  readonly name: string;
  readonly command: (t: string) => string;
  run(table: string, i: number): Promise<Timing & { rows: number; note?: string }>;
}

function tools(server: MariadbInfo, serverPid: number, storeDir: string, dumpDir: string): Tool[] {
  const url = `mysql://${server.user}:${server.password}@${server.host}:${server.port}`;
  const conn = [`--host=${server.host}`, `--port=${server.port}`, `--user=${server.user}`, `--password=${server.password}`];
  const binsnap = (parallel: number): Tool => ({
    name: parallel === 1 ? 'binsnap seed' : `binsnap seed --parallel ${parallel}`,
    command: (t) => `node bin/binsnap.js seed --source mysql://… --tables ${DB}.${t} --store fresh.db${parallel > 1 ? ` --parallel ${parallel}` : ''}`,
    async run(table, i) {
      const store = path.join(storeDir, `seed-${table}-p${parallel}-${i}.db`);
      removeStore(store);
      const argv = [CLI, 'seed', '--source', url, '--tables', `${DB}.${table}`, '--store', store, '--json', '--log-level', 'warn'];
      if (parallel > 1) argv.push('--parallel', String(parallel));
      // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir /tmp/prof") profiles binsnap's runs.
      const nodeArgs = process.env['BENCH_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [];
      const t = await timeCommand(process.execPath, [...nodeArgs, ...argv], serverPid);
      const summary = JSON.parse(t.stdout.trim().split('\n').pop() as string) as {
        rows: number;
        seconds: number;
        lockHeldMs: number | null;
        snapshot?: string;
        alignAttempts?: number;
      };
      const bytes = storeBytes(store);
      removeStore(store);
      return {
        ...t,
        outBytes: bytes,
        rows: summary.rows,
        note:
          `own ${summary.seconds.toFixed(1)} s` +
          (summary.lockHeldMs !== null ? `, FTWRL ${summary.lockHeldMs} ms` : '') +
          (summary.snapshot === 'aligned' ? `, views aligned without a lock (${summary.alignAttempts} attempt${summary.alignAttempts === 1 ? '' : 's'})` : ''),
      };
    },
  });
  const mydumper = (threads: number): Tool => ({
    name: `mydumper --threads ${threads}`,
    command: (t) =>
      `mydumper -h … -B ${DB} -T ${t} --trx-consistency-only --threads ${threads}${threads > 1 ? ` --rows ${Math.ceil(N / 8)}` : ''} -o /dev/shm/DIR`,
    async run(table, i) {
      const out = path.join(dumpDir, `mydumper-${table}-${threads}-${i}`);
      rmSync(out, { recursive: true, force: true });
      const argv = [...conn, '-B', DB, '-T', table, '--trx-consistency-only', '--threads', String(threads), '-o', out];
      // Without --rows mydumper dumps a table on one thread whatever --threads says.
      if (threads > 1) argv.push('--rows', String(Math.ceil(N / 8)));
      const t = await timeCommand('mydumper', argv, serverPid, { outDir: out });
      const files = existsSync(out) ? readdirSync(out) : [];
      rmSync(out, { recursive: true, force: true });
      // A dump far smaller than the table means mydumper dumped nothing (it exits 0 on some misuses).
      if (t.outBytes < N * 10) throw new Error(`mydumper wrote only ${t.outBytes} bytes (${files.join(', ')}): ${t.stdout.slice(-2000)}`);
      return { ...t, rows: N };
    },
  });
  return [
    binsnap(1),
    binsnap(2),
    {
      name: 'mariadb-dump',
      command: (t) => `mariadb-dump -h … --single-transaction ${DB} ${t} > /dev/shm/FILE`,
      async run(table) {
        const argv = [...conn, '--single-transaction', DB, table];
        const file = path.join(dumpDir, `mariadb-dump-${table}.sql`);
        const t = await timeCommand('mariadb-dump', argv, serverPid, { stdoutToFile: file });
        rmSync(file, { force: true });
        if (t.outBytes < N * 10) throw new Error(`mariadb-dump wrote only ${t.outBytes} bytes`);
        return { ...t, rows: N };
      },
    },
    mydumper(1),
    mydumper(2),
  ];
}

async function load(server: MariadbInfo, t: TableDef): Promise<void> {
  const c = await connect(server);
  try {
    await c.query(`USE ${DB}`);
    await c.query('SET SESSION sql_log_bin = 0');
    const t0 = Date.now();
    for (const s of t.create) await c.query(s);
    const chunk = 500_000;
    for (let lo = 1; lo <= N; lo += chunk) await c.query(t.fill(lo, Math.min(N, lo + chunk - 1)));
    for (const s of t.after) await c.query(s);
    await c.query(`ANALYZE TABLE ${DB}.${t.name}`);
    const [r] = await c.query(
      `SELECT DATA_LENGTH + INDEX_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
      [DB, t.name],
    );
    const bytes = Number((r as Array<{ b: unknown }>)[0]?.b ?? 0);
    log(`loaded ${DB}.${t.name}: ${N.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in InnoDB, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Warm the buffer pool so the first tool does not pay for reading pages the others get from memory.
    await c.query(`SELECT COUNT(*), SUM(LENGTH(${t.name === 'wide' ? 'name' : 'c'})) FROM ${DB}.${t.name}`);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'main.js'))) throw new Error('run `npm run build` first (the benchmark runs bin/binsnap.js)');
  const root = benchRoot('seed');
  const storeDir = path.join(root, 'stores');
  mkdirSync(storeDir);
  const dumpDir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'bench-seed-dump-'));
  const server = await startMariadb(
    root,
    {
      serverId: 1,
      // A warm server: the tables fit in the buffer pool, so every tool reads from memory.
      extra: { 'innodb-buffer-pool-size': '4G', 'innodb-log-file-size': '512M' },
    },
    log,
  );
  const serverPid = Number(readFileSync(server.pidFile as string, 'utf8').trim());
  const started = new Date().toISOString();
  try {
    const c = await connect(server);
    await c.query(`CREATE DATABASE ${DB}`);
    await c.end();
    if (args.hold) {
      for (const t of TABLES) if (only.has(t.name)) await load(server, t);
      console.log(`mysql://${server.user}:${server.password}@${server.host}:${server.port} (tables in ${DB}; Ctrl-C stops the server)`);
      await new Promise<void>((resolve) => {
        // A signal listener alone does not keep node running: the timer does, until the signal.
        const keep = setInterval(() => undefined, 60_000);
        const stop = (): void => {
          clearInterval(keep);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return;
    }
    const all = tools(server, serverPid, storeDir, dumpDir);
    const lines = [
      `| table | tool | s | rows/s | ratio vs mariadb-dump | tool CPU s | server CPU s | output MB | notes |`,
      `|---|---|---:|---:|---:|---:|---:|---:|---|`,
    ];
    const commands = new Set<string>();
    for (const t of TABLES) {
      if (!only.has(t.name)) continue;
      await load(server, t);
      const results = new Map<string, Array<Timing & { rows: number; note?: string }>>();
      for (let i = 0; i < runs; i++) {
        for (const tool of all) {
          const r = await tool.run(t.name, i);
          if (r.rows !== N) throw new Error(`${tool.name} on ${t.name} gave ${r.rows} rows, expected ${N}`);
          (results.get(tool.name) ?? results.set(tool.name, []).get(tool.name)!).push(r);
          log(`  ${t.name} run ${i + 1}: ${tool.name} ${r.seconds.toFixed(2)} s (tool CPU ${r.toolCpu.toFixed(1)} s, server CPU ${r.serverCpu.toFixed(1)} s)${r.note ? `, ${r.note}` : ''}`);
        }
      }
      const secs = (name: string): number => median(results.get(name)!.map((r) => r.seconds));
      const dump = secs('mariadb-dump');
      for (const tool of all) {
        const rs = results.get(tool.name)!;
        const s = secs(tool.name);
        const mid = rs.find((r) => r.seconds === s)!;
        commands.add(tool.command(t.name));
        lines.push(
          `| ${t.name}: ${t.title} | ${tool.name} | ${s.toFixed(2)} | ${Math.round(N / s).toLocaleString('en')} | ` +
            `${tool.name === 'mariadb-dump' ? '1' : `**${(dump / s).toFixed(2)}**`} | ${mid.toolCpu.toFixed(1)} | ${mid.serverCpu.toFixed(1)} | ` +
            `${(mid.outBytes / 1e6).toFixed(0)} | ${mid.note ?? ''} |`,
        );
      }
      // Free the buffer pool and disk for the next table.
      const d = await connect(server);
      await d.query(`DROP TABLE ${DB}.${t.name}`);
      await d.end();
    }
    console.log(
      `\nSeed of ${N.toLocaleString('en')} rows per table, ${runs === 1 ? 'one run' : `median of ${runs} runs`} (started ${started}, ` +
        `${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end). ` +
        `ratio = binsnap rows/s / mariadb-dump rows/s (targets ≥ 1 single-threaded, ≥ 1.5 with --parallel 2); ` +
        `output MB = store file + WAL for binsnap, dump bytes for the others\n`,
    );
    console.log(lines.join('\n'));
    console.log(`\ncommand: npx tsx benchmarks/seed/run.ts --rows ${args.rows} --runs ${args.runs}${args.only === 'sbtest1,wide' ? '' : ` --only ${args.only}`}`);
    console.log(`tools, per table t:\n${[...new Set([...commands].map((c) => c.replace(/sbtest1|wide/g, 't')))].map((c) => `  ${c}`).join('\n')}`);
  } finally {
    await destroyMariadb(server);
    rmSync(root, { recursive: true, force: true });
    rmSync(dumpDir, { recursive: true, force: true });
  }
}

await main();
