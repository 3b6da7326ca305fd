/**
 * Stores and sinks benchmark (issue 7, "Must show"): end-to-end rows/s of the
 * same binlog range into the embedded SQLite store, into the Redis store and
 * into SQLite + the Kafka sink, in one run, against the embedded store.
 *
 *   npx tsx benchmarks/sinks/run.ts [--scale 1] [--runs 1] [--only A,D]
 *
 * Datasets: the decoder benchmark's (../decoder/datasets.ts; A = 1M inserts
 * in one transaction, D = 200k single-row transactions, B and C on request),
 * generated on a throwaway MariaDB started here. Per dataset and run,
 * interleaved so load bursts hit every mode alike:
 *   replay → sqlite      `binsnap replay --binlog-dir DIR --from S --to E --store NEW.db`
 *   replay → redis       the same into `--store redis://…?prefix=NEW` (a throwaway redis-server,
 *                        no persistence, started here)
 *   run → sqlite         `binsnap run --source mysql://… --from S --until E --store NEW.db`
 *                        (the daemon streaming the range from the live server)
 *   run → sqlite + kafka the same with `--sink kafka://…?topicPrefix=NEW` (a throwaway
 *                        single-node KRaft broker from the cached jars, started here)
 *   run → redis + kafka  both shared backends at once
 * `replay` has no --sink, so the Kafka modes use `run` against the live server and are
 * compared with `run → sqlite` (same source path); the Redis store is compared with
 * `replay → sqlite`. Every command runs in-process through the CLI entry point
 * (`main([...])`), as the replay benchmark does; every run gets a new store/prefix/topics,
 * which are deleted afterwards. Each run checks that the command applied exactly the
 * dataset's row changes, and for Kafka that the topics hold at least that many records.
 */
import { mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { main as binsnap } from '../../src/cli/main.js';
import { connect, destroyMariadb, startMariadb } from '../../test/harness/mariadb.js';
import { destroyRedis, startRedis } from '../../test/harness/redis.js';
import { startKafka } from '../../test/harness/kafka.js';
import { createDatasets, type Dataset } from '../decoder/datasets.js';
import { benchRoot, median, seconds, textCollector as collector } from '../common.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string', default: 'A,D' },
  },
});
const scale = Number(args.scale);
const runs = Number(args.runs);
const only = new Set(args.only.split(',').map((s) => s.trim().toUpperCase()));

type Mode = 'replay-sqlite' | 'replay-redis' | 'run-sqlite' | 'run-sqlite-kafka' | 'run-redis-kafka';
const MODES: readonly Mode[] = ['replay-sqlite', 'replay-redis', 'run-sqlite', 'run-sqlite-kafka', 'run-redis-kafka'];
const LABEL: Record<Mode, string> = {
  'replay-sqlite': 'replay → SQLite (embedded)',
  'replay-redis': 'replay → Redis',
  'run-sqlite': 'run → SQLite',
  'run-sqlite-kafka': 'run → SQLite + Kafka sink',
  'run-redis-kafka': 'run → Redis + Kafka sink',
};
/** What each mode's ratio is taken against. */
const BASE: Record<Mode, Mode> = {
  'replay-sqlite': 'replay-sqlite',
  'replay-redis': 'replay-sqlite',
  'run-sqlite': 'replay-sqlite',
  'run-sqlite-kafka': 'run-sqlite',
  'run-redis-kafka': 'run-sqlite',
};

function removeSqlite(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

function sqliteSize(file: string): number {
  let bytes = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) bytes += statSync(f).size;
  return bytes;
}

