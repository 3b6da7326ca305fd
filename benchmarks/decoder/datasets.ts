/**
 * Generates the decoder benchmark's datasets on a throwaway MariaDB, each in
 * binlog files of its own (RESET MASTER before, FLUSH BINARY LOGS after):
 *   A  1M inserts of 4 columns (one transaction, many rows events)
 *   B  1M updates of those rows (before and after images)
 *   C  1M inserts of 19 mixed-type columns
 *   D  200k single-row transactions
 * Rows come from MariaDB's Sequence engine, so loading takes seconds.
 * `scale` shrinks every dataset (e.g. 0.01 for a smoke run).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';

export interface Dataset {
  readonly name: 'A' | 'B' | 'C' | 'D';
  readonly title: string;
  /** The table and kind of row change the dataset consists of. */
  readonly table: string;
  readonly action: 'insert' | 'update';
  /** Binlog files holding exactly this dataset, in order (absolute paths). */
  readonly files: readonly string[];
  /** Row images the dataset's rows events hold (updates count once per row). */
  readonly rows: number;
  readonly transactions: number;
  readonly bytes: number;
  /** Where the dataset starts and ends on the server: the first file at 4, the last at its size. */
  readonly startFile: string;
  readonly endFile: string;
  readonly endOffset: number;
}

interface Step {
  readonly name: Dataset['name'];
  readonly title: string;
  readonly table: string;
  readonly action: Dataset['action'];
  readonly rows: (n: number) => number;
  readonly transactions: (n: number) => number;
  readonly sql: (n: number) => string[];
}

const MIXED_TABLE = `CREATE TABLE bench.c (
  id INT PRIMARY KEY, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, bi BIGINT,
  de DECIMAL(12,2), fl FLOAT, db DOUBLE, bt BIT(8), yr YEAR, dt DATE, tm TIME(3),
  dtm DATETIME(6), ts TIMESTAMP NULL, vc VARCHAR(64) CHARACTER SET utf8mb4,
  ch CHAR(10) CHARACTER SET latin1, bl BLOB, en ENUM('red','green','blue'), st SET('x','y','z')
)`;

const STEPS: readonly Step[] = [
  {
    name: 'A',
    title: `inserts, 4 columns`,
    table: 'a',
    action: 'insert',
    rows: (n) => n,
    transactions: () => 1,
    sql: (n) => [
      'CREATE TABLE bench.a (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL, pad CHAR(30) NOT NULL)',
      `INSERT INTO bench.a SELECT seq, seq % 1000, CONCAT('c-', seq, '-', REPEAT('x', 20)), CONCAT('p', seq) FROM seq_1_to_${n}`,
    ],
  },
  {
    name: 'B',
    title: `updates, 4 columns (before and after images)`,
    table: 'a',
    action: 'update',
    rows: (n) => n,
    transactions: () => 1,
    sql: () => ['UPDATE bench.a SET k = k + 1, pad = CONCAT(pad, "u")'],
  },
  {
    name: 'C',
    title: `inserts, 19 mixed-type columns`,
    table: 'c',
    action: 'insert',
    rows: (n) => n,
    transactions: () => 1,
    sql: (n) => [
      MIXED_TABLE,
      `INSERT INTO bench.c SELECT seq, seq % 128, seq % 65536, CAST(seq AS SIGNED) - 500000, seq * 1000003, seq / 7, seq / 3, seq / 11,
         seq % 256, 1901 + seq % 200, DATE('2020-01-01') + INTERVAL (seq % 3000) DAY, SEC_TO_TIME(seq % 300000),
         TIMESTAMP('2020-01-01 00:00:00.123456') + INTERVAL seq SECOND, FROM_UNIXTIME(1600000000 + seq),
         CONCAT('välue ', seq), CONCAT('l', seq % 1000), REPEAT(CHAR(65 + seq % 26), seq % 40),
         ELT(1 + seq % 3, 'red', 'green', 'blue'), ELT(1 + seq % 3, 'x', 'x,y', 'y,z')
       FROM seq_1_to_${n}`,
    ],
  },
  {
    name: 'D',
    title: `single-row transactions`,
    table: 'd',
    action: 'insert',
    rows: (n) => Math.round(n / 5),
    transactions: (n) => Math.round(n / 5),
    sql: (n) => [
      'CREATE TABLE bench.d (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT)',
      `CREATE PROCEDURE bench.fill_d(cnt INT)
       BEGIN
         DECLARE i INT DEFAULT 1;
         WHILE i <= cnt DO
           INSERT INTO bench.d VALUES (i, CONCAT('row ', i), i * 31);
           SET i = i + 1;
         END WHILE;
       END`,
      `CALL bench.fill_d(${Math.round(n / 5)})`,
    ],
  },
];

/** Creates every dataset; `binlogDir` is the server's datadir (where mysql-bin.* live). */
export async function createDatasets(
  conn: Connection,
  binlogDir: string,
  scale: number,
  log: (msg: string) => void,
  fileSize: (file: string) => number,
): Promise<Dataset[]> {
  const n = Math.max(100, Math.round(1_000_000 * scale));
  await conn.query('DROP DATABASE IF EXISTS bench');
  await conn.query('CREATE DATABASE bench');
  // The Sequence engine's seq_1_to_N tables need a current database.
  await conn.query('USE bench');
  const out: Dataset[] = [];
  for (const step of STEPS) {
    const t0 = Date.now();
    // Start the dataset in a fresh file, with its own format description.
    await conn.query('FLUSH BINARY LOGS');
    const [fresh] = await conn.query('SHOW MASTER STATUS');
    const first = String((fresh as Array<{ File: string }>)[0]?.File);
    for (const sql of step.sql(n)) await conn.query(sql);
    const [after] = await conn.query('SHOW MASTER STATUS');
    const last = String((after as Array<{ File: string }>)[0]?.File);
    await conn.query('FLUSH BINARY LOGS');
    const files = filesBetween(first, last).map((f) => `${binlogDir}/${f}`);
    const bytes = files.reduce((s, f) => s + fileSize(f), 0);
    out.push({
      name: step.name,
      title: `${step.rows(n).toLocaleString('en')} ${step.title}`,
      table: step.table,
      action: step.action,
      files,
      rows: step.rows(n),
      transactions: step.transactions(n),
      bytes,
      startFile: first,
      endFile: last,
      endOffset: fileSize(`${binlogDir}/${last}`),
    });
    log(`dataset ${step.name}: ${files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB, generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return out;
}

function filesBetween(first: string, last: string): string[] {
  const base = first.slice(0, first.lastIndexOf('.'));
  const width = first.length - base.length - 1;
  const a = Number(first.slice(base.length + 1));
  const b = Number(last.slice(base.length + 1));
  const out: string[] = [];
  for (let i = a; i <= b; i++) out.push(`${base}.${String(i).padStart(width, '0')}`);
  return out;
}

/** Copies a dataset's binlog files to dir/<name>/ (replacing what is there); returns that directory. */
export function keepDataset(ds: Dataset, dir: string): string {
  const to = path.join(dir, ds.name);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const f of ds.files) copyFileSync(f, path.join(to, path.basename(f)));
  return to;
}
