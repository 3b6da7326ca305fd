import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BinlogPosition } from '../core/position.js';
import { fieldReader, rowObject, seedColumns } from '../source/row-values.js';
import { RowParser, packetRows, type RowPackets } from '../source/seed-reader.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import { MARIADB_DEFAULTS } from './ddl/index.js';
import { SeedEncoder } from './seed-encoder.js';
import { SeedWriter, seedSchema } from './seed.js';

const P = BinlogPosition.of('mysql-bin.000007', 4321);

const schema = () =>
  seedSchema(
    new Map([['d', 'CREATE DATABASE `d` /*!40100 DEFAULT CHARACTER SET utf8mb4 */']]),
    [
      {
        db: 'd',
        table: 't',
        ddl:
          'CREATE TABLE `t` (\n  `id` bigint(20) unsigned NOT NULL,\n  `name` varchar(40) DEFAULT NULL,\n  `amount` decimal(10,2) DEFAULT NULL,\n' +
          '  `data` blob DEFAULT NULL,\n  `j` longtext DEFAULT NULL,\n  `at` datetime(6) DEFAULT NULL,\n  `__proto__` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB',
      },
    ],
    MARIADB_DEFAULTS,
  );

/** A text-protocol row packet's payload: each field a length-encoded string, NULL as 0xFB. */
function rowPayload(fields: (string | Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    if (f === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const b = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    parts.push(b.length < 0xfb ? Buffer.from([b.length]) : Buffer.from([0xfc, b.length & 0xff, b.length >> 8]), b);
  }
  return Buffer.concat(parts);
}

/** Rows as readRowPackets hands them out: as on the wire (3-byte length, sequence byte, payload). */
function packets(rows: Buffer[]): RowPackets {
  const parts: Buffer[] = [];
  for (const [i, r] of rows.entries()) parts.push(Buffer.from([r.length & 0xff, (r.length >> 8) & 0xff, r.length >> 16, i & 0xff]), r);
  const b = Buffer.concat(parts);
  const bytes = new Uint8Array(b.length);
  bytes.set(b);
  return { bytes, rows: rows.length };
}

/** Text whose bytes are copied into cells, and text that is not valid utf8 (decoded, with U+FFFD). */
const texts: (string | Buffer | null)[] = [
  '',
  Buffer.from([0x7b, 0xff, 0xed, 0xa0, 0x80, 0x41, 0xc3]),
  'ü😀'.repeat(60),
  null,
  `${'é'.repeat(127)}x`,
  `${'é'.repeat(128)}`,
  Buffer.from([0xf0, 0x9f, 0x98]),
];

const fields = (i: number): (string | Buffer | null)[] => [
  String(i === 7 ? '18446744073709551615' : i * 3),
  i % 4 === 0 ? null : `Zoë ${i} ${'x'.repeat(i % 300)}`,
  i % 5 === 0 ? null : `${i}.${i % 100}`,
  Buffer.from([i & 0xff, 0, 0xff]),
  i % 3 === 0 ? `{"n": ${i}}` : texts[i % texts.length]!,
  `2024-01-0${1 + (i % 9)} 10:00:00.${String(i).padStart(6, '0')}`,
  String(-i),
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function freshStore(): Promise<{ store: SqliteStore; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'binsnap-seed-encoder-'));
  dirs.push(dir);
  const path = join(dir, 'binsnap.db');
  return { store: await openSqliteStore({ path }), path };
}

function pageBodies(path: string): Buffer[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT body FROM page_bodies ORDER BY page_id').all() as { body: Buffer }[]).map((r) => r.body);
  } finally {
    db.close();
  }
}

