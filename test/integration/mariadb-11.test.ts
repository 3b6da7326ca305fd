/**
 * binsnap against a newer MariaDB than the Debian package (11.4, from
 * scripts/fetch-mariadb.sh): its QUERY events carry the status variables of
 * 11.x and its utf8mb4 tables default to the uca1400 collations. The random
 * workload with DDL mid-stream, replayed from the files and from the server,
 * equals SELECT at every checkpoint, and binsnap's schema history equals
 * information_schema. A session with its own character_set_collations (status
 * variable 131, written before the charsets) and a latin1 client replays too,
 * its tables with the collations that session maps charsets to.
 *
 * Runs when BINSNAP_TEST_MARIADB11_BASEDIR names a MariaDB ≥ 11.4 build
 * (`npm test` sets it from scripts/fetch-mariadb.sh); otherwise skipped with a
 * notice.
 */
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binsnapCatalog, serverCatalog } from '../harness/catalog.js';
import { runCli } from '../harness/cli.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { checkEveryCheckpoint, checkEverySchema, compareRows, exportTable, parseJsonl } from '../harness/replay-check.js';
import { selectTableWithInfo } from '../harness/select-values.js';
import { masterPosition } from '../harness/workload.js';
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

  it('a latin1 session with its own character_set_collations: its DDL and rows replay equal to SELECT, its collations equal information_schema', async () => {
    const c = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, charset: 'LATIN1_SWEDISH_CI' });
    let start: string;
    let end: string;
    try {
      start = await masterPosition(c);
      // Charsets named without a collation take the session's: utf8mb4_unicode_ci, latin1_german2_ci.
      await c.query("SET SESSION character_set_collations = 'utf8mb4=utf8mb4_unicode_ci,latin1=latin1_german2_ci'");
      await c.query('CREATE DATABASE cs11 CHARACTER SET utf8mb4');
      await c.query("CREATE TABLE cs11.t (id INT PRIMARY KEY, `prénom` VARCHAR(20) CHARACTER SET utf8mb4, e ENUM('café','thé') CHARACTER SET utf8mb4, l VARCHAR(10) CHARACTER SET latin1, d VARCHAR(10))");
      await c.query("INSERT INTO cs11.t VALUES (1, 'Zoé', 'café', 'Jürgen', 'x'), (2, 'Léa', 'thé', NULL, NULL)");
      // Back to the server's map: the status variable is no longer written, the usual defaults apply.
      await c.query('SET SESSION character_set_collations = DEFAULT');
      await c.query('ALTER TABLE cs11.t ADD COLUMN m VARCHAR(10) CHARACTER SET latin1');
      end = await masterPosition(c);
    } finally {
      await c.end();
    }
    const store = path.join(dir, 'cs11.db');
    const r = await runCli(['replay', '--binlog-dir', server.binlogDir!, '--from', start, '--to', end, '--store', store]);
    expect(r.code, r.err).toBe(0);
    const admin = await connect(server);
    try {
      const { rows, info } = await selectTableWithInfo(admin, 'cs11', 't');
      const got = parseJsonl(await exportTable(store, 'cs11.t', end));
      compareRows('cs11.t', rows, got, info.key.length > 0);
      expect(got).toEqual([
        { id: 1, prénom: 'Zoé', e: 'café', l: 'Jürgen', d: 'x', m: null },
        { id: 2, prénom: 'Léa', e: 'thé', l: null, d: null, m: null },
      ]);
      const schema = await runCli(['schema', '--table', 'cs11.t', '--json', '--store', store]);
      expect(schema.code, schema.err).toBe(0);
      const body = JSON.parse(schema.out) as { schema: Parameters<typeof binsnapCatalog>[0] };
      const want = await serverCatalog(admin, 'cs11', 't');
      expect(want.columns.map((col) => col.collation)).toEqual([undefined, 'utf8mb4_unicode_ci', 'utf8mb4_unicode_ci', 'latin1_german2_ci', 'utf8mb4_unicode_ci', 'latin1_swedish_ci']);
      expect(binsnapCatalog(body.schema)).toEqual(want);
    } finally {
      await admin.end();
    }
  }, 120_000);
});
