import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import type { DecodedEvent } from '../protocol/binlog/events.js';
import { binlogFile, event, xidEvent } from '../protocol/binlog/test-events.test-util.js';
import { listBinlogDir, sortBinlogFiles } from './file-list.js';
import { readBinlogFiles, type FileSourceOptions } from './file-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'binsnap-files-'));
  dirs.push(d);
  return d;
}

/** A binlog whose XIDs carry `base + i`, `n` of them. */
function xidFile(base: bigint, n: number): Buffer {
  return binlogFile(true, (off, c) => {
    const out: Buffer[] = [];
    let o = off;
    for (let i = 0; i < n; i++) {
      const e = xidEvent(o, c, base + BigInt(i));
      out.push(e);
      o += e.length;
    }
    return out;
  });
}

async function collect(opts: FileSourceOptions): Promise<DecodedEvent[]> {
  const out: DecodedEvent[] = [];
  for await (const e of readBinlogFiles(opts)) out.push(e);
  return out;
}

const xids = (events: DecodedEvent[]) => events.flatMap((e) => (e.kind === 'xid' ? [e.xid] : []));

describe('binlog file listing', () => {
  it('orders by numeric suffix: mysql-bin.9 before mysql-bin.10', async () => {
    expect(sortBinlogFiles(['/d/mysql-bin.10', '/d/mysql-bin.9', '/d/mysql-bin.000011'])).toEqual([
      '/d/mysql-bin.9',
      '/d/mysql-bin.10',
      '/d/mysql-bin.000011',
    ]);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.10'), xidFile(10n, 1));
    writeFileSync(path.join(dir, 'mysql-bin.9'), xidFile(9n, 1));
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect((await listBinlogDir(dir)).map((f) => path.basename(f))).toEqual(['mysql-bin.9', 'mysql-bin.10']);
    expect(xids(await collect({ binlogDir: dir }))).toEqual([9n, 10n]);
  });

  it('honours the .index file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(1n, 1));
    writeFileSync(path.join(dir, 'mysql-bin.000002'), xidFile(2n, 1));
    writeFileSync(path.join(dir, 'mysql-bin.000003'), xidFile(3n, 1));
    writeFileSync(path.join(dir, 'mysql-bin.index'), './mysql-bin.000002\n./mysql-bin.000003\n');
    expect(xids(await collect({ binlogDir: dir }))).toEqual([2n, 3n]);
  });

  it('fails with a coded error for a missing file', async () => {
    const err = await collect({ files: ['/nonexistent/mysql-bin.000001'] }).catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_BINLOG_FILE_NOT_FOUND');
  });
});

