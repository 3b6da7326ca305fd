/**
 * An interrupted `binsnap seed` resumes where it stopped (issue 6, item 1).
 *
 * The seed (the built binary, chunks of 4,000 rows) is killed with SIGKILL
 * after it has stored a few chunks. Before it is run again the source changes
 * everywhere — rows of key ranges already stored and not yet read, a key that
 * moves from one to the other, a table without a key, a table with a string
 * key, a new row beyond the last key — and in between `binsnap run` must
 * refuse the store. The second seed reads fewer rows than the tables hold
 * (what was stored is not read again), and afterwards every table exported
 * from the store equals a SELECT on the source, `verify` passes, and the
 * daemon continues from the seed.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binaryBuilt, masterPosition, runCli, startCommand } from '../harness/cli.js';
import { connect } from '../harness/mariadb.js';
import { compareRows, exportTable, parseJsonl } from '../harness/replay-check.js';
import { selectTable } from '../harness/select-values.js';

const ROWS = 30_000;

describe.skipIf(!binaryBuilt)('binsnap seed resumes after it was killed', () => {
  const server = inject('mariadb');
  const db = `seed_resume_${process.pid}`;
  let dir = '';
  let conn: mysql.Connection;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'seed-resume-'));
    conn = await connect(server);
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`CREATE DATABASE \`${db}\``);
    await conn.query(
      [
        `CREATE TABLE \`${db}\`.big (id BIGINT NOT NULL PRIMARY KEY, v INT, s VARCHAR(40)) ENGINE=InnoDB`,
        `CREATE TABLE \`${db}\`.nokey (x INT, y VARCHAR(10)) ENGINE=InnoDB`,
        `CREATE TABLE \`${db}\`.strkey (k VARCHAR(20) NOT NULL PRIMARY KEY, n INT) ENGINE=InnoDB`,
        `INSERT INTO \`${db}\`.big SELECT seq, seq % 1000, CONCAT('row ', seq) FROM \`${db}\`.seq_1_to_${ROWS}`,
        `INSERT INTO \`${db}\`.nokey SELECT seq % 50, CONCAT('y', seq % 7) FROM \`${db}\`.seq_1_to_3000`,
        `INSERT INTO \`${db}\`.strkey SELECT CONCAT('k', seq), seq FROM \`${db}\`.seq_1_to_3000`,
      ].join(';\n'),
    );
  });

  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.end();
  });

  const tables = ['big', 'nokey', 'strkey'];
  const sameAsSource = async (store: string, at: string, only: readonly string[] = tables): Promise<void> => {
    for (const t of only) {
      const want = await selectTable(conn, db, t);
      const got = parseJsonl(await exportTable(store, `${db}.${t}`, at));
      compareRows(`${db}.${t} at ${at}`, want, got, t !== 'nokey');
    }
  };

  /** Starts `binsnap seed` and kills it (-9) once it logged `chunks` stored chunks. */
  const seedKilledAfter = async (chunks: number, args: readonly string[]): Promise<void> => {
    const first = startCommand('seed', args);
    const deadline = Date.now() + 60_000;
    while ((first.stderrText().match(/seed chunk stored/g) ?? []).length < chunks) {
      if (Date.now() > deadline) throw new Error(`the seed stored no ${chunks} chunks in 60 s:\n${first.stderrText().slice(-3000)}`);
      if (first.child.exitCode !== null) throw new Error(`the seed ended before it was killed (exit ${first.child.exitCode}):\n${first.stderrText().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBe(128);
  };

  it('resumes at the same position when the source did not change: the rows read again get row indexes of their own', async () => {
    // Before the test below changes the source. Nothing else writes to the server meanwhile
    // (integration files run one at a time), so both attempts take the same binlog position.
    const store = path.join(dir, 'idle.db');
    const args = ['--source', server.url, '--tables', `${db}.big,${db}.strkey`, '--store', store, '--commit-every', '4000', '--parallel', '2'];
    const before = await masterPosition(server);
    await seedKilledAfter(2, args);
    const again = await runCli(['seed', ...args, '--json']);
    expect(again.code, again.err).toBe(0);
    const summary = JSON.parse(again.out) as { position: string; rows: number; resumed: boolean };
    expect(summary.resumed).toBe(true);
    expect(summary.position).toBe(before);
    expect(summary.rows).toBeLessThan(ROWS + 3000 - 4000);
    await sameAsSource(store, summary.position, ['big', 'strkey']);
    // Rows of the integer-keyed table were stored once: by the first attempt or by the second.
    const stats = JSON.parse((await runCli(['status', '--json', '--store', store])).out) as { tables: Array<{ table: string; rows: number; versions: number }> };
    expect(stats.tables.find((t) => t.table === `${db}.big`)).toMatchObject({ rows: ROWS, versions: ROWS });

    // A table without a key half read at an unchanged position: refused, with the remedy, until the binlog moves.
    const keyless = path.join(dir, 'idle-keyless.db');
    // One connection reads `big` first (tables in name order): killed inside it, `nokey` is not stored yet.
    const keylessArgs = ['--source', server.url, '--tables', `${db}.big,${db}.nokey`, '--store', keyless, '--commit-every', '4000'];
    await seedKilledAfter(2, keylessArgs);
    const refused = await runCli(['seed', ...keylessArgs]);
    expect(refused.code, refused.err).toBe(1);
    expect(refused.err).toContain('BINSNAP_E_SEED_INCOMPLETE');
    expect(refused.err).toContain(`${db}.nokey`);
    expect(refused.err).toContain('FLUSH BINARY LOGS');
    await conn.query('FLUSH BINARY LOGS');
    const resumed = await runCli(['seed', ...keylessArgs, '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    const at = (JSON.parse(resumed.out) as { position: string }).position;
    expect(at).not.toBe(before);
    await sameAsSource(keyless, at, ['big', 'nokey']);
  });

  it('keeps the chunks it stored, reads only the rest, and ends equal to the source', async () => {
    const store = path.join(dir, 'resume.db');
    const source = server.url;
    const args = ['--source', source, '--tables', `${db}.*`, '--store', store, '--commit-every', '4000'];

    // 1. Kill -9 after a few chunks are stored.
    await seedKilledAfter(3, args);

    // 2. The daemon refuses the store; status shows the unfinished seed.
    const refused = await runCli(['run', '--source', source, '--store', store, '--until', await masterPosition(server)]);
    expect(refused.code, refused.err).toBe(1);
    expect(refused.err).toContain('BINSNAP_E_SEED_INCOMPLETE');
    const status = await runCli(['status', '--json', '--store', store]);
    expect(status.code, status.err).toBe(0);
    const unfinished = (JSON.parse(status.out) as { unfinishedSeed: { tables: string; storedTables: number } | null }).unfinishedSeed;
    expect(unfinished?.tables).toBe(`${db}.*`);
    expect(unfinished?.storedTables).toBeGreaterThan(0);

    // 3. The source changes in stored and unread parts alike.
    await conn.query(
      [
        `DELETE FROM \`${db}\`.big WHERE id IN (3, 7, ${ROWS - 5})`,
        `UPDATE \`${db}\`.big SET v = -1, s = 'changed' WHERE id IN (10, 2000, ${ROWS - 10})`,
        // A key moves from the first rows (stored) to beyond the last (not read yet).
        `UPDATE \`${db}\`.big SET id = ${ROWS + 100} WHERE id = 20`,
        `INSERT INTO \`${db}\`.big VALUES (${ROWS + 1}, 1, 'new'), (0, 0, 'before the first')`,
        `DELETE FROM \`${db}\`.nokey WHERE x = 3`,
        `INSERT INTO \`${db}\`.nokey VALUES (3, 'again'), (3, 'again')`,
        `UPDATE \`${db}\`.strkey SET n = -n WHERE k LIKE 'k1%'`,
        `DELETE FROM \`${db}\`.strkey WHERE k IN ('k2', 'k2999')`,
      ].join(';\n'),
    );

    // 4. The same seed again resumes: it reads less than the tables hold.
    const again = await runCli(['seed', ...args, '--json']);
    expect(again.code, again.err).toBe(0);
    const summary = JSON.parse(again.out) as { position: string; rows: number; resumed: boolean };
    expect(summary.resumed).toBe(true);
    expect(summary.rows).toBeLessThan(ROWS + 3000 + 3000 - 12_000 + 10);
    await sameAsSource(store, summary.position);
    await sameAsSource(store, 'latest');

    // 5. Finished: status shows no seed, verify passes, the daemon continues from the seed.
    const done = JSON.parse((await runCli(['status', '--json', '--store', store])).out) as { unfinishedSeed: unknown; checkpoint: { position: string } };
    expect(done.unfinishedSeed).toBeNull();
    expect(done.checkpoint.position).toBe(summary.position);
    const verified = await runCli(['verify', '--source', source, '--store', store, '--tables', `${db}.*`]);
    expect(verified.code, verified.out + verified.err).toBe(0);
    await conn.query(`UPDATE \`${db}\`.big SET v = 7 WHERE id BETWEEN 100 AND 110; DELETE FROM \`${db}\`.nokey WHERE x = 4`);
    const until = await masterPosition(server);
    const ran = await runCli(['run', '--source', source, '--store', store, '--until', until, '--server-id', '4401']);
    expect(ran.code, ran.err).toBe(0);
    await sameAsSource(store, 'latest');
  });
});
