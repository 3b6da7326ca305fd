/**
 * The replication connection against a real MariaDB: the bytes it streams are
 * exactly the bytes of the server's binlog files at the positions the events
 * name; heartbeats arrive on an idle stream; a stalled server is detected;
 * wrong passwords, missing privileges and purged positions give coded errors
 * that never contain the password.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBinlogConnection, type BinlogConnectionOptions } from '../../src/source/binlog-connection.js';
import { BinlogPosition } from '../../src/core/position.js';
import { BinsnapError } from '../../src/core/errors.js';
import { parseGtidSet } from '../../src/core/gtid.js';
import { connect, destroyMariadb, signalMariadb, startMariadb, type MariadbInfo, sourceUrlOf } from '../harness/mariadb.js';

const ROTATE = 4;
const FORMAT_DESCRIPTION = 15;
const HEARTBEAT = 27;


function header(ev: Buffer): { type: number; size: number; logPos: number; serverId: number } {
  return { type: ev.readUInt8(4), serverId: ev.readUInt32LE(5), size: ev.readUInt32LE(9), logPos: ev.readUInt32LE(13) };
}

async function collect(opts: BinlogConnectionOptions, max = 100_000): Promise<Buffer[]> {
  const conn = await openBinlogConnection(opts);
  const out: Buffer[] = [];
  for await (const ev of conn) {
    out.push(ev);
    if (out.length >= max) break;
  }
  return out;
}

async function expectError(p: Promise<unknown>): Promise<BinsnapError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BinsnapError);
    return err as BinsnapError;
  }
  throw new Error('expected an error');
}

describe('binlog connection to a live MariaDB', () => {
  const primary = inject('mariadb');
  const local = primary.how === 'local';

  beforeAll(async () => {
    const c = await connect(primary);
    try {
      await c.query('CREATE DATABASE IF NOT EXISTS conn_test');
      await c.query('CREATE TABLE IF NOT EXISTS conn_test.t (id INT PRIMARY KEY, v VARCHAR(200), b BLOB)');
      for (let i = 0; i < 50; i++) {
        await c.query('REPLACE INTO conn_test.t VALUES (?, ?, ?)', [i, `row ${i} ${'x'.repeat(i)}`, Buffer.alloc(i * 100, i)]);
      }
      await c.query('CREATE USER IF NOT EXISTS norepl@127.0.0.1 IDENTIFIED BY "norepl-pass"');
      await c.query('GRANT SELECT ON *.* TO norepl@127.0.0.1');
    } finally {
      await c.end();
    }
  });

  it.skipIf(!local)('streams exactly the bytes of the binlog files, event by event', async () => {
    const c = await connect(primary);
    let file: string;
    try {
      const [rows] = await c.query('SHOW MASTER STATUS');
      file = (rows as Array<{ File: string }>)[0]?.File as string;
    } finally {
      await c.end();
    }
    const events = await collect({
      source: sourceUrlOf(primary),
      serverId: 4001,
      start: { kind: 'position', position: BinlogPosition.of(file, 4) },
      nonBlocking: true,
    });
    // First the artificial rotate to the requested file, then the file's format description.
    expect(header(events[0] as Buffer)).toMatchObject({ type: ROTATE, logPos: 0 });
    expect((events[0] as Buffer).subarray(19 + 8, 19 + 8 + file.length).toString()).toBe(file);
    expect(header(events[1] as Buffer).type).toBe(FORMAT_DESCRIPTION);

    const bytes = readFileSync(path.join(primary.binlogDir as string, file));
    let compared = 0;
    let expectedNext = 4;
    for (const ev of events.slice(1)) {
      const h = header(ev);
      expect(h.size).toBe(ev.length);
      expect(h.logPos - h.size).toBe(expectedNext);
      const fileBytes = bytes.subarray(h.logPos - h.size, h.logPos);
      if (h.type === FORMAT_DESCRIPTION) {
        // The server clears the "binlog in use" flag (0x1) of the format
        // description it sends (and recomputes the checksum): compare the rest.
        expect(ev.readUInt16LE(17)).toBe(fileBytes.readUInt16LE(17) & ~1);
        expect(ev.subarray(19, -4).equals(fileBytes.subarray(19, -4))).toBe(true);
      } else {
        expect(ev.equals(fileBytes), `event at ${h.logPos - h.size} (type ${h.type})`).toBe(true);
      }
      expectedNext = h.logPos;
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
    // Non-blocking: the stream ended at the end of the file as it was.
    expect(expectedNext).toBeLessThanOrEqual(bytes.length);
  });

  it('starts from a GTID position on MariaDB', async () => {
    const c = await connect(primary);
    let gtid: string;
    try {
      const [rows] = await c.query('SELECT @@gtid_binlog_pos AS g');
      gtid = (rows as Array<{ g: string }>)[0]?.g as string;
      await c.query('INSERT INTO conn_test.t VALUES (1000, "after the gtid", NULL)');
    } finally {
      await c.end();
    }
    const events = await collect({
      source: sourceUrlOf(primary),
      serverId: 4002,
      start: { kind: 'gtid', gtid: parseGtidSet(gtid) },
      nonBlocking: true,
    });
    const text = Buffer.concat(events).toString('latin1');
    // The stream starts after the given GTID: only the later insert's transaction is there.
    expect(events.filter((e) => header(e).type === 162 /* MariaDB GTID */)).toHaveLength(1);
    expect(text).toContain('conn_test');
  });

  it('an idle stream receives heartbeats', async () => {
    const conn = await openBinlogConnection({
      source: sourceUrlOf(primary),
      serverId: 4003,
      start: { kind: 'gtid', gtid: parseGtidSet(await currentGtid(primary)) },
      heartbeatPeriodMs: 200,
    });
    const seen: number[] = [];
    const t0 = Date.now();
    for await (const ev of conn) {
      seen.push(header(ev).type);
      if (seen.filter((t) => t === HEARTBEAT).length >= 3) break;
      if (Date.now() - t0 > 10_000) break;
    }
    expect(seen.filter((t) => t === HEARTBEAT).length).toBe(3);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a wrong password is a coded error without the password', async () => {
    const err = await expectError(
      openBinlogConnection({
        source: sourceUrlOf(primary, primary.user, 'wrong-secret-123'),
        serverId: 4004,
        start: { kind: 'position', position: BinlogPosition.of('mysql-bin.000001', 4) },
      }),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_AUTH');
    expect(err.exitCode).toBe(3);
    expect(`${err.describe()} ${JSON.stringify(err.toJSON())}`).not.toContain('wrong-secret-123');
  });

  it('a user without REPLICATION SLAVE is a coded privilege error', async () => {
    const err = await expectError(
      collect({
        source: sourceUrlOf(primary, 'norepl', 'norepl-pass'),
        serverId: 4005,
        start: { kind: 'position', position: BinlogPosition.of('mysql-bin.000001', 4) },
        nonBlocking: true,
      }),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_PRIVILEGE');
    expect(err.exitCode).toBe(3);
  });

  it('a purged (or never written) binlog file is a coded error', async () => {
    const err = await expectError(
      collect({
        source: sourceUrlOf(primary),
        serverId: 4006,
        start: { kind: 'position', position: BinlogPosition.of('mysql-bin.000999', 4) },
        nonBlocking: true,
      }),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_POSITION_PURGED');
    expect(err.context.position).toBe('mysql-bin.000999:4');
  });
});

describe.skipIf(inject('mariadb').how !== 'local')('a stalled server', () => {
  let server: MariadbInfo;
  beforeAll(async () => {
    server = await startMariadb(inject('tmpRoot'), { serverId: 11 });
  });
  afterAll(async () => {
    await signalMariadb(server, 'SIGCONT');
    await destroyMariadb(server);
  });

  it('is detected within the heartbeat timeout (SIGSTOP)', async () => {
    const conn = await openBinlogConnection({
      source: sourceUrlOf(server),
      serverId: 4007,
      start: { kind: 'gtid', gtid: parseGtidSet(await currentGtid(server), 'mariadb') },
      heartbeatPeriodMs: 200,
      heartbeatTimeoutMs: 1_000,
    });
    let heartbeats = 0;
    let stoppedAt = 0;
    const err = await expectError(
      (async () => {
        for await (const ev of conn) {
          if (header(ev).type === HEARTBEAT && ++heartbeats === 2) {
            await signalMariadb(server, 'SIGSTOP');
            stoppedAt = Date.now();
          }
        }
      })(),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_STALLED');
    expect(err.transient).toBe(true);
    const detectedAfter = Date.now() - stoppedAt;
    expect(detectedAfter).toBeGreaterThanOrEqual(700);
    expect(detectedAfter).toBeLessThan(3_000);
  });
});

async function currentGtid(info: MariadbInfo): Promise<string> {
  const c = await connect(info);
  try {
    const [rows] = await c.query('SELECT @@gtid_binlog_pos AS g');
    return (rows as Array<{ g: string }>)[0]?.g ?? '';
  } finally {
    await c.end();
  }
}
