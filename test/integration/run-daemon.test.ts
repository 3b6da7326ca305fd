/**
 * `binsnap run`, the daemon, as users run it (`node bin/binsnap.js run`)
 * tailing the throwaway replica while a seeded workload writes on the primary
 * (issue 6, "Must show"):
 * - it resumes from the store's checkpoint after every stop, graceful
 *   (SIGTERM: exit 0 within seconds) or not (kill -9 at random moments);
 * - at the end every table equals the replica's SELECT, and the store holds
 *   exactly the versions of a single replay of the same range (none missing,
 *   none twice), so the checkpoint never pointed past durable data.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binaryBuilt as built, checkpointOf, masterPosition, runCli as inProcess, startDaemon } from '../harness/cli.js';
import { connect, waitForReplica, type MariadbInfo } from '../harness/mariadb.js';
import { findFreePort } from '../harness/ports.js';
import { waitForExit } from '../harness/process.js';
import { snapshotTables, type Row } from '../harness/select-values.js';
import { runWorkload, Rng } from '../harness/workload.js';

const KILLS = Number(process.env['BINSNAP_TEST_DAEMON_KILLS'] ?? 20);

function positionKey(p: string): [number, number] {
  const m = /\.(\d+):(\d+)$/.exec(p)!;
  return [Number(m[1]), Number(m[2])];
}

function atOrAfter(a: string, b: string): boolean {
  const [fa, oa] = positionKey(a);
  const [fb, ob] = positionKey(b);
  return fa > fb || (fa === fb && oa >= ob);
}

async function exportRows(store: string, table: string): Promise<Row[]> {
  const r = await inProcess(['export', '--table', table, '--format', 'jsonl', '--store', store]);
  expect(r.code, r.err).toBe(0);
  return r.out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

describe.skipIf(!built)('binsnap run: the daemon tails the replica (issue 6)', () => {
  const primary = inject('mariadb');
  const maybeReplica = inject('replica');
  if (!maybeReplica) throw new Error('the test servers include no replica');
  const replica: MariadbInfo = maybeReplica;
  let dir = '';
  let store = '';
  let start = '';
  const db = `daemon_${process.pid}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'run-daemon-'));
    store = path.join(dir, 'daemon.db');
    start = await masterPosition(replica);
  });

  afterAll(async () => {
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``).finally(() => c.end());
  });

  it(
    'survives SIGTERM and repeated kill -9 during a workload; ends equal to the replica and to a single replay',
    async () => {
      // 1. First start from an explicit position; a graceful stop must come within seconds.
      let d = startDaemon(['--source', replica.url, '--from', start, '--store', store, '--server-id', '4101']);
      const conn = await connect(primary);
      let finished = false;
      const workload = runWorkload(conn, { seed: 7, transactions: 500, db, bigRows: 20_000, checkpointEvery: 100 }).finally(() => {
        finished = true;
      });
      await new Promise((r) => setTimeout(r, 1500));
      d.child.kill('SIGTERM');
      const t0 = Date.now();
      const graceful = await d.done;
      expect(graceful.code, graceful.err).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(graceful.out).toMatch(/applied \d+ transactions/);

      // 2. Restart without --from (resume from the checkpoint) and kill -9 at random moments.
      const rng = new Rng(42);
      let kills = 0;
      while (kills < KILLS) {
        d = startDaemon(['--source', replica.url, '--store', store, '--server-id', '4101']);
        await new Promise((r) => setTimeout(r, 300 + Math.floor(rng.float() * 900)));
        d.child.kill('SIGKILL');
        await d.done;
        await waitForExit(d.child.pid ?? 0, 2000);
        kills++;
        if (finished && kills >= KILLS / 2) break;
      }
      await workload;
      await conn.end();
      await waitForReplica(primary, replica);
      const end = await masterPosition(replica);

      // 3. A last run with --until the end position applies the rest and stops by itself.
      d = startDaemon(['--source', replica.url, '--store', store, '--server-id', '4101', '--until', end]);
      const last = await d.done;
      expect(last.code, last.err).toBe(0);
      // Resumed exactly at --until (nothing left in the range): it stops at once instead of waiting for events.
      const t1 = Date.now();
      const again = await startDaemon(['--source', replica.url, '--store', store, '--server-id', '4101', '--until', end]).done;
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/applied 0 transactions/);
      expect(Date.now() - t1).toBeLessThan(15_000);
      const cp = await checkpointOf(store);
      expect(cp).not.toBeNull();
      expect(atOrAfter(cp!, end) || cp === end).toBe(true);

      // 4. Oracle 1: the replica's tables.
      const rc = await connect(replica);
      const [tablesRows] = await rc.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [db]);
      const tables = (tablesRows as Array<{ t: string }>).map((r) => `${db}.${r.t}`).sort();
      const live = await snapshotTables(rc, tables);
      await rc.end();
      expect(tables.length).toBeGreaterThan(2);
      for (const t of tables) {
        const got = await exportRows(store, t);
        const want = live[t] ?? [];
        expect(got.map((r) => JSON.stringify(r)).sort(), `${t} after ${kills} kills`).toEqual(want.map((r) => JSON.stringify(r)).sort());
      }

      // 5. Oracle 2: one uninterrupted replay of the same range has exactly the same versions.
      const single = path.join(dir, 'single.db');
      const rep = await inProcess(['replay', '--source', replica.url, '--from', start, '--to', end, '--store', single, '--server-id', '4102']);
      expect(rep.code, rep.err).toBe(0);
      const stats = async (s: string) =>
        (JSON.parse((await inProcess(['status', '--json', '--store', s])).out) as { tables: Array<{ table: string; versions: number; rows: number }> }).tables.filter(
          (t) => t.table.startsWith(`${db}.`),
        );
      expect(await stats(store)).toEqual(await stats(single));
    },
    300_000,
  );

  it('serves Prometheus metrics and /healthz while it tails (--metrics)', async () => {
    const port = await findFreePort();
    const from = await masterPosition(replica);
    const d = startDaemon(['--source', replica.url, '--from', from, '--store', path.join(dir, 'metrics.db'), '--server-id', '4103', '--metrics', `127.0.0.1:${port}`]);
    try {
      const c = await connect(primary);
      await c.query(`CREATE DATABASE IF NOT EXISTS \`${db}_m\``);
      await c.query(`CREATE TABLE \`${db}_m\`.t (id INT PRIMARY KEY, v INT)`);
      for (let i = 0; i < 5; i++) await c.query(`INSERT INTO \`${db}_m\`.t VALUES (?, ?)`, [i, i * 10]);
      await c.query(`DROP DATABASE \`${db}_m\``);
      await c.end();
      let text = '';
      const deadline = Date.now() + 20_000;
      const metric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      while (Date.now() < deadline) {
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
        // 3 DDL units and 5 inserts; caught up (a heartbeat after them) means lag 0.
        if (metric('binsnap_transactions_total') >= 8 && metric('binsnap_lag_seconds') === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(metric('binsnap_transactions_total')).toBeGreaterThanOrEqual(8);
      expect(metric('binsnap_row_changes_total')).toBeGreaterThanOrEqual(5);
      expect(metric('binsnap_bytes_total')).toBeGreaterThan(0);
      expect(metric('binsnap_lag_seconds')).toBe(0);
      expect(text).toMatch(/^binsnap_checkpoint_offset\{file="mysql-bin\.\d+"\} \d+$/m);
      const h = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toMatchObject({ status: 'ok', caughtUp: true });
    } finally {
      d.child.kill('SIGTERM');
      const r = await d.done;
      expect(r.code, r.err).toBe(0);
    }
  });

  it('stops with exit code 3 when the start position was purged or never existed', async () => {
    const r2 = await inProcess(['run', '--source', replica.url, '--from', 'mysql-bin.999999:4', '--store', path.join(dir, 'purged.db')]);
    expect(r2.code).toBe(3);
    expect(r2.err).toContain('BINSNAP_E_SOURCE_POSITION_PURGED');
  });
});
