/**
 * Scale-out (issue 7 item 3): two independent sources — the shared primary
 * and a second MariaDB started here — each tailed by its own `binsnap run`
 * daemon (the built binary, as users run it), both sharing ONE Redis (one
 * store prefix each) and ONE Kafka broker (one topic prefix each), while each
 * source runs its own seeded workload (DDL, renames, truncates, a table without
 * a primary key, a big transaction) concurrently. Once both daemons caught up
 * with their source:
 * - each Redis store (`export --store redis://…?prefix=…`) equals its own
 *   source's SELECT, table by table, and lists no table of the other source;
 * - the Kafka topics of each topic prefix, consumed from the beginning and
 *   applied in position order, rebuild exactly their own source, and carry no
 *   record of the other source;
 * - the Redis key spaces are disjoint: every key of a store carries its own
 *   `{prefix}:` hash tag, and no key of one prefix names the other's database;
 * - each daemon serves its own metrics, and SIGTERM stops each cleanly.
 * docs/deploy.md describes this deployment.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openRedisStore } from '../../src/store/redis-store.js';
import { binaryBuilt, startDaemon, type Run } from '../harness/cli.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { findFreePort } from '../harness/ports.js';
import { comparePositions, consumeAll, dedup, kafkaClient, parsePosition, rebuild, rowsOf, schemaTopicOf, topicsOf } from '../harness/kafka-rebuild.js';
import { inProcess, parseJsonl } from '../harness/replay-check.js';
import { snapshotTables } from '../harness/select-values.js';
import { masterPosition, runWorkload } from '../harness/workload.js';

const built = binaryBuilt;

/** The shared Redis URL with `?prefix=` (keeping whatever the URL already has). */
function storeUrl(base: string, prefix: string): string {
  const u = new URL(base);
  u.searchParams.set('prefix', prefix);
  return u.toString();
}

/** The store's checkpoint (`status` would also read every table; this polls often). */
async function checkpointOf(store: string): Promise<string | null> {
  const s = await openRedisStore({ url: store, create: false }).catch(() => null);
  if (s === null) return null;
  try {
    return (await s.checkpoint())?.position.format() ?? null;
  } finally {
    await s.close();
  }
}

async function positionOf(info: MariadbInfo): Promise<string> {
  const c = await connect(info);
  try {
    return await masterPosition(c);
  } finally {
    await c.end();
  }
}

interface Shard {
  readonly name: string;
  readonly source: MariadbInfo;
  readonly db: string;
  readonly seed: number;
  readonly serverId: number;
  readonly storePrefix: string;
  readonly topicPrefix: string;
  readonly store: string;
  readonly metricsPort: number;
}

