import { describe, expect, it } from 'vitest';
import { BinsnapError, isBinsnapError } from '../../core/errors.js';
import { BinlogDecoder } from './binlog-decoder.js';
import { crc32, crc32Table } from './crc32.js';
import { binlogFile, event, xidEvent } from './test-events.test-util.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (!isBinsnapError(err)) throw err;
    return err.code;
  }
  return undefined;
}

function decode(bytes: Buffer, opts: Partial<ConstructorParameters<typeof BinlogDecoder>[0]> = {}) {
  const d = new BinlogDecoder({ fileName: 'mysql-bin.000007', ...opts });
  const events = d.push(bytes);
  d.end();
  return events;
}

const twoXids = (crc: boolean) =>
  binlogFile(crc, (off, c) => {
    const a = xidEvent(off, c, 41n);
    return [a, xidEvent(off + a.length, c, 42n)];
  });

describe('BinlogDecoder framing', () => {
  it('decodes FDE and XID events with positions', () => {
    const events = decode(twoXids(true));
    expect(events.map((e) => e.kind)).toEqual(['format_description', 'xid', 'xid']);
    const [fde, x1, x2] = events;
    expect(fde).toMatchObject({ checksum: 'crc32', serverVersion: '8.0.40', type: 'FORMAT_DESCRIPTION', typeCode: 15 });
    expect(x1).toMatchObject({ xid: 41n, serverId: 1, timestamp: 1700000000 });
    expect(x1!.pos.format()).toBe(`mysql-bin.000007:${4 + fde!.eventSize}`);
    expect(x2!.pos.equals(x1!.nextPos)).toBe(true);
  });

  it('reads files without checksums', () => {
    expect(decode(twoXids(false)).map((e) => e.kind)).toEqual(['format_description', 'xid', 'xid']);
  });

  it('rejects a bad magic with BINSNAP_E_BINLOG_BAD_MAGIC', () => {
    const bytes = twoXids(true);
    bytes[0] = 0;
    expect(codeOf(() => decode(bytes))).toBe('BINSNAP_E_BINLOG_BAD_MAGIC');
  });

  it('names file and offset on a CRC mismatch', () => {
    const bytes = twoXids(true);
    bytes[bytes.length - 6] = bytes[bytes.length - 6]! ^ 0xff; // inside the last XID's body
    let err: unknown;
    try {
      decode(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BinsnapError);
    const be = err as BinsnapError;
    expect(be.code).toBe('BINSNAP_E_BINLOG_CHECKSUM');
    expect(be.context.file).toBe('mysql-bin.000007');
    expect(be.context.offset).toBe(bytes.length - 31);
  });

  it('can skip checksum verification', () => {
    const bytes = twoXids(true);
    bytes[bytes.length - 6] = bytes[bytes.length - 6]! ^ 0xff;
    expect(decode(bytes, { verifyChecksum: false })).toHaveLength(3);
  });

  it('reports a truncated event at its offset', () => {
    const bytes = twoXids(true);
    let err: unknown;
    try {
      decode(bytes.subarray(0, bytes.length - 3));
    } catch (e) {
      err = e;
    }
    expect((err as BinsnapError).code).toBe('BINSNAP_E_BINLOG_TRUNCATED');
    expect((err as BinsnapError).context.offset).toBe(bytes.length - 31);
  });

  it('refuses an impossible event_size instead of buffering it', () => {
    const bytes = twoXids(false);
    bytes.writeUInt32LE(0xfffffff0, bytes.length - 27 + 9);
    expect(codeOf(() => decode(bytes))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
    bytes.writeUInt32LE(5, bytes.length - 27 + 9);
    expect(codeOf(() => decode(bytes))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
  });

  it('needs a format description first', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0x62, 0x69, 0x6e]), xidEvent(4, false, 1n)]);
    expect(codeOf(() => decode(bytes))).toBe('BINSNAP_E_BINLOG_NO_FORMAT_DESCRIPTION');
  });

  it('fails on unknown event types unless ignorable or skipping', () => {
    const build = (flags: number) => binlogFile(false, (off, c) => [event(99, Buffer.from('zz'), off, c, flags)]);
    expect(codeOf(() => decode(build(0)))).toBe('BINSNAP_E_BINLOG_UNKNOWN_EVENT');
    expect(decode(build(0), { skipUnknownEvents: true })[1]).toMatchObject({ kind: 'unknown', ignorable: false, type: 'TYPE_99' });
    expect(decode(build(0x80))[1]).toMatchObject({ kind: 'unknown', ignorable: true });
  });

  it('gives identical events for one-byte chunks', () => {
    const bytes = twoXids(true);
    const d = new BinlogDecoder({ fileName: 'mysql-bin.000007' });
    const events = [];
    for (let i = 0; i < bytes.length; i++) events.push(...d.push(bytes.subarray(i, i + 1)));
    d.end();
    expect(events).toEqual(decode(bytes));
  });

  it('seeks after the format description', () => {
    const bytes = twoXids(true);
    const d = new BinlogDecoder({ fileName: 'mysql-bin.000007' });
    const fdeEnd = 4 + bytes.readUInt32LE(4 + 9);
    const first = d.push(bytes.subarray(0, fdeEnd));
    expect(first.map((e) => e.kind)).toEqual(['format_description']);
    const second = fdeEnd + 31;
    d.seek(second);
    const rest = d.push(bytes.subarray(second));
    d.end();
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ kind: 'xid', xid: 42n });
    expect(Number(rest[0]!.pos.offset)).toBe(second);
  });

  it('decodes without magic for network streams', () => {
    const d = new BinlogDecoder({ fileName: 'mysql-bin.000007', expectMagic: false, startOffset: 100 });
    const out = d.push(xidEvent(100, false, 5n));
    expect(out[0]).toMatchObject({ kind: 'xid', xid: 5n });
    expect(Number(out[0]!.nextPos.offset)).toBe(127);
  });

  it('computes CRC32 like zlib', () => {
    const data = Buffer.from('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32Table(data)).toBe(0xcbf43926);
  });
});
