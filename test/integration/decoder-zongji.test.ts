/**
 * binsnap's decoder against @vlasky/zongji, a second, independent binlog
 * decoder, on the every-type table of test/harness/all-types.ts written live
 * on a throwaway MariaDB: inserts, updates (before and after images) and
 * deletes, streamed by zongji from the server and read by binsnap from the
 * server's binlog files.
 *
 * zongji's values are brought to SPEC §3's JSON form (Buffers to base64, BIT
 * to a number, exact digits of big integers) and must equal binsnap's column
 * by column, except where zongji is known to be wrong or to use another
 * representation: those columns are listed in ZONGJI_DIFFERS with the
 * reason, and for each the test checks that zongji really does differ from a
 * SELECT on the source while binsnap equals it, so the list can neither hide
 * a binsnap bug nor outlive a zongji fix.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import ZongJi from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { readBinlogFiles } from '../../src/source/file-source.js';
import type { RowImage } from '../../src/protocol/binlog/events.js';
import { destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { selectTable } from '../harness/select-values.js';
import { ALL_TYPES_ROWS, ALL_TYPES_TABLE } from '../harness/all-types.js';

type Row = Record<string, unknown>;

interface Image {
  readonly action: 'insert' | 'update' | 'delete';
  readonly before?: Row;
  readonly after?: Row;
}

/** zongji's value in SPEC §3's form. */
function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'string' && /^-?\d{16,}$/.test(v)) return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return v;
}

function bitValue(v: unknown): unknown {
  if (!Buffer.isBuffer(v)) return normalise(v);
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

describe.skipIf(inject('mariadb').how !== 'local')('the decoder against zongji on live binlogs', () => {
  let server: MariadbInfo;
  let file = '';
  let selected: Map<number, Row>;
  const ours: Image[] = [];
  const theirs: Image[] = [];

  function open(): Promise<mysql.Connection> {
    return mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, charset: 'utf8mb4', timezone: 'Z' });
  }

  beforeAll(async () => {
    server = await startMariadb(inject('tmpRoot'), { serverId: 52 });
    const c = await open();
    try {
      await c.query('CREATE DATABASE types');
      await c.query(ALL_TYPES_TABLE);
      await c.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
      const [st] = await c.query('SHOW MASTER STATUS');
      file = String((st as Array<{ File: string }>)[0]?.File);
      await c.query(`INSERT INTO types.t VALUES ${ALL_TYPES_ROWS.join(',')}`);
      await c.query('UPDATE types.t SET ti = ti + 0, vc = CONCAT(vc, "+") WHERE id IN (2, 4)');
      await c.query('UPDATE types.t SET mt = "changed medium text", i = 5 WHERE id = 4');
      const rows = await selectTable(c, 'types', 't');
      selected = new Map(rows.map((r) => [Number(r['id']), r as Row]));
      await c.query('DELETE FROM types.t WHERE id IN (1, 3)');
    } finally {
      await c.end();
    }

    // binsnap: the server's binlog file, names from the TABLE_MAP's full metadata.
    for await (const e of readBinlogFiles({ files: [`${server.binlogDir}/${file}`] })) {
      if (e.kind !== 'rows' || e.table !== 't') continue;
      const names = e.columnNames as readonly string[];
      const asRow = (img: RowImage | undefined): Row | undefined => {
        if (img === undefined) return undefined;
        const r: Row = {};
        img.forEach((v, i) => {
          r[names[i] as string] = v;
        });
        return r;
      };
      for (const r of e.rows) {
        const before = asRow(r.before as RowImage | undefined);
        const after = asRow(r.after as RowImage | undefined);
        ours.push({ action: e.action, ...(before ? { before } : {}), ...(after ? { after } : {}) });
      }
    }

    // zongji: the same range streamed from the server.
    const zongji = new ZongJi({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
    } as ConstructorParameters<typeof ZongJi>[0]);
    const wanted = ours.length;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`zongji delivered ${theirs.length} of ${wanted} row images in 30 s`)), 30_000);
        zongji.on('error', (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
        zongji.on('binlog', (evt: unknown) => {
          const e = evt as { rows?: Array<Row & { before?: Row; after?: Row }>; tableId?: number; tableMap?: Record<number, { tableName: string }>; getEventName(): string };
          if (!Array.isArray(e.rows) || e.tableMap?.[e.tableId ?? -1]?.tableName !== 't') return;
          const name = e.getEventName();
          for (const r of e.rows) {
            if (name === 'writerows') theirs.push({ action: 'insert', after: r });
            else if (name === 'deleterows') theirs.push({ action: 'delete', before: r });
            else theirs.push({ action: 'update', before: r.before as Row, after: r.after as Row });
          }
          if (theirs.length >= wanted) {
            clearTimeout(timer);
            resolve();
          }
        });
        zongji.start({ serverId: 7052, filename: file, position: 4, includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows'], includeSchema: { types: ['t'] } });
      });
    } finally {
      await new Promise<void>((resolve) => {
        zongji.once('stopped', () => resolve());
        zongji.stop();
      });
    }
  }, 120_000);

  afterAll(async () => {
    if (server) await destroyMariadb(server);
  });

  it('sees the same row images in the same order', () => {
    expect(ours.map((i) => i.action)).toEqual(['insert', 'insert', 'insert', 'insert', 'update', 'update', 'update', 'delete', 'delete']);
    expect(theirs.map((i) => i.action)).toEqual(ours.map((i) => i.action));
  });

  it('gives the same value as zongji in every column where zongji is right', () => {
    let compared = 0;
    const differs = new Map<string, number>();
    ours.forEach((o, k) => {
      const t = theirs[k] as Image;
      for (const side of ['before', 'after'] as const) {
        const a = o[side];
        const b = t[side];
        expect(b === undefined, `image ${k} ${side}`).toBe(a === undefined);
        if (!a || !b) continue;
        expect(Object.keys(b).sort(), `image ${k} ${side}: columns`).toEqual(Object.keys(a).sort());
        for (const col of Object.keys(a)) {
          const mine = a[col];
          const z = comparable(col, b[col]);
          const same = col === 'fl' && typeof mine === 'number' && typeof z === 'number'
            ? Math.fround(mine) === Math.fround(z)
            : JSON.stringify(col === 'g' && typeof mine === 'string' ? geometryShape(mine) : mine) === JSON.stringify(z);
          if (same) {
            compared++;
            continue;
          }
          const id = Number(a['id']);
          const known = ZONGJI_DIFFERS[col];
          // A difference is only allowed where zongji is known to be wrong, and
          // then binsnap must be the one that agrees with SELECT.
          expect({ image: k, side, column: col, binsnap: mine, zongji: z, known: known !== undefined }).toEqual({ image: k, side, column: col, binsnap: mine, zongji: z, known: true });
          const row = selected.get(id);
          if (row !== undefined && side === 'after') expect(mine, `${col} of id ${id}: binsnap against SELECT`).toEqual(row[col]);
          differs.set(col, (differs.get(col) ?? 0) + 1);
        }
      }
    });
    // 9 images, 12 with values (4 inserts, 3 updates × 2, 2 deletes), 38 columns each.
    const cells = 12 * 38;
    expect(compared + [...differs.values()].reduce((x, y) => x + y, 0)).toBe(cells);
    expect(compared).toBeGreaterThanOrEqual(cells - 6);
    // Each listed difference still occurs (a zongji fix would make the entry stale).
    expect([...differs.keys()].sort()).toEqual(Object.keys(ZONGJI_DIFFERS).sort());
  });
});