describe('seed encoding thread', () => {
  it('stores the same page bytes and rows as the seed reading the packets itself; row indexes follow the order batches are added', async () => {
    const s = schema();
    const t = s.tables[0]!;
    const columns = seedColumns(t.schema, 'mariadb');
    const batches = [0, 1, 2].map((b) => packets(Array.from({ length: 400 }, (_, i) => rowPayload(fields(b * 400 + i)))));

    // The ordinary path: RowParser and row objects here, rows added as objects.
    const plain = await freshStore();
    const w1 = await SeedWriter.begin(plain.store, P, s, 1_700_000_000_000);
    const parser = new RowParser(columns.map((c) => fieldReader(c, 'mariadb')), t.name);
    for (const b of batches) {
      const rows: Record<string, unknown>[] = [];
      packetRows({ bytes: b.bytes.slice(), rows: b.rows }, (p) => rows.push(rowObject(columns, parser.next(p))));
      await w1.addRows(t, rows as never);
    }
    await w1.commit(undefined);

    // Through the thread: the packets' buffers move there; entries come back and are added.
    const viaThread = await freshStore();
    const w2 = await SeedWriter.begin(viaThread.store, P, s, 1_700_000_000_000);
    expect(w2.takesEncoded).toBe(true);
    const encoder = new SeedEncoder();
    try {
      const ids = await w2.encodingOf(t, columns.map((c) => c.name));
      const et = encoder.addTable({ table: t.name, columns, flavor: 'mariadb', keyColumns: t.keyColumns, numericKeyColumns: t.numericKeyColumns, markColumn: 'id', ...ids });
      const encoded = await Promise.all(batches.map((b) => encoder.encode(et, b, P)));
      expect(encoded.map((e) => e.last)).toEqual([1197, 2397, 3597]);
      // Encoded concurrently above; row indexes are given here, as batches are added (as addRows gives them).
      for (const e of encoded) await w2.addEncoded(e.rows);
    } finally {
      await encoder.close();
    }
    await w2.commit(undefined);

    const read = async (store: SqliteStore): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of store.readTable(t.name, { kind: 'latest' })) out.push(r);
      return out;
    };
    const a = await read(plain.store);
    expect(a).toHaveLength(1200);
    expect(a.find((r) => (r as { id: unknown }).id === '18446744073709551615')).toMatchObject({ name: 'Zoë 7 xxxxxxx', amount: '7.7' });
    // Invalid utf8 reads as the text the ordinary path decodes (replacement characters), not as its bytes.
    expect((a.find((r) => (r as { id: unknown }).id === 3) as { j: unknown }).j).toBe('{\ufffd\ufffd\ufffd\ufffdA\ufffd');
    expect((a.find((r) => (r as { id: unknown }).id === 6) as { j: unknown }).j).toBe('ü😀'.repeat(60));
    expect(await read(viaThread.store)).toEqual(a);
    expect((await viaThread.store.rowHistory(t.name, { id: 3 }))[0]?.version).toEqual((await plain.store.rowHistory(t.name, { id: 3 }))[0]?.version);
    await plain.store.close();
    await viaThread.store.close();
    const bodies = pageBodies(plain.path);
    expect(bodies.length).toBeGreaterThan(1);
    expect(pageBodies(viaThread.path)).toEqual(bodies);
  });

  it('a malformed row packet is the batch’s coded error, naming the table', async () => {
    const s = schema();
    const t = s.tables[0]!;
    const columns = seedColumns(t.schema, 'mariadb');
    const { store } = await freshStore();
    const w = await SeedWriter.begin(store, P, s, 1_700_000_000_000);
    const encoder = new SeedEncoder();
    try {
      const et = encoder.addTable({ table: t.name, columns, flavor: 'mariadb', keyColumns: t.keyColumns, numericKeyColumns: t.numericKeyColumns, markColumn: null, ...(await w.encodingOf(t, columns.map((c) => c.name))) });
      const bad = packets([rowPayload(fields(1).slice(0, 3))]);
      await expect(encoder.encode(et, bad, P)).rejects.toMatchObject({ code: 'BINSNAP_E_SOURCE_REPLICATION', context: { table: 'd.t' } });
      // The thread goes on with the next batch.
      const ok = await encoder.encode(et, packets([rowPayload(fields(2))]), P);
      expect(ok.rows.starts.length).toBe(1);
      expect(ok.last).toBeNull();
    } finally {
      await encoder.close();
      await w.abort();
      await store.close();
    }
  });
});
