/**
 * Server id clashes against the shared MariaDB (issue: "a duplicate-server-id
 * disconnect is detected and named"). MariaDB ends the older dump thread when
 * a second replica dumps with the same server id; binsnap must then stop with
 * BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID naming the id (not reconnect, which
 * would cut off the other replica in turn, forever), whether the server says
 * why (error 4052) or just drops the stream. Distinct ids stream side by side,
 * and a binsnap restarted after a hard crash starts although its old dump
 * thread still lingers on the server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { readServerBinlog } from '../../src/source/server-source.js';
import { openBinlogConnection, reportHostOf } from '../../src/source/binlog-connection.js';
import { BinsnapError } from '../../src/core/errors.js';
import type { BinlogPosition } from '../../src/core/position.js';
import { connect, sourceUrlOf, waitForReplica, type MariadbInfo, binlogPosition, queryRows } from '../harness/mariadb.js';
import type { SourceUrl } from '../../src/config/values.js';

const DUPLICATE = 'BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID';

const query = queryRows;
const masterStatus = binlogPosition;

async function slaveHosts(info: MariadbInfo, serverId: number): Promise<Array<{ host: string; port: number }>> {
  const rows = await query(info, 'SHOW SLAVE HOSTS');
  return rows.filter((r) => Number(r['Server_id']) === serverId).map((r) => ({ host: String(r['Host']), port: Number(r['Port']) }));
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A server source running in the background, collecting the ids inserted into sid_test.t. */
interface Running {
  readonly ids: number[];
  events: number;
  reconnects: number;
  readonly warnings: string[];
  /** Resolves with the error that ended the source (undefined when it ended cleanly). */
  readonly ended: Promise<unknown>;
  endedAt: number | undefined;
  stop(): Promise<void>;
}

function runSource(source: SourceUrl, serverId: number, start: BinlogPosition, instanceId?: string): Running {
  const ac = new AbortController();
  const r = { ids: [] as number[], events: 0, reconnects: 0, warnings: [] as string[], endedAt: undefined as number | undefined };
  const ended = (async (): Promise<unknown> => {
    try {
      for await (const e of readServerBinlog({
        source,
        serverId,
        start: { kind: 'position', position: start },
        heartbeatPeriodMs: 300,
        retry: { initialDelayMs: 50, maxDelayMs: 300 },
        signal: ac.signal,
        ...(instanceId ? { instanceId } : {}),
        onWarning: (m) => r.warnings.push(m),
        onReconnect: () => {
          r.reconnects++;
        },
      })) {
        r.events++;
        if (e.kind === 'rows' && e.table === 't' && e.action === 'insert') for (const row of e.rows) r.ids.push(Number(row.after?.[0]));
      }
      return undefined;
    } catch (err) {
      return err;
    } finally {
      r.endedAt = Date.now();
    }
  })();
  return Object.assign(r, {
    ended,
    stop: async (): Promise<void> => {
      ac.abort();
      await ended;
    },
  });
}

function expectDuplicate(err: unknown, serverId: number): BinsnapError {
  expect(err).toBeInstanceOf(BinsnapError);
  const e = err as BinsnapError;
  expect(e.code).toBe(DUPLICATE);
  expect(e.transient).toBe(false);
  expect(e.message).toContain(`server id ${serverId}`);
  return e;
}