async function main(): Promise<void> {
  const root = benchRoot('sinks');
  const storeDir = path.join(root, 'stores');
  mkdirSync(storeDir);
  const log = (m: string): void => console.error(`[bench] ${m}`);

  const server = await startMariadb(root, { serverId: 1, maxBinlogSize: 1024 * 1024 * 1024 }, log);
  const redisP = startRedis(root, log);
  const kafkaP = startKafka({ tmpRoot: root, log });
  const [r, k] = await Promise.allSettled([redisP, kafkaP]);
  const redis = r.status === 'fulfilled' ? r.value : undefined;
  const broker = k.status === 'fulfilled' ? k.value : undefined;
  const admin = redis ? new Redis(redis.url) : undefined;
  const kafka = broker ? new Kafka({ clientId: 'binsnap-bench', brokers: broker.brokers, logLevel: logLevel.NOTHING }) : undefined;
  try {
    if (r.status === 'rejected') throw r.reason;
    if (k.status === 'rejected') throw k.reason;
    const binlogDir = server.binlogDir as string;
    const conn = await connect(server);
    let datasets: Dataset[];
    try {
      datasets = await createDatasets(conn, binlogDir, scale, log, (f) => statSync(f).size);
    } finally {
      await conn.end();
    }

    let serial = 0;
    /** One mode over one dataset: seconds, plus a row-count check. */
    const measure = async (ds: Dataset, mode: Mode): Promise<{ seconds: number; extra: string }> => {
      const id = `b${++serial}${ds.name.toLowerCase()}${Date.now().toString(36)}`;
      const sqlite = path.join(storeDir, `${id}.db`);
      const redisStore = `${redis!.url}?prefix=${id}`;
      const kafkaSink = `kafka://${broker!.brokers.join(',')}?topicPrefix=${id}`;
      const start = `${ds.startFile}:4`;
      const end = `${ds.endFile}:${ds.endOffset}`;
      const common = ['--log-level', 'warn', '--json'];
      const argv: Record<Mode, string[]> = {
        'replay-sqlite': ['replay', '--binlog-dir', binlogDir, '--from', start, '--to', end, '--store', sqlite],
        'replay-redis': ['replay', '--binlog-dir', binlogDir, '--from', start, '--to', end, '--store', redisStore],
        'run-sqlite': ['run', '--source', server.url, '--from', start, '--until', end, '--store', sqlite, '--server-id', String(5000 + serial)],
        'run-sqlite-kafka': ['run', '--source', server.url, '--from', start, '--until', end, '--store', sqlite, '--server-id', String(5000 + serial), '--sink', kafkaSink],
        'run-redis-kafka': ['run', '--source', server.url, '--from', start, '--until', end, '--store', redisStore, '--server-id', String(5000 + serial), '--sink', kafkaSink],
      };
      const out = collector();
      const err = collector();
      const t0 = process.hrtime.bigint();
      const code = await binsnap([...argv[mode], ...common], process.env, { stdout: out, stderr: err, interactive: false });
      const s = seconds(t0);
      if (code !== 0) throw new Error(`${LABEL[mode]} of dataset ${ds.name} exited with ${code}: ${err.text().slice(-3000)}`);
      const summary = JSON.parse(out.text().trim().split('\n').pop() as string) as { rowChanges: number };
      if (summary.rowChanges !== ds.rows) throw new Error(`${LABEL[mode]} of dataset ${ds.name} applied ${summary.rowChanges} row changes, expected ${ds.rows}`);
      const extra: string[] = [];
      if (mode.includes('sqlite')) {
        extra.push(`store ${(sqliteSize(sqlite) / 1e6).toFixed(0)} MB`);
        removeSqlite(sqlite);
      }
      if (mode.includes('redis')) {
        const info = await admin!.info('memory');
        extra.push(`redis ${(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1e6).toFixed(0)} MB`);
        await admin!.flushdb();
      }
      if (mode.includes('kafka')) {
        const a = kafka!.admin();
        await a.connect();
        try {
          const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`));
          let records = 0;
          for (const t of topics) for (const p of await a.fetchTopicOffsets(t)) records += Number(p.high);
          if (records < ds.rows) throw new Error(`${LABEL[mode]} of dataset ${ds.name}: ${records} Kafka records, expected ≥ ${ds.rows}`);
          extra.push(`${records.toLocaleString('en')} records`);
          await a.deleteTopics({ topics });
        } finally {
          await a.disconnect();
        }
      }
      return { seconds: s, extra: extra.join(', ') };
    };

    const lines = [
      `| dataset | row changes | mode | s | row changes/s | ratio vs base | base | ratio vs replay → SQLite |`,
      `|---|---:|---|---:|---:|---:|---|---:|`,
    ];
    for (const ds of datasets) {
      if (!only.has(ds.name)) continue;
      log(`measuring dataset ${ds.name} (${ds.rows.toLocaleString('en')} row changes, ${runs} run(s) per mode)`);
      const times = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
      for (let i = 0; i < runs; i++) {
        for (const mode of MODES) {
          const m = await measure(ds, mode);
          times.get(mode)!.push(m.seconds);
          log(`  run ${i + 1} ${LABEL[mode]}: ${m.seconds.toFixed(2)} s (${Math.round(ds.rows / m.seconds).toLocaleString('en')} rows/s; ${m.extra})`);
        }
      }
      for (const mode of MODES) {
        const s = median(times.get(mode)!);
        const base = median(times.get(BASE[mode])!);
        const embedded = median(times.get('replay-sqlite')!);
        lines.push(
          `| ${ds.name}: ${ds.title} | ${ds.rows.toLocaleString('en')} | ${LABEL[mode]} | ${s.toFixed(2)} | ${Math.round(ds.rows / s).toLocaleString('en')} | ` +
            `${mode === BASE[mode] ? '1.00' : `**${(s / base).toFixed(2)}**`} | ${LABEL[BASE[mode]]} | ${(s / embedded).toFixed(2)} |`,
        );
      }
    }
    console.log(`\nStores and sinks, median of ${runs} run(s), scale ${scale} (ratio = time / the base mode's time; > 1 is slower)\n`);
    console.log(lines.join('\n'));
    console.log(`\ncommand: npx tsx benchmarks/sinks/run.ts --scale ${args.scale} --runs ${args.runs} --only ${args.only}`);
  } finally {
    await admin?.quit().catch(() => undefined);
    if (broker) await broker.stop();
    if (redis) await destroyRedis(redis);
    await destroyMariadb(server);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
