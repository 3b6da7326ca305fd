/**
 * Every column type, generated live on a throwaway MariaDB and decoded from
 * its binlog files, compared value by value with a SELECT of the same rows
 * mapped by SPEC §3 (an independent path: the text protocol, test/harness/select-values.ts). Run under each
 * combination that changes the bytes: binlog_row_metadata FULL / MINIMAL /
 * NO_LOG (without full metadata, names, signedness, charsets and labels come
 * from a schema handed in, as the pipeline will hand in its schema history),
 * binlog_checksum CRC32 / NONE, and binlog_row_image FULL / MINIMAL / NOBLOB
 * (absent columns must be absent, never null).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import mysql from 'mysql2/promise';
import { readBinlogFiles } from '../../src/source/file-source.js';
import type { SchemaColumn, SchemaLookup } from '../../src/protocol/binlog/table-schema.js';
import type { RowImage } from '../../src/protocol/binlog/events.js';
import { destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { selectTable } from '../harness/select-values.js';
import { ALL_TYPES_ROWS as ROWS, ALL_TYPES_TABLE as TABLE } from '../harness/all-types.js';


interface Variant {
  readonly metadata: 'FULL' | 'MINIMAL' | 'NO_LOG';
  readonly checksum: 'CRC32' | 'NONE';
  readonly image: 'FULL' | 'MINIMAL' | 'NOBLOB';
}

const VARIANTS: Variant[] = [
  { metadata: 'FULL', checksum: 'CRC32', image: 'FULL' },
  { metadata: 'FULL', checksum: 'NONE', image: 'FULL' },
  { metadata: 'MINIMAL', checksum: 'CRC32', image: 'FULL' },
  { metadata: 'NO_LOG', checksum: 'NONE', image: 'FULL' },
  { metadata: 'FULL', checksum: 'CRC32', image: 'MINIMAL' },
  { metadata: 'NO_LOG', checksum: 'CRC32', image: 'NOBLOB' },
];

/** Values must match exactly, FLOAT as the same 32-bit float. */
function same(column: string, decoded: unknown, selected: unknown): boolean {
  if (column === 'fl' && typeof decoded === 'number' && typeof selected === 'number') return Math.fround(decoded) === Math.fround(selected);
  return JSON.stringify(decoded) === JSON.stringify(selected);
}

