import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusAvailable, loadFixture } from '../../protocol/binlog/fixtures.test-util.js';
import { binlogFile, xidEvent } from '../../protocol/binlog/test-events.test-util.js';
import { runDump } from './dump.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function withFile(name: string, bytes: Buffer): string {
  const d = mkdtempSync(path.join(tmpdir(), 'binsnap-dump-'));
  dirs.push(d);
  const f = path.join(d, name);
  writeFileSync(f, bytes);
  return f;
}

async function dumpLines(files: string[]): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runDump({ files }, out, new AbortController().signal);
  return Buffer.concat(chunks)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('runDump', () => {
  it('prints one JSON object per event with positions and bigints as strings', async () => {
    const file = withFile('mysql-bin.000003', binlogFile(true, (off, c) => [xidEvent(off, c, 2n ** 63n)]));
    const lines = await dumpLines([file]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: 'mysql-bin.000003', pos: 4, type: 'FORMAT_DESCRIPTION', typeCode: 15, checksum: 'crc32' });
    expect(lines[1]).toMatchObject({ type: 'XID', xid: '9223372036854775808', pos: lines[0]!.nextPos, serverId: 1 });
  });

  it.skipIf(!corpusAvailable)('prints rows keyed by column name with before/after images', async () => {
    const file = withFile('mysql-bin.000001', loadFixture('go-mysql-server-base64/binlog_transaction_multi_ops.txt'));
    const lines = await dumpLines([file]);
    const rows = lines.filter((l) => Array.isArray(l.rows));
    expect(rows.map((l) => l.type)).toEqual(['WRITE_ROWS_V1', 'WRITE_ROWS_V1', 'WRITE_ROWS_V1', 'UPDATE_ROWS_V1', 'DELETE_ROWS_V1']);
    const update = rows[3] as { table: string; rows: { before: Record<string, unknown>; after: Record<string, unknown> }[] };
    expect(update.table).toMatch(/multi_op_test$/);
    expect(update.rows[0]).toHaveProperty('before');
    expect(update.rows[0]).toHaveProperty('after');
    const del = rows[4] as { rows: Record<string, unknown>[] };
    expect(Object.keys(del.rows[0]!)).toEqual(['before']);
  });

  it('waits for drain on a slow output', async () => {
    const many = binlogFile(false, (off, c) => {
      const out: Buffer[] = [];
      for (let i = 0; i < 5000; i++) out.push(xidEvent(off + i * 27, c, BigInt(i)));
      return out;
    });
    const file = withFile('mysql-bin.000001', many);
    let drains = 0;
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        drains++;
        setImmediate(cb);
      },
    });
    await runDump({ files: [file] }, slow, new AbortController().signal);
    expect(drains).toBeGreaterThan(1);
    expect(bytes).toBeGreaterThan(5000 * 50);
  });
});
