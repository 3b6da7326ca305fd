/**
 * binsnap against a newer MariaDB than the Debian package (11.4, from
 * scripts/fetch-mariadb.sh): its QUERY events carry the status variables of
 * 11.x and its utf8mb4 tables default to the uca1400 collations. The random
 * workload with DDL mid-stream, replayed from the files and from the server,
 * equals SELECT at every checkpoint, and binsnap's schema history equals
 * information_schema.
 *
 * Runs when BINSNAP_TEST_MARIADB11_BASEDIR names a MariaDB ≥ 11.4 build
 * (`npm test` sets it from scripts/fetch-mariadb.sh); otherwise skipped with a
 * notice.
 */
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { checkEveryCheckpoint, checkEverySchema } from '../harness/replay-check.js';
import { runWorkload, type WorkloadResult } from '../harness/workload.js';

const basedir = process.env['BINSNAP_TEST_MARIADB11_BASEDIR'];
if (!basedir) console.log('mariadb-11: skipped (set BINSNAP_TEST_MARIADB11_BASEDIR to a MariaDB ≥ 11.4 build, see scripts/fetch-mariadb.sh)');

describe.skipIf(!basedir)('a MariaDB 11.4 source', () => {
  let server: MariadbInfo;
  let dir: string;
  let work: WorkloadResult;
  let version: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'mariadb-11-'));
    server = await startMariadb(inject('tmpRoot'), { basedir: basedir as string, serverId: 114 });
    const c = await connect(server);
    try {
      const [[v]] = (await c.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
      version = v!.v;
      work = await runWorkload(c, { seed: 114, transactions: 400, db: 'wl11', bigRows: 12_000, checkpointEvery: 25, catalogs: true });
    } finally {
      await c.end();
    }
  }, 300_000);

  afterAll(async () => {
    if (server) await destroyMariadb(server);
  });

  it('replay from the files and from the server equals SELECT at every checkpoint; the schema history equals information_schema', async () => {
    expect(version).toMatch(/^11\./);
    const fromFiles = path.join(dir, 'files.db');
    const r1 = await runCli(['replay', '--binlog-dir', server.binlogDir!, '--from', work.start, '--to', work.end, '--store', fromFiles]);
    expect(r1.code, r1.err).toBe(0);
    const fromServer = path.join(dir, 'server.db');
    const r2 = await runCli(['replay', '--source', server.url, '--from', work.start, '--to', work.end, '--store', fromServer]);
    expect(r2.code, r2.err).toBe(0);
    expect(await checkEveryCheckpoint(fromFiles, work.checkpoints, `MariaDB ${version}, from the files`)).toBeGreaterThan(50);
    expect(await checkEveryCheckpoint(fromServer, work.checkpoints, `MariaDB ${version}, from the server`)).toBeGreaterThan(50);
    expect(await checkEverySchema(fromServer, work.checkpoints, `MariaDB ${version}`)).toBeGreaterThan(50);
  }, 300_000);
});
