/**
 * A binlog file over 4 GB, written by MariaDB ≥ 11.4, which puts the offset
 * modulo 2^32 in an event's log_pos (and 0 inside a transaction copied from
 * the transaction cache). The file source and the server source must give the
 * same events at the same 64-bit positions.
 *
 * Opt-in: it needs a MariaDB ≥ 11.4 build (Debian 12 has 10.11) and writes
 * ~4.4 GB in about two minutes, so it runs only when
 * BINSNAP_TEST_MARIADB_BASEDIR names one:
 *   BINSNAP_TEST_MARIADB_BASEDIR=$(bash scripts/fetch-mariadb.sh | tail -1) \
 *     npx vitest run test/integration/large-binlog.test.ts
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BinlogPosition } from '../../src/core/position.js';
import type { DecodedEvent } from '../../src/protocol/binlog/events.js';
import { readBinlogFiles } from '../../src/source/file-source.js';
import { readServerBinlog } from '../../src/source/server-source.js';
import { connect, destroyMariadb, sourceUrlOf, startMariadb, type MariadbInfo } from '../harness/mariadb.js';

const basedir = process.env['BINSNAP_TEST_MARIADB_BASEDIR'];
const FOUR_GB = 2 ** 32;
const UPDATES = 2_200;

if (!basedir) console.log('large-binlog: skipped (set BINSNAP_TEST_MARIADB_BASEDIR to a MariaDB ≥ 11.4 build, see scripts/fetch-mariadb.sh)');

function comparable(e: DecodedEvent): [string, string, string, number] {
  return [e.kind, e.pos.format(), e.nextPos.format(), e.kind === 'rows' ? e.rows.length : 0];
}

describe.skipIf(!basedir)('a binlog file over 4 GB (MariaDB ≥ 11.4)', () => {
  let server: MariadbInfo | undefined;
  afterAll(async () => {
    if (server) await destroyMariadb(server);
  });

  it('the file and the server source give the same events at the same positions past 4 GB', async () => {
    server = await startMariadb(inject('tmpRoot'), {
      basedir: basedir as string,
      serverId: 114,
      extra: { 'max-allowed-packet': '64M', 'innodb-buffer-pool-size': '256M' },
    });
    const conn = await connect(server);
    try {
      const [[version]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
      expect(version?.v).toMatch(/^(11\.([4-9]|\d\d)|1[2-9])\./);
      await conn.query('CREATE DATABASE big');
      await conn.query('CREATE TABLE big.u (id INT PRIMARY KEY, v LONGBLOB)');
      await conn.query("INSERT INTO big.u VALUES (1, REPEAT('a', 1000000))");
      // One transaction of ~4.4 GB: a file grows past max_binlog_size only inside a transaction.
      await conn.query('BEGIN');
      for (let i = 0; i < UPDATES; i++) await conn.query('UPDATE big.u SET v = REPEAT(?, 1000000) WHERE id = 1', [String.fromCharCode(66 + (i % 24))]);
      await conn.query('COMMIT');
    } finally {
      await conn.end();
    }
    const file = path.join(server.binlogDir as string, 'mysql-bin.000001');
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(FOUR_GB);
    const from = BinlogPosition.of('mysql-bin.000001', 4n);
    const to = BinlogPosition.of('mysql-bin.000001', BigInt(size));

    const fromFile: ReturnType<typeof comparable>[] = [];
    let lastXid: DecodedEvent | undefined;
    let wrapped = 0;
    for await (const e of readBinlogFiles({ binlogDir: server.binlogDir as string, from, to })) {
      fromFile.push(comparable(e));
      if (e.kind === 'xid') lastXid = e;
      if (e.pos.offset > BigInt(FOUR_GB) && e.logPos !== 0) {
        // Past 4 GB the server writes the end offset modulo 2^32.
        expect(BigInt(e.logPos)).toBe(e.nextPos.offset % BigInt(FOUR_GB));
        wrapped++;
      }
    }
    expect(wrapped).toBeGreaterThan(0);
    expect(lastXid?.nextPos.offset).toBeGreaterThan(BigInt(FOUR_GB));
    expect(fromFile.filter((e) => e[0] === 'rows').reduce((n, e) => n + e[3], 0)).toBe(UPDATES + 1);

    const fromServer: ReturnType<typeof comparable>[] = [];
    for await (const e of readServerBinlog({ source: sourceUrlOf(server), serverId: 11_400, start: { kind: 'position', position: from }, to })) {
      if (e.kind !== 'heartbeat') fromServer.push(comparable(e));
    }
    expect(fromServer).toEqual(fromFile);
  }, 900_000);
});
