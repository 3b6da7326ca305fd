/**
 * Preflight against real servers: each way a source can be unusable gives its
 * coded error with exit code 3, and a usable one gives a report with warnings
 * for settings that cost correctness guarantees.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { preflight, type QueryFn } from '../../src/source/preflight.js';
import { BinsnapError } from '../../src/core/errors.js';
import { BinlogPosition } from '../../src/core/position.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';

const queryOf = (c: Connection): QueryFn => async (sql) => (await c.query(sql))[0] as Array<Record<string, unknown>>;

async function withConn<T>(info: MariadbInfo, fn: (q: QueryFn, c: Connection) => Promise<T>, user?: { user: string; password: string }): Promise<T> {
  const c = await connect(user ? { ...info, ...user } : info);
  try {
    return await fn(queryOf(c), c);
  } finally {
    await c.end();
  }
}

async function failure(p: Promise<unknown>): Promise<BinsnapError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BinsnapError);
    return err as BinsnapError;
  }
  throw new Error('expected preflight to fail');
}

const req = { sourceRedacted: 'mysql://u:***@h:1' };

describe('preflight on the test primary', () => {
  const primary = inject('mariadb');

  beforeAll(async () => {
    await withConn(primary, async (q) => {
      await q("CREATE USER IF NOT EXISTS 'onlyselect'@'127.0.0.1' IDENTIFIED BY 'pw-select'");
      await q("GRANT SELECT ON *.* TO 'onlyselect'@'127.0.0.1'");
      await q("CREATE USER IF NOT EXISTS 'replonly'@'127.0.0.1' IDENTIFIED BY 'pw-repl'");
      await q("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'replonly'@'127.0.0.1'");
    });
  });

  it('reports the settings of a usable server', async () => {
    const report = await withConn(primary, (q) => preflight(q, req));
    expect(report.flavor).toBe('mariadb');
    expect(report.binlogRowImage).toBe('FULL');
    expect(report.binlogRowMetadata).toBe('FULL');
    expect(report.binlogChecksum).toBe('CRC32');
    expect(report.binlogFiles.length).toBeGreaterThan(0);
    expect(report.warnings).toEqual([]);
  });

  it('warns about MINIMAL row images and missing row metadata', async () => {
    const report = await withConn(primary, async (q) => {
      await q("SET GLOBAL binlog_row_image = 'MINIMAL', GLOBAL binlog_row_metadata = 'NO_LOG'");
      try {
        return await preflight(q, req);
      } finally {
        await q("SET GLOBAL binlog_row_image = 'FULL', GLOBAL binlog_row_metadata = 'FULL'");
      }
    });
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[0]).toContain('binlog_row_image is MINIMAL');
    expect(report.warnings[1]).toContain('binlog_row_metadata is NO_LOG');
  });

  it('a user without replication privileges: BINSNAP_E_SOURCE_PRIVILEGE, exit 3', async () => {
    const err = await failure(withConn(primary, (q) => preflight(q, req), { user: 'onlyselect', password: 'pw-select' }));
    expect(err.code).toBe('BINSNAP_E_SOURCE_PRIVILEGE');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('REPLICATION SLAVE');
    expect(err.remedy).toContain('GRANT REPLICATION SLAVE');
  });

  it('SELECT is required only when asked for (seed, verify)', async () => {
    const ok = await withConn(primary, (q) => preflight(q, req), { user: 'replonly', password: 'pw-repl' });
    expect(ok.flavor).toBe('mariadb');
    const err = await failure(withConn(primary, (q) => preflight(q, { ...req, needSelect: true }), { user: 'replonly', password: 'pw-repl' }));
    expect(err.message).toBe('the source user lacks SELECT');
  });

  it('a start position the server does not have: BINSNAP_E_SOURCE_POSITION_PURGED', async () => {
    const err = await failure(
      withConn(primary, (q) => preflight(q, { ...req, startPosition: BinlogPosition.parse('mysql-bin.000999:4') })),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_POSITION_PURGED');
    expect(err.exitCode).toBe(3);
    expect(err.context.position).toBe('mysql-bin.000999:4');
    expect(err.message).toContain('not on the server');
    const files = await withConn(primary, async (q) => q('SHOW BINARY LOGS'));
    const first = String(files[0]?.['Log_name']);
    const past = await failure(
      withConn(primary, (q) => preflight(q, { ...req, startPosition: BinlogPosition.of(first, 1n << 40n) })),
    );
    expect(past.message).toContain('past the end');
  });
});

describe.skipIf(inject('mariadb').how !== 'local')('preflight on misconfigured servers', () => {
  const servers: MariadbInfo[] = [];
  afterAll(async () => {
    for (const s of servers) await destroyMariadb(s);
  });

  it('binlog off: BINSNAP_E_SOURCE_BINLOG_OFF, exit 3', async () => {
    const s = await startMariadb(inject('tmpRoot'), { serverId: 21, logBin: false });
    servers.push(s);
    const err = await failure(withConn(s, (q) => preflight(q, req)));
    expect(err.code).toBe('BINSNAP_E_SOURCE_BINLOG_OFF');
    expect(err.exitCode).toBe(3);
  });

  it('statement-based logging: BINSNAP_E_SOURCE_FORMAT_NOT_ROW, exit 3', async () => {
    const s = await startMariadb(inject('tmpRoot'), { serverId: 22, binlogFormat: 'MIXED' });
    servers.push(s);
    const err = await failure(withConn(s, (q) => preflight(q, req)));
    expect(err.code).toBe('BINSNAP_E_SOURCE_FORMAT_NOT_ROW');
    expect(err.message).toContain('MIXED');
  });

  it('a purged binlog file: BINSNAP_E_SOURCE_POSITION_PURGED says purged', async () => {
    const s = await startMariadb(inject('tmpRoot'), { serverId: 23 });
    servers.push(s);
    const err = await failure(
      withConn(s, async (q) => {
        await q('FLUSH BINARY LOGS');
        await q('FLUSH BINARY LOGS');
        // MariaDB keeps a file its binlog checkpoint still needs and purges
        // only up to it (with a warning), so purge again until both are gone.
        for (let i = 0; ; i++) {
          await q("PURGE BINARY LOGS TO 'mysql-bin.000003'");
          const logs = await q('SHOW BINARY LOGS');
          if (logs[0]?.Log_name === 'mysql-bin.000003') break;
          if (i === 50) throw new Error(`the server kept ${logs.map((l) => String(l.Log_name)).join(', ')} after 50 purges`);
          await new Promise((r) => setTimeout(r, 100));
        }
        return preflight(q, { ...req, startPosition: BinlogPosition.parse('mysql-bin.000001:4') });
      }),
    );
    expect(err.code).toBe('BINSNAP_E_SOURCE_POSITION_PURGED');
    expect(err.message).toBe('mysql-bin.000001 is purged (the server has mysql-bin.000003 … mysql-bin.000003)');
  });
});
