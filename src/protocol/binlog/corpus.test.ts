/**
 * Corpus conformance: every file of the shared third-party corpus decodes
 * completely with the per-type event counts of manifest.json (outer events;
 * TRANSACTION_PAYLOAD inner events are checked against the manifest's list),
 * or fails with the coded error documented in EXPECTED_FAILURES
 * (fixtures.test-util.ts) for its known defect.
 */
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { BinlogDecoder } from './binlog-decoder.js';
import type { DecodedEvent } from './events.js';
import { corpusAvailable, EXPECTED_FAILURES, loadFixture, loadManifest } from './fixtures.test-util.js';


function decodeAll(bytes: Buffer): DecodedEvent[] {
  const d = new BinlogDecoder({ fileName: 'fixture.000001' });
  const events = d.push(bytes);
  d.end();
  return events;
}

function countTypes(events: readonly DecodedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) if (!e.inPayload) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

if (!corpusAvailable) console.warn('binlog corpus not found at ../shared/fixtures/binlogs: corpus tests skipped');

describe.skipIf(!corpusAvailable)('binlog corpus conformance', () => {
  const manifest = corpusAvailable ? loadManifest() : [];
  for (const entry of manifest) {
    const expectedCode = EXPECTED_FAILURES[entry.file];
    if (expectedCode) {
      it(`${entry.file} fails with ${expectedCode}`, () => {
        let caught: unknown;
        try {
          decodeAll(loadFixture(entry.file));
        } catch (err) {
          caught = err;
        }
        expect(isBinsnapError(caught)).toBe(true);
        if (!isBinsnapError(caught)) return;
        expect(caught.code).toBe(expectedCode);
        expect(caught.context.file).toBe('fixture.000001');
        expect(caught.context.offset).toBeTypeOf('number');
      });
      continue;
    }
    it(`${entry.file} decodes with the manifest's event counts`, () => {
      const events = decodeAll(loadFixture(entry.file));
      expect(countTypes(events)).toEqual(entry.events ?? {});
      for (const p of entry.transaction_payloads ?? []) {
        const inner = events.filter((e) => e.inPayload && Number(e.pos.offset) === p.offset).map((e) => e.type);
        expect(inner).toEqual(p.inner_events);
      }
      // Positions chain: each outer event starts where the previous one ended.
      const outer = events.filter((e) => !e.inPayload);
      for (let i = 1; i < outer.length; i++) expect(outer[i]!.pos.offset).toBe(outer[i - 1]!.nextPos.offset);
    });
  }

  it('decodes the GTID_TAGGED event of MySQL 9.6', () => {
    const events = decodeAll(loadFixture('rust_mysql_common/binlog_transaction_with_GTID_TAG.000001'));
    const gtid = events.find((e) => e.kind === 'gtid');
    expect(gtid).toMatchObject({ sid: '55778904-0299-11f1-b1b8-4ef0c4956feb', tag: 'mytag', gno: 3n, tagged: true, transactionLength: 296n });
    const prev = events.find((e) => e.kind === 'previous_gtids');
    expect(prev?.kind === 'previous_gtids' && prev.sets.map((s) => [s.tag ?? '', s.intervals])).toEqual([
      ['', [[1n, 14n]]],
      ['mytag', [[1n, 3n]]],
    ]);
  });

  it('skips the ignorable Aurora padding event as unknown', () => {
    const events = decodeAll(loadFixture('mysql-binlog-connector-java/mysql-bin.aurora-padding'));
    expect(events.find((e) => e.typeCode === 100)).toMatchObject({ kind: 'unknown', ignorable: true });
  });

  it('decodes rows of the go-mysql-server insert fixture by position names', () => {
    const events = decodeAll(loadFixture('go-mysql-server-base64/binlog_insert.txt'));
    const rows = events.flatMap((e) => (e.kind === 'rows' ? e.rows : []));
    expect(rows.length).toBe(2);
    expect(rows[0]?.after).toContain('Alice');
  });
});

/** An event's fields as plain data in name order (bigint and positions as text, Buffers as hex), `rows` read once. */
function plain(e: DecodedEvent): string {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'raw' && v !== undefined) fields[k] = v;
  if (e.kind === 'rows') fields['rows'] = e.rows;
  const sorted = Object.fromEntries(Object.entries(fields).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return JSON.stringify(sorted, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v !== null && typeof v === 'object' && 'format' in v && typeof v.format === 'function' ? (v as { format(): string }).format() : v,
  );
}

describe.skipIf(!corpusAvailable)('binlog corpus: rows deferred until read (deferRows)', () => {
  it('every event equals the eagerly decoded one, rows included, and rows events carry their row data', () => {
    let rowsEvents = 0;
    for (const entry of corpusAvailable ? loadManifest() : []) {
      if (entry.error !== undefined || EXPECTED_FAILURES[entry.file] !== undefined) continue;
      const bytes = loadFixture(entry.file);
      const eager = decodeAll(bytes);
      const d = new BinlogDecoder({ fileName: 'fixture.000001', deferRows: true });
      const deferred = d.push(bytes);
      d.end();
      expect(deferred.length, entry.file).toBe(eager.length);
      for (let i = 0; i < eager.length; i++) {
        const a = eager[i]!;
        const b = deferred[i]!;
        expect(plain(b), `${entry.file} event ${i}`).toBe(plain(a));
        if (b.kind === 'rows' && b.table !== '') {
          rowsEvents++;
          expect(b.raw, entry.file).toBeDefined();
          expect(a.kind === 'rows' && a.raw, entry.file).toBeUndefined();
        }
      }
    }
    expect(rowsEvents).toBeGreaterThan(1000);
  });
});