/** The ids of dump threads of user root (binsnap's connections in these tests). */
async function rootDumpThreads(info: MariadbInfo): Promise<number[]> {
  const rows = await query(info, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'root' AND COMMAND LIKE 'Binlog Dump%'");
  return rows.map((r) => Number(r['ID']));
}

let nextId = 0;
const insertRows = async (info: MariadbInfo, n: number): Promise<number[]> => {
  const ids = Array.from({ length: n }, () => ++nextId);
  for (const id of ids) await query(info, 'INSERT INTO sid_test.t VALUES (?)', [id]);
  return ids;
};

describe('server id clashes on the shared MariaDB', () => {
  const primary = inject('mariadb');
  const replica = inject('replica');
  const source = sourceUrlOf(primary);
  const running: Running[] = [];
  const track = (r: Running): Running => {
    running.push(r);
    return r;
  };

  beforeAll(async () => {
    await query(primary, 'CREATE DATABASE IF NOT EXISTS sid_test');
    await query(primary, 'CREATE TABLE IF NOT EXISTS sid_test.t (id INT PRIMARY KEY)');
    const [row] = await query(primary, 'SELECT COALESCE(MAX(id), 0) AS m FROM sid_test.t');
    nextId = Number(row?.['m'] ?? 0);
  });

  beforeEach(async () => {
    // Dump threads of the sources an earlier test stopped go once the server notices (next heartbeat).
    await waitFor('the dump threads of earlier tests to end', async () => (await rootDumpThreads(primary)).length === 0);
  });

  afterAll(async () => {
    for (const r of running) await r.stop();
  });

  it('two binsnap sources with one server id: the displaced one stops with the coded error, the other streams on', async () => {
    const start = await masterStatus(primary);
    const first = track(runSource(source, 6101, start, 'aaaa0001'));
    await waitFor('the first source to stream', () => first.events > 0);
    const t0 = Date.now();
    const second = track(runSource(source, 6101, start, 'bbbb0002'));

    const err = await Promise.race([first.ended, sleep(15_000).then(() => 'still running')]);
    const e = expectDuplicate(err, 6101);
    // The source that took the id over is named by its report host.
    expect(e.message).toContain(reportHostOf('bbbb0002'));
    expect(first.endedAt! - t0).toBeLessThan(10_000);
    // Stopped, not flapping: no reconnect, so the newcomer was never cut off.
    expect(first.reconnects).toBe(0);

    const ids = await insertRows(primary, 3);
    await waitFor('the second source to get the new rows', () => ids.every((id) => second.ids.includes(id)));
    await sleep(1_000);
    expect(second.reconnects).toBe(0);
    expect(second.endedAt).toBeUndefined();
    expect(await slaveHosts(primary, 6101)).toEqual([{ host: reportHostOf('bbbb0002'), port: 0 }]);
    await second.stop();
  });

  it('a drop with no error while another registrant (no report_host) holds the id is named too', async () => {
    const start = await masterStatus(primary);
    const src = track(runSource(source, 6102, start));
    await waitFor('the source to stream', () => src.events > 0);
    // A bare registration with the same id and an empty host, as a replica
    // without report_host sends (MariaDB lists it under the client's address),
    // that never asks for a dump: the server has no reason to end binsnap's
    // thread and says nothing.
    const other = await connect(primary);
    try {
      const core = (other as unknown as { connection: { _registerSlave(o: object, cb: () => void): void } }).connection;
      await new Promise<void>((resolve) => core._registerSlave({ serverId: 6102, slaveHostname: '' }, resolve));
      const hosts = (await slaveHosts(primary, 6102)).map((h) => h.host);
      expect(hosts).toHaveLength(2);
      expect(hosts).toContain('127.0.0.1');
      // Then the stream drops with no explanation (here: an admin's KILL).
      const threads = await rootDumpThreads(primary);
      expect(threads).toHaveLength(1);
      await query(primary, `KILL ${threads[0]}`);
      const err = await Promise.race([src.ended, sleep(15_000).then(() => 'still running')]);
      const e = expectDuplicate(err, 6102);
      expect(e.message).toContain('the replica at 127.0.0.1');
      expect(src.reconnects).toBe(0);
    } finally {
      other.destroy();
    }
  });

  it.skipIf(!replica)('a real MariaDB replica holding the id: binsnap stops and the replica keeps replicating', async () => {
    if (!replica) return;
    const start = await masterStatus(primary);
    // binsnap takes the replica's id: the server ends the replica's dump, the
    // replica reconnects a second later (MASTER_CONNECT_RETRY=1) and ends binsnap's.
    const src = track(runSource(source, replica.serverId, start));
    const err = await Promise.race([src.ended, sleep(20_000).then(() => 'still running')]);
    const e = expectDuplicate(err, replica.serverId);
    expect(e.message).toContain('127.0.0.1');
    expect(src.reconnects).toBe(0);
    await query(primary, 'INSERT INTO sid_test.t VALUES (?)', [++nextId]);
    await waitForReplica(primary, replica);
    const [status] = await query(replica, 'SHOW SLAVE STATUS');
    expect(status?.['Slave_IO_Running']).toBe('Yes');
  });

  it('different server ids stream side by side', async () => {
    const start = await masterStatus(primary);
    const a = track(runSource(source, 6111, start));
    const b = track(runSource(source, 6112, start));
    await waitFor('both sources to stream', () => a.events > 0 && b.events > 0);
    const ids = await insertRows(primary, 5);
    await waitFor('both sources to get the rows', () => a.ids.length >= 5 && b.ids.length >= 5);
    await sleep(1_000);
    expect(a.ids).toEqual(ids);
    expect(b.ids).toEqual(ids);
    expect([a.reconnects, b.reconnects, a.endedAt, b.endedAt]).toEqual([0, 0, undefined, undefined]);
    await a.stop();
    await b.stop();
  });

  it('a binsnap killed hard and restarted with the same id starts although its old dump thread lingers', async () => {
    const start = await masterStatus(primary);
    // The crashed run: a long heartbeat period, so the server notices the
    // dead socket late, as after a kill -9 or a lost host.
    const crashed = await openBinlogConnection({
      source,
      serverId: 6121,
      instanceId: 'dead0001',
      start: { kind: 'position', position: start },
      heartbeatPeriodMs: 60_000,
    });
    const it1 = crashed[Symbol.asyncIterator]();
    await it1.next(); // the dump is running
    // close() destroys the socket without COM_QUIT: what the kernel does for a killed process.
    crashed.close();
    await it1.return?.(undefined);
    await sleep(200);
    expect(await slaveHosts(primary, 6121)).toEqual([{ host: reportHostOf('dead0001'), port: 0 }]);

    const restarted = track(runSource(source, 6121, start, 'a11e0002'));
    await waitFor('the restarted source to stream', () => restarted.events > 0);
    const ids = await insertRows(primary, 3);
    await waitFor('the restarted source to get the rows', () => ids.every((id) => restarted.ids.includes(id)));
    // The old thread is gone: displaced by the new registration.
    await waitFor('the stale registration to go', async () => (await slaveHosts(primary, 6121)).length === 1);
    expect(await slaveHosts(primary, 6121)).toEqual([{ host: reportHostOf('a11e0002'), port: 0 }]);
    await sleep(1_000);
    expect(restarted.reconnects).toBe(0);
    expect(restarted.endedAt).toBeUndefined();
    await restarted.stop();
  });

  it('without the privilege to list replicas: one warning, and a drop is still retried', async () => {
    await query(primary, "CREATE USER IF NOT EXISTS 'sid_limited'@'127.0.0.1' IDENTIFIED BY 'sid-pass'");
    await query(primary, "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'sid_limited'@'127.0.0.1'");
    const start = await masterStatus(primary);
    const src = track(runSource(sourceUrlOf(primary, 'sid_limited', 'sid-pass'), 6131, start));
    const dumpThreads = async (): Promise<number[]> =>
      (await query(primary, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'sid_limited' AND COMMAND LIKE 'Binlog Dump%'")).map((r) =>
        Number(r['ID']),
      );
    for (let kill = 1; kill <= 2; kill++) {
      await waitFor('a dump thread', async () => (await dumpThreads()).length === 1);
      const [id] = await dumpThreads();
      await query(primary, `KILL ${id}`);
      await waitFor(`reconnect ${kill}`, () => src.reconnects >= kill);
    }
    const ids = await insertRows(primary, 2);
    await waitFor('the rows after the reconnects', () => ids.every((id) => src.ids.includes(id)));
    expect(src.endedAt).toBeUndefined();
    expect(src.warnings).toHaveLength(1);
    expect(src.warnings[0]).toMatch(/server id 6131.*REPLICATION MASTER ADMIN/s);
    await src.stop();
  });
});
