/**
 * Differential test against an independent decoder: for every corpus file
 * with row events, the rows binsnap decodes equal, value by value, what
 * `mariadb-binlog --base64-output=decode-rows --verbose` prints for the same
 * file. mariadb-binlog stops at MySQL 8 events it cannot read (transaction
 * payloads, tagged GTIDs, partial JSON); the rows it printed before that are
 * compared. Columns it prints differently by design are compared through a
 * mapping (TIMESTAMP as epoch seconds, DATE with colons, BIT/SET as bit
 * strings, ENUM as index); MySQL JSON and GEOMETRY columns are not compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../src/protocol/binlog/binlog-decoder.js';
import type { DecodedEvent, RowImage, TableMapColumn } from '../../src/protocol/binlog/events.js';
import { corpusAvailable, EXPECTED_FAILURES, loadFixture, loadManifest } from '../../src/protocol/binlog/fixtures.test-util.js';
import { ColumnType as T, type JsonValue } from '../../src/protocol/values/column.js';

const TOOL = '/usr/bin/mariadb-binlog';
const toolAvailable = existsSync(TOOL);
if (!toolAvailable) console.warn(`${TOOL} not installed: decoder differential test skipped`);

interface TheirImage {
  readonly values: Map<number, string>;
}
interface TheirRow {
  readonly op: 'INSERT' | 'UPDATE' | 'DELETE';
  readonly table: string;
  readonly before?: TheirImage;
  readonly after?: TheirImage;
}

function parseTool(text: string): TheirRow[] {
  const rows: TheirRow[] = [];
  let cur: { op: TheirRow['op']; table: string; before?: TheirImage; after?: TheirImage } | undefined;
  let img: TheirImage | undefined;
  const flush = (): void => {
    if (cur) rows.push(cur);
    cur = undefined;
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith('###')) continue;
    const m = /^### (INSERT INTO|UPDATE|DELETE FROM) `(.*)`\.`(.*)`$/.exec(line);
    if (m) {
      flush();
      const op = m[1] === 'INSERT INTO' ? 'INSERT' : m[1] === 'UPDATE' ? 'UPDATE' : 'DELETE';
      cur = { op, table: `${m[2]}.${m[3]}` };
      continue;
    }
    if (!cur) continue;
    if (line === '### WHERE') {
      img = { values: new Map() };
      cur.before = img;
    } else if (line === '### SET') {
      img = { values: new Map() };
      cur.after = img;
    } else {
      const v = /^### {3}@(\d+)=(.*)$/.exec(line);
      if (v && img) img.values.set(Number(v[1]) - 1, v[2]!);
    }
  }
  flush();
  return rows;
}

/**
 * mariadb-binlog quotes strings as their raw bytes, writing only control bytes
 * as `\xHH` (backslashes and quotes are not escaped). The output was read as
 * latin1, so each char is one byte.
 */
