import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../../core/errors.js';
import { encodeBinlogDump, encodeBinlogDumpGtid, encodeRegisterReplica } from './commands.js';
import { classifyDumpPayload } from './responses.js';

describe('replication command payloads', () => {
  it('COM_BINLOG_DUMP: command, 4-byte position, flags, server id, file name', () => {
    const b = encodeBinlogDump({ serverId: 0x01020304, file: 'mysql-bin.000042', offset: 1337n, nonBlocking: true, sendAnnotateRows: true });
    expect(b[0]).toBe(0x12);
    expect(b.readUInt32LE(1)).toBe(1337);
    expect(b.readUInt16LE(5)).toBe(0x03);
    expect(b.readUInt32LE(7)).toBe(0x01020304);
    expect(b.subarray(11).toString()).toBe('mysql-bin.000042');
    expect(() => encodeBinlogDump({ serverId: 1, file: 'f.1', offset: 1n << 32n, nonBlocking: false })).toThrow(BinsnapError);
  });

  it('COM_BINLOG_DUMP_GTID: flags with BINLOG_THROUGH_GTID, 8-byte position, sized GTID data', () => {
    const gtid = Buffer.from([1, 2, 3]);
    const b = encodeBinlogDumpGtid({ serverId: 7, file: '', offset: 4n, nonBlocking: false, gtidSet: gtid });
    expect(b[0]).toBe(0x1e);
    expect(b.readUInt16LE(1)).toBe(0x04);
    expect(b.readUInt32LE(3)).toBe(7);
    expect(b.readUInt32LE(7)).toBe(0);
    expect(b.readBigUInt64LE(11)).toBe(4n);
    expect(b.readUInt32LE(19)).toBe(3);
    expect(b.subarray(23).equals(gtid)).toBe(true);
  });

  it('COM_REGISTER_SLAVE never sends a user or password', () => {
    const b = encodeRegisterReplica({ serverId: 9, hostname: 'host', port: 3306 });
    expect(b[0]).toBe(0x15);
    expect(b.readUInt32LE(1)).toBe(9);
    expect(b[5]).toBe(4);
    expect(b.subarray(6, 10).toString()).toBe('host');
    expect([b[10], b[11]]).toEqual([0, 0]);
    expect(b.readUInt16LE(12)).toBe(3306);
    expect(() => encodeRegisterReplica({ serverId: 0, hostname: 'h', port: 1 })).toThrow(/server id 0/);
  });

  it('classifies stream payloads: event, EOF, error with SQL state', () => {
    expect(classifyDumpPayload(Buffer.from([0, 1, 2]))).toEqual({ kind: 'event', bytes: Buffer.from([1, 2]) });
    expect(classifyDumpPayload(Buffer.from([0xfe, 0, 0, 2, 0]))).toEqual({ kind: 'eof' });
    const err = Buffer.concat([Buffer.from([0xff, 0xd4, 0x04]), Buffer.from('#HY000Could not find first log file name')]);
    expect(classifyDumpPayload(err)).toEqual({ kind: 'error', code: 1236, sqlState: 'HY000', message: 'Could not find first log file name' });
  });
});