describe('readBinlogFiles', () => {
  it('reads across files with small chunks', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(100n, 5));
    writeFileSync(path.join(dir, 'mysql-bin.000002'), xidFile(200n, 3));
    const events = await collect({ binlogDir: dir, chunkSize: 7 });
    expect(xids(events)).toEqual([100n, 101n, 102n, 103n, 104n, 200n, 201n, 202n]);
    expect(events[0]!.pos.file).toBe('mysql-bin.000001');
  });

  it('starts at from (after reading the FDE) and stops before to', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(100n, 5));
    writeFileSync(path.join(dir, 'mysql-bin.000002'), xidFile(200n, 5));
    const all = await collect({ binlogDir: dir });
    const x = all.filter((e) => e.kind === 'xid');
    const from = x[2]!.pos; // xid 102 in file 1
    const to = x[7]!.pos; // xid 202 in file 2: stop before it
    const events = await collect({ binlogDir: dir, from, to, chunkSize: 16 });
    expect(xids(events)).toEqual([102n, 103n, 104n, 200n, 201n]);
    // to = a commit position (the end of xid 201) includes that transaction.
    const upTo = await collect({ binlogDir: dir, from, to: x[6]!.nextPos });
    expect(xids(upTo)).toEqual([102n, 103n, 104n, 200n, 201n]);
  });

  it('refuses a from position that is not the start of an event', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(1n, 5));
    const x = (await collect({ binlogDir: dir })).filter((e) => e.kind === 'xid');
    const from = x[2]!.pos.withOffset(x[2]!.pos.offset + 3n);
    const err = await collect({ binlogDir: dir, from, chunkSize: 64 }).catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_POSITION_INVALID');
    // The same inside the first chunk read (no seek needed).
    const near = await collect({ binlogDir: dir, from, chunkSize: 1 << 16 }).catch((e: unknown) => e);
    expect(isBinsnapError(near) && near.code).toBe('BINSNAP_E_POSITION_INVALID');
  });

  it('reports a truncated file with its name and offset', async () => {
    const dir = tempDir();
    const bytes = xidFile(1n, 3);
    writeFileSync(path.join(dir, 'mysql-bin.000001'), bytes.subarray(0, bytes.length - 5));
    const err = await collect({ binlogDir: dir }).catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_BINLOG_TRUNCATED');
    expect(isBinsnapError(err) && err.context.file).toBe('mysql-bin.000001');
  });

  it('follows a file being written and ends on abort', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mysql-bin.000001');
    const bytes = xidFile(1n, 3);
    const cut = bytes.length - 40; // inside the second XID
    writeFileSync(file, bytes.subarray(0, cut));
    const ac = new AbortController();
    const seen: bigint[] = [];
    const run = (async () => {
      for await (const e of readBinlogFiles({ binlogDir: dir, follow: true, pollIntervalMs: 10, signal: ac.signal })) {
        if (e.kind === 'xid') seen.push(e.xid);
        if (seen.length === 3) ac.abort();
      }
    })();
    await waitUntil(() => seen.length >= 1);
    expect(seen).toEqual([1n]);
    appendFileSync(file, bytes.subarray(cut));
    await run;
    expect(seen).toEqual([1n, 2n, 3n]);
  });

  it('follows into the next file when the server rotates', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(1n, 2));
    const ac = new AbortController();
    const seen: bigint[] = [];
    const run = (async () => {
      for await (const e of readBinlogFiles({ binlogDir: dir, follow: true, pollIntervalMs: 10, signal: ac.signal })) {
        if (e.kind === 'xid') seen.push(e.xid);
        if (seen.length === 4) ac.abort();
      }
    })();
    await waitUntil(() => seen.length >= 2);
    expect(seen).toEqual([1n, 2n]);
    writeFileSync(path.join(dir, 'mysql-bin.000002'), xidFile(10n, 2));
    await run;
    expect(seen).toEqual([1n, 2n, 10n, 11n]);
  });

  it('hands out batched events in order, also to overlapping next() calls, and closes on return()', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(1n, 300));
    writeFileSync(path.join(dir, 'mysql-bin.000002'), xidFile(1000n, 3));
    const all = xids(await collect({ binlogDir: dir }));
    expect(all).toEqual([...Array.from({ length: 300 }, (_, i) => BigInt(i + 1)), 1000n, 1001n, 1002n]);
    // Calls made before the previous one settles still get every event once, in order.
    const it = readBinlogFiles({ binlogDir: dir, chunkSize: 1000 });
    const results = await Promise.all(Array.from({ length: 310 }, () => it.next()));
    const got = results.flatMap((r) => (r.done === true ? [] : r.value.kind === 'xid' ? [r.value.xid] : []));
    expect(got).toEqual(all);
    expect(results.at(-1)?.done).toBe(true);
    // Breaking out early ends the stream: next() is done afterwards.
    const early = readBinlogFiles({ binlogDir: dir });
    let n = 0;
    for await (const e of early) if (e.kind === 'xid' && ++n === 5) break;
    expect((await early.next()).done).toBe(true);
  });

  it('yields the events before a damaged one, then fails', async () => {
    const dir = tempDir();
    const bytes = Buffer.from(xidFile(1n, 10));
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff; // the last XID's checksum
    writeFileSync(path.join(dir, 'mysql-bin.000001'), bytes);
    const seen: bigint[] = [];
    const err = await (async () => {
      for await (const e of readBinlogFiles({ binlogDir: dir })) if (e.kind === 'xid') seen.push(e.xid);
    })().catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_BINLOG_CHECKSUM');
    expect(seen).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
  });

  it('accepts positions parsed from text', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'mysql-bin.000001'), xidFile(1n, 2));
    const events = await collect({ binlogDir: dir, from: BinlogPosition.parse('mysql-bin.000002:4') });
    expect(events).toEqual([]);
  });
});