function unquote(s: string): Buffer {
  const out: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(s.slice(i + 2, i + 4))) {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** Why a value differs, or undefined when it is the same value. */
function differs(ours: JsonValue | undefined, theirs: string, col: TableMapColumn): string | undefined {
  const bad = `ours ${JSON.stringify(ours)} vs mariadb-binlog ${theirs}`;
  if (col.type === T.JSON || col.type === T.GEOMETRY) return undefined;
  if (theirs === 'NULL') return ours === null ? undefined : bad;
  if (ours === null || ours === undefined) return bad;
  if (col.type === T.ENUM) {
    // mariadb-binlog prints the index; labels come from the TABLE_MAP metadata when the server wrote it.
    if (!col.enumLabels) return undefined;
    const n = Number(theirs);
    return ours === (n === 0 ? '' : col.enumLabels[n - 1]) ? undefined : bad;
  }
  if (col.type === T.SET) {
    // mariadb-binlog prints the bitmap: bit i set = label i.
    const labels = col.setLabels;
    const bits = /^b'([01]*)'$/.exec(theirs);
    if (!labels || !bits) return undefined;
    const mask = BigInt(`0b${bits[1] || '0'}`);
    const expected = labels.filter((_, i) => (mask >> BigInt(i)) & 1n).join(',');
    return ours === expected ? undefined : bad;
  }
  if (col.type === T.BIT) {
    const bits = /^b'([01]*)'$/.exec(theirs);
    return bits && BigInt(`0b${bits[1] || '0'}`).toString() === String(ours) ? undefined : bad;
  }
  if (col.type === T.TIMESTAMP || col.type === T.TIMESTAMP2) {
    const epoch = Date.parse(`${String(ours).replace(' ', 'T')}Z`) / 1000;
    if (String(ours).startsWith('0000-00-00')) return Number(theirs) === 0 ? undefined : bad;
    return Math.abs(epoch - Number(theirs)) < 1e-6 ? undefined : bad;
  }
  if (theirs.startsWith("'")) {
    const bytes = unquote(theirs);
    const s = String(ours);
    const candidates = [Buffer.from(s, 'utf8'), Buffer.from(s, 'latin1'), Buffer.from(s, 'base64'), Buffer.from(s.replace(/^(\d{4})-(\d\d)-(\d\d)/, '$1:$2:$3'), 'utf8')];
    // BINARY(n) is padded by us (as SELECT shows it); mariadb-binlog prints the stored bytes.
    return candidates.some((c) => c.equals(bytes) || (c.length > bytes.length && c.subarray(bytes.length).every((b) => b === 0) && c.subarray(0, bytes.length).equals(bytes)))
      ? undefined
      : bad;
  }
  const num = /^(-?[\d.e+-]+)(?: \((\d+)\))?$/.exec(theirs);
  if (!num) return bad;
  if (col.type === T.FLOAT || col.type === T.DOUBLE) {
    const a = Number(ours);
    const b = Number(num[1]);
    return Math.abs(a - b) <= Math.abs(b) * 1e-6 + 1e-12 ? undefined : bad;
  }
  if (col.type === T.NEWDECIMAL || col.type === T.DECIMAL) return Number(ours) === Number(num[1]) ? undefined : bad;
  return String(ours) === num[1] || String(ours) === num[2] ? undefined : bad;
}

interface OurRow {
  readonly op: TheirRow['op'];
  readonly table: string;
  readonly before?: RowImage;
  readonly after?: RowImage;
  readonly columns: readonly TableMapColumn[];
}

function ourRows(events: readonly DecodedEvent[]): OurRow[] {
  const maps = new Map<number, readonly TableMapColumn[]>();
  const out: OurRow[] = [];
  for (const e of events) {
    if (e.kind === 'table_map') maps.set(e.tableId, e.columns);
    if (e.kind !== 'rows') continue;
    const columns = maps.get(e.tableId) ?? [];
    for (const r of e.rows) {
      const op = e.action === 'insert' ? 'INSERT' : e.action === 'update' ? 'UPDATE' : 'DELETE';
      out.push({ op, table: `${e.database}.${e.table}`, columns, ...(r.before ? { before: r.before } : {}), ...(r.after ? { after: r.after } : {}) });
    }
  }
  return out;
}

function decodeLenient(bytes: Buffer): DecodedEvent[] {
  const d = new BinlogDecoder({ fileName: 'fixture.000001', skipUnknownEvents: true });
  return d.push(bytes);
}

describe.skipIf(!corpusAvailable || !toolAvailable)('rows equal mariadb-binlog --verbose', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'binsnap-cmp-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const files = corpusAvailable ? loadManifest().filter((f) => f.has_row_events && !EXPECTED_FAILURES[f.file]) : [];
  for (const entry of files) {
    it(entry.file, () => {
      const bytes = loadFixture(entry.file);
      const onDisk = path.join(tmp, entry.file.replace(/[/]/g, '_'));
      writeFileSync(onDisk, bytes);
      const run = spawnSync(TOOL, ['--base64-output=decode-rows', '--verbose', onDisk], { encoding: 'latin1', maxBuffer: 1 << 28 });
      // latin1 keeps every byte: re-read quoted strings as bytes.
      const theirs = parseTool(Buffer.from(run.stdout, 'latin1').toString('latin1'));
      const ours = ourRows(decodeLenient(bytes));
      const n = run.status === 0 ? ours.length : theirs.length;
      expect(theirs.length).toBe(n);
      const problems: string[] = [];
      for (let i = 0; i < n && problems.length < 10; i++) {
        const a = ours[i]!;
        const b = theirs[i]!;
        if (a.op !== b.op || a.table !== b.table) {
          problems.push(`row ${i}: ${a.op} ${a.table} vs ${b.op} ${b.table}`);
          continue;
        }
        for (const [label, mine, other] of [
          ['before', a.before, b.before],
          ['after', a.after, b.after],
        ] as const) {
          if (!mine || !other) {
            if (mine || other) problems.push(`row ${i} ${label}: image missing on one side`);
            continue;
          }
          const present = mine.flatMap((v, k) => (v === undefined ? [] : [k]));
          expect([...other.values.keys()].sort((x, y) => x - y)).toEqual(present);
          for (const [k, text] of other.values) {
            const col = a.columns[k];
            if (!col) continue;
            const why = differs(mine[k], text, col);
            if (why) problems.push(`row ${i} ${label} @${k + 1} (type ${col.type}): ${why}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
