/**
 * Backpressure: a consumer slower than the server pauses the socket, so a
 * large burst of binlog does not pile up in memory. A ~250 MB transaction is
 * streamed by a consumer that stalls regularly; the process's RSS must stay
 * within a bounded margin of where it started.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readServerBinlog } from '../../src/source/server-source.js';
import { BinlogPosition } from '../../src/core/position.js';
import { connect, destroyMariadb, sourceUrlOf, startMariadb, type MariadbInfo } from '../harness/mariadb.js';

describe.skipIf(inject('mariadb').how !== 'local')('server source backpressure', () => {
  let server: MariadbInfo;
  let start: BinlogPosition;
  let end: BinlogPosition;
  beforeAll(async () => {
    server = await startMariadb(inject('tmpRoot'), { serverId: 61, maxBinlogSize: 1024 * 1024 * 1024 });
    const c = await connect(server);
    try {
      await c.query('CREATE DATABASE bp');
      await c.query('USE bp');
      await c.query('CREATE TABLE bp.t (id INT PRIMARY KEY, pad VARCHAR(1000))');
      const [s] = await c.query('SHOW MASTER STATUS');
      const row = (s as Array<{ File: string; Position: string }>)[0];
      start = BinlogPosition.of(String(row?.File), BigInt(String(row?.Position)));
      // One transaction of ~250 MB of row events: 250k rows of 1000 bytes.
      await c.query("INSERT INTO bp.t SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_250000");
      const [e] = await c.query('SHOW MASTER STATUS');
      const erow = (e as Array<{ File: string; Position: string }>)[0];
      end = BinlogPosition.of(String(erow?.File), BigInt(String(erow?.Position)));
    } finally {
      await c.end();
    }
  }, 180_000);
  afterAll(async () => {
    await destroyMariadb(server);
  });

  it('a slow consumer keeps memory bounded while the server has 250 MB to send', async () => {
    expect(Number(end.offset - start.offset)).toBeGreaterThan(240_000_000);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let rows = 0;
    let events = 0;
    for await (const ev of readServerBinlog({ source: sourceUrlOf(server), serverId: 6001, start: { kind: 'position', position: start }, to: end })) {
      if (ev.kind === 'rows') rows += ev.rows.length;
      // The consumer stalls now and then: the server is much faster.
      if (++events % 500 === 0) {
        await new Promise((r) => setTimeout(r, 5));
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    expect(rows).toBe(250_000);
    const grewMb = (peak - baseline) / 1024 / 1024;
    console.log(`backpressure: RSS grew by ${grewMb.toFixed(0)} MB at most while streaming ${(Number(end.offset - start.offset) / 1e6).toFixed(0)} MB`);
    expect(grewMb).toBeLessThan(128);
  });
});
