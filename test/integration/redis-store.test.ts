/**
 * The Redis store on the throwaway Redis: the SnapshotStore contract suite
 * (each store gets a fresh key prefix, deleted afterwards; `reopen` closes the
 * connection and opens the same prefix again), the store's own behaviour
 * (create: false, layout version, staged rows never visible, keys all in one
 * hash slot, AUTH from the URL), random workloads against the memory oracle
 * (the generator of src/store/store-differential.test.ts, copied: that file
 * exports nothing), and a CLI round trip: `binsnap replay` of a small binlog range
 * of the shared MariaDB into Redis and into SQLite, then `export` of both.
 */
import { applyInChunks, snapshot, workload } from '../../src/store/random-workload.test-util.js';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { isBinsnapError } from '../../src/core/errors.js';
import { pos, readAll, txn, upsert } from '../../src/store/contract-fixtures.test-util.js';
import { describeSnapshotStoreContract } from '../../src/store/contract.test-util.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { openRedisStore, type RedisStore } from '../../src/store/redis-store.js';
import { connect, type MariadbInfo } from '../harness/mariadb.js';
import { binlogSource, inProcess, parseJsonl, replay } from '../harness/replay-check.js';
import { masterPosition } from '../harness/workload.js';

let url: string;
let admin: Redis;
let seq = 0;

beforeAll(async () => {
  url = inject('redis').url;
  admin = new Redis(url);
});

afterAll(async () => {
  await admin?.quit();
});

function freshPrefix(tag = 'c'): string {
  return `t${process.pid}_${tag}_${++seq}`;
}

async function keysOf(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function dropPrefix(prefix: string): Promise<void> {
  const keys = await keysOf(prefix);
  for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
}

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'no error',
    (e: unknown) => (isBinsnapError(e) ? e.code : e),
  );
}

describeSnapshotStoreContract('redis', async () => {
  const prefix = freshPrefix();
  let current: RedisStore = await openRedisStore({ url, prefix });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openRedisStore({ url, prefix, create: false });
      return current;
    },
    cleanup: async () => {
      await current.close();
      await dropPrefix(prefix);
    },
  };
});

describe('redis store', () => {
  it('create: false refuses a prefix without a store; a newer layout is refused; ?prefix= in the URL picks the store', async () => {
    const prefix = freshPrefix('open');
    try {
      expect(await codeOf(openRedisStore({ url, prefix, create: false }))).toBe('BINSNAP_E_STORE_OPEN');
      expect(await keysOf(prefix)).toEqual([]);
      const viaUrl = await openRedisStore({ url: `${url}?prefix=${prefix}` });
      await viaUrl.apply([txn({ start: [1, 4], commit: [1, 100], rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])] })]);
      await viaUrl.close();
      const again = await openRedisStore({ url, prefix, create: false });
      expect(await readAll(again, 'd.t')).toEqual([{ id: 1 }]);
      await again.close();
      await admin.hset(`{${prefix}}:meta`, 'layout', '99');
      expect(await codeOf(openRedisStore({ url, prefix }))).toBe('BINSNAP_E_STORE_VERSION');
    } finally {
      await dropPrefix(prefix);
    }
  });

  it('an unreachable server is BINSNAP_E_STORE_OPEN and the message never shows the password', async () => {
    const err = await openRedisStore({ url: 'redis://user:s3cret-pw@127.0.0.1:1/0' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isBinsnapError(err) ? err.code : err).toBe('BINSNAP_E_STORE_OPEN');
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
    expect(JSON.stringify(isBinsnapError(err) ? err.toJSON() : {})).not.toContain('s3cret-pw');
  });

  it('authenticates with user:password from the URL; a wrong password is BINSNAP_E_STORE_OPEN without the password', async () => {
    const user = `binsnap_t${process.pid}`;
    const password = 'pw-Secret-42';
    const prefix = freshPrefix('auth');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@all');
    try {
      const u = new URL(url);
      u.username = user;
      u.password = password;
      const store = await openRedisStore({ url: u.toString(), prefix });
      await store.apply([txn({ start: [1, 4], commit: [1, 100], rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])] })]);
      expect(await readAll(store, 'd.t')).toEqual([{ id: 1 }]);
      await store.close();
      u.password = 'wrong-Secret-43';
      const err = await openRedisStore({ url: u.toString(), prefix }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isBinsnapError(err) ? err.code : err).toBe('BINSNAP_E_STORE_OPEN');
      expect(JSON.stringify(isBinsnapError(err) ? [err.message, err.toJSON()] : err)).not.toMatch(/Secret-4[23]/);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
      await dropPrefix(prefix);
    }
  });

  it('keeps every key under one hash tag (one Cluster slot) and staged rows out of sight until commit', async () => {
    const prefix = freshPrefix('slot');
    const store = await openRedisStore({ url, prefix });
    const other = await openRedisStore({ url, prefix });
    try {
      await store.apply([
        txn({
          start: [1, 4],
          commit: [1, 100],
          rows: [upsert('d.t', { id: 1 }, { id: 1 }, [1, 50])],
          events: [{ kind: 'create', table: 'd.t' }],
          schemas: [{ table: 'd.t', schema: null, ddl: 'CREATE TABLE t (id INT)', kind: 'create' }],
        }),
      ]);
      const w = await store.beginTransaction({ startPosition: pos(1, 100) });
      await w.addRows([upsert('d.t', { id: 2 }, { id: 2 }, [1, 150])]);
      // Another connection sees only committed data while rows are staged.
      expect(await readAll(other, 'd.t')).toEqual([{ id: 1 }]);
      const keys = await keysOf(prefix);
      expect(keys.some((k) => k.startsWith(`{${prefix}}:s:`))).toBe(true);
      const slots = new Set(await Promise.all(keys.map((k) => admin.call('CLUSTER', 'KEYSLOT', k).catch(() => slotOf(k)))));
      expect(slots.size).toBe(1);
      await w.commit({ commitPosition: pos(1, 200), commitTimestamp: 5 });
      expect(await readAll(other, 'd.t')).toEqual([{ id: 1 }, { id: 2 }]);
      expect((await keysOf(prefix)).some((k) => k.startsWith(`{${prefix}}:s:`))).toBe(false);
    } finally {
      await store.close();
      await other.close();
      await dropPrefix(prefix);
    }
  });
});