// The second source is a local mariadbd (like the primary of the local test servers).
describe.skipIf(!built || inject('mariadb').how !== 'local')('scale-out: two daemons, two sources, one Redis, one Kafka (issue 7)', () => {
  const primary = inject('mariadb');
  const redisUrl = inject('redis').url;
  const brokers = inject('kafka').brokers;
  const tag = `${Date.now().toString(36)}${process.pid}`;
  let second: MariadbInfo | undefined;
  let admin: Redis | undefined;
  const daemons: Array<{ child: ChildProcess; done: Promise<Run> }> = [];

  beforeAll(async () => {
    // An independent source (not a replica of the primary): its own server_id and GTID domain.
    second = await startMariadb(inject('tmpRoot'), { serverId: 31, gtidDomainId: 3 });
    admin = new Redis(redisUrl);
  });

  afterAll(async () => {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`so_a_${tag}\``).finally(() => c.end());
    if (admin) {
      for (const p of [`soa${tag}`, `sob${tag}`]) {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `{${p}}:*`, 'COUNT', 1000);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      await admin.quit();
    }
    if (second) await destroyMariadb(second);
  });

  async function keysOf(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await admin!.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return out.sort();
  }

  it(
    'each store and each topic prefix holds exactly its own source; nothing crosses between them',
    async () => {
      const t0 = Date.now();
      const shards: Shard[] = [];
      for (const [name, source, seed, serverId] of [
        ['a', primary, 301, 4301],
        ['b', second!, 302, 4302],
      ] as const) {
        shards.push({
          name,
          source,
          db: `so_${name}_${tag}`,
          seed,
          serverId,
          storePrefix: `so${name}${tag}`,
          topicPrefix: `so${name}${tag}`,
          store: storeUrl(redisUrl, `so${name}${tag}`),
          metricsPort: await findFreePort(),
        });
      }
      const sink = (s: Shard): string => `kafka://${brokers.join(',')}?topicPrefix=${s.topicPrefix}`;

      // 1. One daemon per source, each from its source's current position.
      for (const s of shards) {
        const from = await positionOf(s.source);
        daemons.push(
          startDaemon([
            '--source', s.source.url, '--from', from, '--store', s.store, '--sink', sink(s),
            '--server-id', String(s.serverId), '--metrics', `127.0.0.1:${s.metricsPort}`,
          ]),
        );
      }

      // 2. Both workloads at once, each on its own source and database.
      await Promise.all(
        shards.map(async (s) => {
          const c = await connect(s.source);
          try {
            await runWorkload(c, { seed: s.seed, transactions: 150, db: s.db, bigRows: 2_000, checkpointEvery: 75 });
          } finally {
            await c.end();
          }
        }),
      );
      const tWorkload = Date.now();

      // 3. Wait until each daemon's store checkpoint reached its source's end.
      for (const s of shards) {
        const end = await positionOf(s.source);
        const deadline = Date.now() + 60_000;
        for (;;) {
          const cp = await checkpointOf(s.store);
          if (cp !== null && comparePositions(parsePosition(cp), parsePosition(end)) >= 0) break;
          expect(Date.now() < deadline, `daemon ${s.name} did not reach ${end} (checkpoint ${cp})`).toBe(true);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const tCaughtUp = Date.now();

      // 4. Each daemon's own metrics.
      for (const s of shards) {
        const text = await (await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).text();
        const txns = Number(/^binsnap_transactions_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 'NaN');
        expect(txns, `metrics of daemon ${s.name}`).toBeGreaterThan(100);
      }

      // 5. Graceful stop of both.
      for (const d of daemons) d.child.kill('SIGTERM');
      for (const [i, d] of daemons.entries()) {
        const r = await d.done;
        expect(r.code, `daemon ${shards[i]!.name}: ${r.err.slice(-2000)}`).toBe(0);
        expect(r.err).not.toMatch(/BINSNAP_E_/);
      }

      const kafka = kafkaClient(brokers, 'binsnap-scale-out-test');
      for (const s of shards) {
        const other = shards.find((o) => o !== s)!;
        const c = await connect(s.source);
        const [tablesRows] = await c.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [s.db]);
        const tables = (tablesRows as Array<{ t: string }>).map((r) => `${s.db}.${r.t}`).sort();
        const live = await snapshotTables(c, tables);
        await c.end();
        expect(tables.length).toBeGreaterThan(2);

        // 6. The Redis store equals its own source and lists nothing of the other.
        for (const t of tables) {
          const r = await inProcess(['export', '--table', t, '--format', 'jsonl', '--store', s.store]);
          expect(r.code, r.err).toBe(0);
          const got = parseJsonl(r.out).map((x) => JSON.stringify(x)).sort();
          const want = (live[t] ?? []).map((x) => JSON.stringify(x)).sort();
          expect(got, `${t} in store ${s.storePrefix}`).toEqual(want);
        }
        const status = await inProcess(['status', '--json', '--store', s.store]);
        expect(status.code, status.err).toBe(0);
        const stored = (JSON.parse(status.out) as { tables: Array<{ table: string }> }).tables.map((t) => t.table);
        expect(stored.some((t) => t.startsWith(`${other.db}.`)), `store ${s.storePrefix} lists a table of ${other.db}`).toBe(false);
        const foreign = await inProcess(['export', '--table', `${tables[0]!}`, '--format', 'jsonl', '--store', other.store]);
        expect(foreign.out.trim(), `${tables[0]} read from the other store`).toBe('');

        // 7. The Kafka topics of its prefix rebuild exactly its source, and only its source.
        const topics = await topicsOf(kafka, s.topicPrefix);
        expect(topics).toContain(schemaTopicOf(s.topicPrefix));
        const records = await consumeAll(kafka, s.topicPrefix);
        expect(records.length).toBeGreaterThan(1_000);
        expect(records.filter((r) => r.value.source.db !== s.db).map((r) => `${r.topic}: ${r.value.source.db}`).slice(0, 5)).toEqual([]);
        const rebuilt = rebuild(dedup(records), schemaTopicOf(s.topicPrefix));
        expect([...rebuilt.keys()].filter((t) => t.startsWith(`${s.db}.`)).sort()).toEqual(tables);
        expect([...rebuilt.keys()].filter((t) => !t.startsWith(`${s.db}.`))).toEqual([]);
        for (const t of tables) {
          expect(rowsOf(rebuilt.get(t)), `${t} rebuilt from ${s.topicPrefix}.*`).toEqual((live[t] ?? []).map((x) => JSON.stringify(x)).sort());
        }

        // 8. Redis key spaces: every key naming this prefix is under its own hash tag; none names the other database.
        const keys = await keysOf(s.storePrefix);
        expect(keys.length).toBeGreaterThan(5);
        expect(keys.filter((k) => !k.startsWith(`{${s.storePrefix}}:`))).toEqual([]);
        expect(keys.filter((k) => k.includes(other.db))).toEqual([]);
        expect(keys.filter((k) => k.startsWith(`{${s.storePrefix}}:t:`)).every((k) => k.startsWith(`{${s.storePrefix}}:t:${s.db}.`))).toBe(true);
        console.log(
          `scale-out ${s.name}: ${tables.length} tables, ${records.length} Kafka records on ${topics.length} topics, ${keys.length} Redis keys under {${s.storePrefix}}`,
        );
      }
      console.log(
        `scale-out: workloads ${((tWorkload - t0) / 1000).toFixed(1)} s, both caught up ${((tCaughtUp - tWorkload) / 1000).toFixed(1)} s later, checks ${((Date.now() - tCaughtUp) / 1000).toFixed(1)} s`,
      );
    },
    180_000,
  );
});