/** Columns where zongji's value is wrong, and why (checked against SELECT above). */
const ZONGJI_DIFFERS: Readonly<Record<string, string>> = {
  yr: "YEAR's zero value (stored as 0, SELECT gives 0) comes out of zongji as 1900",
};

/** zongji's value in SPEC §3's form, for comparison with binsnap's. */
function comparable(col: string, v: unknown): unknown {
  if (col === 'b1' || col === 'b64') return bitValue(v);
  return normalise(v);
}

/**
 * binsnap's GEOMETRY value (base64 of a 4-byte SRID and WKB) as the points
 * zongji parses it into: a POINT as {x, y}, a POLYGON as rings of points.
 */
function geometryShape(b64: string): unknown {
  const buf = Buffer.from(b64, 'base64');
  let at = 4; // SRID
  const little = buf[at] === 1;
  at += 1;
  const u32 = (): number => {
    const v = little ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
    at += 4;
    return v;
  };
  const f64 = (): number => {
    const v = little ? buf.readDoubleLE(at) : buf.readDoubleBE(at);
    at += 8;
    return v;
  };
  const point = (): { x: number; y: number } => ({ x: f64(), y: f64() });
  const type = u32();
  if (type === 1) return point();
  if (type === 3) {
    const rings = [];
    for (let r = u32(); r > 0; r--) {
      const ring = [];
      for (let p = u32(); p > 0; p--) ring.push(point());
      rings.push(ring);
    }
    return rings;
  }
  throw new Error(`the test reads only POINT and POLYGON, not WKB type ${type}`);
}