/** Polls until `cond` holds (a loaded machine may take a while to read), failing after 10 s. */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  // Give the reader time to (wrongly) go further, so the equality below can fail.
  await new Promise((r) => setTimeout(r, 50));
}

describe('file source and the schema lookup', () => {
  /** QUERY event: thread id, exec time, db length, error code, no status vars, db\0, statement. */
  const queryEvent = (offset: number, crc: boolean, db: string, statement: string): Buffer => {
    const post = Buffer.alloc(13);
    post[8] = db.length;
    return event(2, Buffer.concat([post, Buffer.from(`${db}\0${statement}`, 'utf8')]), offset, crc);
  };
  /** TABLE_MAP of `db`.`table` with one INT column. */
  const tableMapEvent = (offset: number, crc: boolean, tableId: number, db: string, table: string): Buffer => {
    const id = Buffer.alloc(8);
    id.writeUIntLE(tableId, 0, 6);
    const body = Buffer.concat([id, Buffer.from([db.length]), Buffer.from(`${db}\0`), Buffer.from([table.length]), Buffer.from(`${table}\0`), Buffer.from([1, 3, 0, 0x01])]);
    return event(19, body, offset, crc);
  };

  /** WRITE_ROWS v2 of one INT row for `tableId`. */
  const writeRowsEvent = (offset: number, crc: boolean, tableId: number, value: number): Buffer => {
    const head = Buffer.alloc(10);
    head.writeUIntLE(tableId, 0, 6);
    head.writeUInt16LE(2, 8); // extra data length, itself included
    const v = Buffer.alloc(4);
    v.writeInt32LE(value, 0);
    return event(30, Buffer.concat([head, Buffer.from([1, 0x01, 0x00]), v]), offset, crc);
  };

  it('decodes nothing after a DDL statement before the consumer has handled it (the lookup answers as of each event)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mysql-bin.000001');
    // Five DDL statements, each followed by a transaction on the table: all fit in one batch.
    writeFileSync(
      file,
      binlogFile(true, (offset, crc) => {
        const out: Buffer[] = [];
        let at = offset;
        const add = (make: (o: number) => Buffer): void => {
          const bytes = make(at);
          out.push(bytes);
          at += bytes.length;
        };
        for (let i = 0; i < 5; i++) {
          add((o) => queryEvent(o, crc, 'd', `ALTER TABLE t RENAME COLUMN c${i} TO c${i + 1}`));
          add((o) => queryEvent(o, crc, 'd', 'BEGIN'));
          add((o) => tableMapEvent(o, crc, 70 + i, 'd', 't'));
          add((o) => writeRowsEvent(o, crc, 70 + i, i));
          add((o) => xidEvent(o, crc, BigInt(i + 1)));
        }
        return out;
      }),
    );
    let ddlHandled = 0;
    const seenByLookup: number[] = [];
    for await (const e of readBinlogFiles({
      files: [file],
      schema: () => {
        seenByLookup.push(ddlHandled);
        return undefined;
      },
    })) {
      if (e.kind === 'query' && e.statement.startsWith('ALTER')) ddlHandled++;
    }
    // The rows after the i-th ALTER are decoded once the consumer has handled it, not before.
    expect(seenByLookup).toEqual([1, 2, 3, 4, 5]);
  });
});