describe.skipIf(inject('mariadb').how !== 'local')('every column type, decoded from live binlogs', () => {
  let server: MariadbInfo;
  let schemaColumns: SchemaColumn[];
  beforeAll(async () => {
    server = await startMariadb(inject('tmpRoot'), { serverId: 51 });
    const c = await open();
    try {
      await c.query('CREATE DATABASE types');
      await c.query(TABLE);
      const [cols] = await c.query(
        `SELECT c.COLUMN_NAME AS name, c.COLUMN_TYPE AS ct, co.ID AS coll FROM information_schema.COLUMNS c
         LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME
         WHERE c.TABLE_SCHEMA = 'types' AND c.TABLE_NAME = 't' ORDER BY c.ORDINAL_POSITION`,
      );
      schemaColumns = (cols as Array<{ name: string; ct: string; coll: number | null }>).map((r) => {
        const labels = /^(enum|set)\((.*)\)$/.exec(r.ct)?.[2]?.split(',').map((l) => l.slice(1, -1));
        return {
          name: r.name,
          unsigned: / unsigned/.test(r.ct),
          ...(r.coll !== null ? { collation: Number(r.coll) } : /blob|binary|geometry/.test(r.ct) ? { collation: 63 } : {}),
          ...(r.ct.startsWith('enum') && labels ? { enumLabels: labels } : {}),
          ...(r.ct.startsWith('set') && labels ? { setLabels: labels } : {}),
        };
      });
    } finally {
      await c.end();
    }
  });
  afterAll(async () => {
    await destroyMariadb(server);
  });

  function open(): Promise<mysql.Connection> {
    return mysql.createConnection({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      charset: 'utf8mb4',
      timezone: 'Z',
    });
  }

  for (const v of VARIANTS) {
    it(`metadata=${v.metadata} checksum=${v.checksum} image=${v.image}`, async () => {
      const c = await open();
      let file: string;
      try {
        await c.query(`SET GLOBAL binlog_row_metadata = '${v.metadata}', GLOBAL binlog_checksum = '${v.checksum}'`);
        await c.query('FLUSH BINARY LOGS');
        await c.query(`SET SESSION binlog_row_image = '${v.image}', SESSION sql_mode = '', SESSION time_zone = '+00:00'`);
        await c.query('DELETE FROM types.t');
        const [st] = await c.query('SHOW MASTER STATUS');
        file = String((st as Array<{ File: string }>)[0]?.File);
        await c.query(`INSERT INTO types.t VALUES ${ROWS.join(',')}`);
        // Updates that leave blobs unchanged (NOBLOB/MINIMAL leave them out of the images).
        await c.query('UPDATE types.t SET ti = ti + 0, vc = CONCAT(vc, "+") WHERE id IN (2, 4)');
        await c.query('UPDATE types.t SET mt = "changed medium text", i = 5 WHERE id = 4');
      } finally {
        await c.query("SET GLOBAL binlog_row_metadata = 'FULL', GLOBAL binlog_checksum = 'CRC32'");
        await c.end();
      }
      const check = await open();
      const selected = await selectTable(check, 'types', 't');
      await check.end();
      const expected = new Map(selected.map((r) => [Number(r['id']), r as Record<string, unknown>]));

      // Without full metadata the decoder gets names, signedness, charsets and labels from the schema.
      const lookup: SchemaLookup | undefined = v.metadata === 'FULL' ? undefined : (db, table) => (db === 'types' && table === 't' ? schemaColumns : undefined);
      const latest = new Map<number, Record<string, unknown>>();
      const updatedColumns: string[][] = [];
      let images = 0;
      const names = schemaColumns.map((s) => s.name);
      for await (const e of readBinlogFiles({ files: [`${server.binlogDir}/${file}`], ...(lookup ? { schema: lookup } : {}) })) {
        // The DELETE that empties the table first is not part of what is compared.
        if (e.kind !== 'rows' || e.table !== 't' || e.action === 'delete') continue;
        expect(e.columnNames).toEqual(names);
        for (const r of e.rows) {
          const after = r.after as RowImage;
          const before = r.before as RowImage | undefined;
          images++;
          const id = Number(after[0] ?? before?.[0]);
          const row = latest.get(id) ?? {};
          after.forEach((val, i) => {
            if (val !== undefined) row[names[i] as string] = val;
          });
          if (v.image === 'FULL') expect(after.every((x) => x !== undefined)).toBe(true);
          if (before) updatedColumns.push(names.filter((_n, i) => after[i] !== undefined));
          latest.set(id, row);
        }
      }
      expect(images).toBe(4 + 2 + 1);
      expect([...latest.keys()].sort()).toEqual([1, 2, 3, 4]);
      for (const [id, row] of latest) {
        const want = expected.get(id) as Record<string, unknown>;
        for (const name of names) {
          if (!(name in row)) continue;
          if (!same(name, row[name], want[name])) {
            expect({ id, column: name, decoded: row[name] }).toEqual({ id, column: name, decoded: want[name] });
          }
        }
      }
      // The updates left the LONGBLOB unchanged: MINIMAL and NOBLOB leave it out
      // of their after images (absent, not null); FULL keeps every column.
      expect(updatedColumns).toHaveLength(3);
      for (const cols of updatedColumns) {
        // Whatever the image, the columns an update set are in its after image.
        expect(cols.includes('vc') || (cols.includes('mt') && cols.includes('i'))).toBe(true);
        if (v.image === 'FULL') expect(cols).toHaveLength(names.length);
        else expect(cols).not.toContain('lb');
      }
    });
  }
});