describe('redis store against the memory oracle', () => {
  it('agrees on random workloads applied in any order, repeated, or streamed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 40 }),
        fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (seed, count, order, streamed, repeat) => {
          const txns = workload(seed, count);
          const memory = new MemoryStore();
          await memory.apply(txns);
          const prefix = freshPrefix('diff');
          const redis = await openRedisStore({ url, prefix });
          try {
            await applyInChunks(redis, txns, order, streamed);
            if (repeat) await applyInChunks(redis, txns, [...order].reverse(), !streamed);
            expect(await snapshot(redis, txns)).toEqual(await snapshot(memory, txns));
          } finally {
            await redis.close();
            await dropPrefix(prefix);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 300_000);
});

/** The hash tag a key is routed by (CLUSTER KEYSLOT needs cluster mode; the tag decides the slot). */
function slotOf(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('CLI round trip: replay into Redis and into SQLite, export equal', () => {
  let server: MariadbInfo;
  let conn: mysql.Connection;
  let dir: string;
  const db = `redis_rt_${process.pid}`;
  const prefix = freshPrefix('cli');

  beforeAll(async () => {
    server = inject('mariadb');
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'redis-store-'));
    conn = await connect(server);
    await conn.query("SET SESSION time_zone = '+00:00'");
  });

  afterAll(async () => {
    if (conn) {
      await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await conn.end();
    }
    await dropPrefix(prefix);
  });

  it('replays a range with DDL, multi-row transactions, a table without key, a rename and a truncate', async () => {
    await conn.query('FLUSH BINARY LOGS');
    const from = await masterPosition(conn);
    await conn.query(`CREATE DATABASE ${db}`);
    await conn.query(`CREATE TABLE ${db}.a (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(20), d DECIMAL(10,2)) ENGINE=InnoDB`);
    await conn.query(`CREATE TABLE ${db}.bag (x INT, y VARCHAR(5)) ENGINE=InnoDB`);
    await conn.query(`INSERT INTO ${db}.a VALUES (1, 'one', 1.50), (18446744073709551615, 'max', -2.25), (3, 'three', 0)`);
    await conn.query(`INSERT INTO ${db}.bag VALUES (1, 'a'), (1, 'a'), (2, 'b')`);
    const mid = await masterPosition(conn);
    await conn.query(`BEGIN`);
    await conn.query(`UPDATE ${db}.a SET v = 'uno' WHERE id = 1`);
    await conn.query(`DELETE FROM ${db}.a WHERE id = 3`);
    await conn.query(`DELETE FROM ${db}.bag WHERE x = 1 LIMIT 1`);
    await conn.query(`COMMIT`);
    await conn.query(`RENAME TABLE ${db}.a TO ${db}.a2`);
    await conn.query(`INSERT INTO ${db}.a2 VALUES (4, 'four', 4.00)`);
    await conn.query(`CREATE TABLE ${db}.c (id INT PRIMARY KEY)`);
    await conn.query(`INSERT INTO ${db}.c VALUES (1), (2)`);
    await conn.query(`TRUNCATE TABLE ${db}.c`);
    await conn.query(`INSERT INTO ${db}.c VALUES (3)`);
    const to = await masterPosition(conn);

    const sqlite = path.join(dir, 'rt.db');
    const redisStore = `${url}?prefix=${prefix}`;
    for (const store of [sqlite, redisStore]) {
      await replay([...binlogSource(server), '--from', from, '--to', to, '--store', store]);
    }
    // Idempotent: the same range again changes nothing.
    await replay([...binlogSource(server), '--from', from, '--to', to, '--store', redisStore]);

    const exportOf = async (store: string, table: string, at: string): Promise<string> => {
      const r = await inProcess(['export', '--table', table, '--at', at, '--format', 'jsonl', '--store', store, '--log-level', 'warn']);
      expect(r.code, r.err).toBe(0);
      return r.out;
    };
    const cases: [string, string][] = [
      [`${db}.a`, mid],
      [`${db}.bag`, mid],
      [`${db}.a`, 'latest'],
      [`${db}.a2`, 'latest'],
      [`${db}.bag`, 'latest'],
      [`${db}.c`, 'latest'],
    ];
    for (const [table, at] of cases) {
      const fromRedis = await exportOf(redisStore, table, at);
      expect(fromRedis, `${table} at ${at}`).toBe(await exportOf(sqlite, table, at));
    }
    expect(parseJsonl(await exportOf(redisStore, `${db}.a2`, 'latest')).map((r) => r['v'])).toEqual(['uno', 'four', 'max']);
    expect(parseJsonl(await exportOf(redisStore, `${db}.c`, 'latest'))).toEqual([{ id: 3 }]);
    expect(parseJsonl(await exportOf(redisStore, `${db}.bag`, 'latest'))).toHaveLength(2);

    // Read commands refuse a prefix that holds no store instead of creating one.
    const missing = await inProcess(['export', '--table', `${db}.a2`, '--store', `${url}?prefix=${freshPrefix('none')}`, '--log-level', 'warn']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('BINSNAP_E_STORE_OPEN');
  });
});
