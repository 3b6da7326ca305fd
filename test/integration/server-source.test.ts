/**
 * The server source against real MariaDB servers (issue 4): it yields the
 * same events as the file source over the same range (across a rotation); it
 * tails the replica while the primary writes, every transaction exactly once
 * and in order; it survives a killed dump thread and a server restart with no
 * gap and no duplicate; it fails over from the replica to the primary by GTID.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readServerBinlog, type ServerSourceOptions } from '../../src/source/server-source.js';
import { readBinlogFiles } from '../../src/source/file-source.js';
import { BinlogPosition } from '../../src/core/position.js';
import { parseGtidSet } from '../../src/core/gtid.js';
import type { DecodedEvent } from '../../src/protocol/binlog/events.js';
import { connect, destroyMariadb, restartMariadb, startMariadb, waitForReplica, type MariadbInfo, sourceUrlOf, binlogPosition, queryRows } from '../harness/mariadb.js';


/** What two sources must agree on: kind, positions and decoded rows. */
function comparable(e: DecodedEvent): unknown {
  return JSON.stringify({ kind: e.kind, type: e.type, pos: e.pos.format(), next: e.nextPos.format(), rows: e.kind === 'rows' ? e.rows : undefined }, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
}

const query = queryRows;
const masterStatus = binlogPosition;

/** Ids inserted into `table`, in the order the source delivered their committed transactions. */
async function collectIds(
  opts: ServerSourceOptions,
  table: string,
  until: (ids: number[]) => boolean,
  onEvent?: (e: DecodedEvent, ids: number[]) => Promise<void>,
): Promise<{ ids: number[]; gtid: string }> {
  const ids: number[] = [];
  let pending: number[] = [];
  let gtid = '';
  let txGtid = '';
  for await (const e of readServerBinlog(opts)) {
    if (e.kind === 'maria_gtid') txGtid = `${e.domainId}-${e.serverId}-${e.seqNo}`;
    if (e.kind === 'rows' && e.table === table && e.action === 'insert') for (const r of e.rows) pending.push(Number(r.after?.[0]));
    if (e.kind === 'xid') {
      ids.push(...pending);
      pending = [];
      gtid = txGtid;
      if (until(ids)) break;
    }
    await onEvent?.(e, ids);
  }
  return { ids, gtid };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('server source on the test primary and replica', () => {
  const primary = inject('mariadb');
  const replica = inject('replica');

  beforeAll(async () => {
    await query(primary, 'CREATE DATABASE IF NOT EXISTS src_test');
    await query(primary, 'CREATE TABLE IF NOT EXISTS src_test.t (id INT PRIMARY KEY, v VARCHAR(50), d DECIMAL(8,2), j LONGTEXT)');
  });

  it.skipIf(primary.how !== 'local')('yields the same events as the file source over the same range, across a rotation', async () => {
    const from = await masterStatus(primary);
    await query(primary, 'INSERT INTO src_test.t VALUES (1, "one", 1.50, "{}"), (2, NULL, -2.25, "[1]")');
    await query(primary, 'UPDATE src_test.t SET v = "uno" WHERE id = 1');
    await query(primary, 'FLUSH BINARY LOGS');
    await query(primary, 'ALTER TABLE src_test.t ADD COLUMN extra INT');
    await query(primary, 'DELETE FROM src_test.t WHERE id = 2');
    const to = await masterStatus(primary);

    const live: unknown[] = [];
    for await (const e of readServerBinlog({ source: sourceUrlOf(primary), serverId: 5001, start: { kind: 'position', position: from }, to })) {
      if (e.kind !== 'heartbeat') live.push(comparable(e));
    }
    const files: unknown[] = [];
    for await (const e of readBinlogFiles({ binlogDir: primary.binlogDir as string, from, to })) files.push(comparable(e));

    expect(live.length).toBeGreaterThan(12);
    expect(live).toEqual(files);
    // The range ended where asked: the last event ends exactly at `to`.
    expect(JSON.parse(live[live.length - 1] as string).next).toBe(to.format());
    expect(live.filter((e) => (e as string).includes('"kind":"rotate"'))).toHaveLength(1);
  });

  it('decodes nothing after a DDL statement before the consumer has handled it (the lookup answers as of each event)', async () => {
    await query(primary, 'CREATE TABLE IF NOT EXISTS src_test.ddl (id INT PRIMARY KEY, c0 INT)');
    const from = await masterStatus(primary);
    // DDL then rows, five times: all of it arrives in one burst, far smaller than a batch.
    await query(
      primary,
      Array.from({ length: 5 }, (_, i) => `ALTER TABLE src_test.ddl RENAME COLUMN c${i} TO c${i + 1}; INSERT INTO src_test.ddl VALUES (${i}, ${i})`).join('; '),
    );
    const to = await masterStatus(primary);
    let ddlHandled = 0;
    const seenByLookup: number[] = [];
    for await (const e of readServerBinlog({
      source: sourceUrlOf(primary),
      serverId: 5007,
      start: { kind: 'position', position: from },
      to,
      schema: (_db, table) => {
        if (table === 'ddl') seenByLookup.push(ddlHandled);
        return undefined;
      },
    })) {
      if (e.kind === 'query' && e.statement.startsWith('ALTER')) ddlHandled++;
    }
    expect(seenByLookup).toEqual([1, 2, 3, 4, 5]);
  });

  it.skipIf(!replica)('tails the replica while the primary writes: every transaction once, in order', async () => {
    if (!replica) return;
    await query(primary, 'CREATE TABLE IF NOT EXISTS src_test.w (id INT PRIMARY KEY, v VARCHAR(20))');
    await waitForReplica(primary, replica);
    const start = await masterStatus(replica);
    const N = 300;
    const writer = (async () => {
      const c = await connect(primary);
      try {
        for (let i = 1; i <= N; i++) await c.query('INSERT INTO src_test.w VALUES (?, ?)', [i, `w${i}`]);
      } finally {
        await c.end();
      }
    })();
    const { ids } = await collectIds(
      { source: sourceUrlOf(replica), serverId: 5002, start: { kind: 'position', position: start } },
      'w',
      (got) => got.length >= N,
    );
    await writer;
    expect(ids).toEqual(range(1, N));
  });

  it.skipIf(!replica)('fails over from the replica to the primary by GTID with no gap and no duplicate', async () => {
    if (!replica) return;
    await query(primary, 'CREATE TABLE IF NOT EXISTS src_test.f (id INT PRIMARY KEY)');
    await waitForReplica(primary, replica);
    const start = await masterStatus(replica);
    for (let i = 1; i <= 50; i++) await query(primary, 'INSERT INTO src_test.f VALUES (?)', [i]);
    await waitForReplica(primary, replica);
    // Tail the replica until 20 transactions are in, remembering the last committed GTID.
    const first = await collectIds(
      { source: sourceUrlOf(replica), serverId: 5003, start: { kind: 'position', position: start } },
      'f',
      (got) => got.length >= 20,
    );
    expect(first.ids).toEqual(range(1, 20));
    // The replica is gone; the primary keeps writing.
    await query(replica, 'STOP SLAVE');
    for (let i = 51; i <= 60; i++) await query(primary, 'INSERT INTO src_test.f VALUES (?)', [i]);
    const second = await collectIds(
      { source: sourceUrlOf(primary), serverId: 5004, start: { kind: 'gtid', gtid: parseGtidSet(first.gtid, 'mariadb') } },
      'f',
      (got) => got.length >= 40,
    );
    await query(replica, 'START SLAVE');
    expect([...first.ids, ...second.ids]).toEqual(range(1, 60));
  });
});

describe.skipIf(inject('mariadb').how !== 'local')('server source through a killed connection and a server restart', () => {
  let server: MariadbInfo;
  beforeAll(async () => {
    server = await startMariadb(inject('tmpRoot'), { serverId: 31 });
    await query(server, 'CREATE DATABASE k');
    await query(server, 'CREATE TABLE k.t (id INT PRIMARY KEY, pad VARCHAR(200))');
  });
  afterAll(async () => {
    await destroyMariadb(server);
  });

  it('reconnects from the last committed transaction: no gap, no duplicate', async () => {
    const start = await masterStatus(server);
    const N = 400;
    let killed = false;
    const reconnects: string[] = [];
    let delivered = 0;
    const writeRange = async (a: number, b: number): Promise<void> => {
      const c = await connect(server);
      try {
        // Multi-statement transactions, so a cut can fall inside one.
        for (let i = a; i <= b; i++) {
          await c.query('BEGIN');
          await c.query('INSERT INTO k.t VALUES (?, REPEAT("x", 150))', [i]);
          await c.query('UPDATE k.t SET pad = "y" WHERE id = ?', [i]);
          await c.query('COMMIT');
        }
      } finally {
        await c.end();
      }
    };
    const waitFor = async (what: string, cond: () => boolean): Promise<void> => {
      for (let t = 0; !cond(); t += 20) {
        if (t > 30_000) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // The second half is written only after the server restarted, so it can
    // reach binsnap only through a reconnected stream.
    const writer = (async () => {
      await writeRange(1, N / 2);
      await waitFor('the first half and the reconnect after the kill', () => delivered >= N / 2 && reconnects.length >= 1);
      await restartMariadb(server);
      await writeRange(N / 2 + 1, N);
    })();
    const { ids } = await collectIds(
      {
        source: sourceUrlOf(server),
        serverId: 5005,
        start: { kind: 'position', position: start },
        heartbeatPeriodMs: 500,
        retry: { initialDelayMs: 50, maxDelayMs: 500 },
        onReconnect: ({ from }) => reconnects.push(from?.format() ?? 'gtid'),
      },
      't',
      (got) => got.length >= N,
      async (e, got) => {
        delivered = got.length;
        if (!killed && got.length >= 50 && e.kind === 'rows') {
          // Mid-transaction: kill binsnap's dump thread from the server side.
          killed = true;
          const threads = await query(server, "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
          expect(threads).toHaveLength(1);
          await query(server, `KILL ${Number(threads[0]?.['ID'])}`);
        }
      },
    );
    await writer;
    expect(killed).toBe(true);
    // One reconnect after the kill, at least one after the restart (the server may refuse the first tries).
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual(range(1, N));
  });
});

describe('server source asked to stop while it cannot reach the server', () => {
  it('ends quietly, without an error, when the signal comes during the retries', async () => {
    // A port nobody listens on: every connection attempt is refused (transient), so the source retries.
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const controller = new AbortController();
    const attempts: number[] = [];
    const events: unknown[] = [];
    const t0 = Date.now();
    setTimeout(() => controller.abort(new Error('interrupted')), 600);
    for await (const e of readServerBinlog({
      source: { host: '127.0.0.1', port, user: 'u', password: 'p', ssl: undefined, redacted: `mysql://u:***@127.0.0.1:${port}` },
      serverId: 5006,
      start: { kind: 'position', position: BinlogPosition.of('mysql-bin.000001', 4) },
      retry: { initialDelayMs: 50, maxDelayMs: 200, onRetry: ({ attempt }) => attempts.push(attempt) },
      signal: controller.signal,
    })) {
      events.push(e);
    }
    expect(events).toEqual([]);
    expect(attempts.length).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});
