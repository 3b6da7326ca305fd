/**
 * Payloads of the replication commands a replica sends (pure encoders):
 * COM_REGISTER_SLAVE, COM_BINLOG_DUMP and COM_BINLOG_DUMP_GTID. The caller
 * frames them as protocol packets (the connection library does that).
 *
 * MySQL source docs: "COM_REGISTER_REPLICA", "COM_BINLOG_DUMP",
 * "COM_BINLOG_DUMP_GTID" in the client/server protocol reference. MariaDB
 * starts from a GTID position with plain COM_BINLOG_DUMP after
 * `SET @slave_connect_state=…` (MariaDB KB, "GTID": "Using GTID with a replica").
 */
import { BinsnapError } from '../../core/errors.js';

export const COM_BINLOG_DUMP = 0x12;
export const COM_REGISTER_SLAVE = 0x15;
export const COM_BINLOG_DUMP_GTID = 0x1e;

/** Ask the server to end the stream with EOF at the end of the binlog instead of waiting. */
export const BINLOG_DUMP_NON_BLOCK = 0x01;
/** MariaDB: also send ANNOTATE_ROWS events (the SQL text of row events), as written in the file. */
export const BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02;
/** COM_BINLOG_DUMP_GTID: the GTID set is given (data field present). */
export const BINLOG_THROUGH_GTID = 0x04;

export interface RegisterReplica {
  readonly serverId: number;
  /** Shown in SHOW SLAVE HOSTS on the source. */
  readonly hostname: string;
  readonly port: number;
}

export function encodeRegisterReplica(r: RegisterReplica): Buffer {
  const host = shortString(r.hostname, 'hostname');
  const buf = Buffer.alloc(1 + 4 + 1 + host.length + 1 + 1 + 2 + 4 + 4);
  let o = buf.writeUInt8(COM_REGISTER_SLAVE, 0);
  o = buf.writeUInt32LE(checkU32(r.serverId, 'server id'), o);
  o = buf.writeUInt8(host.length, o);
  o += host.copy(buf, o);
  o = buf.writeUInt8(0, o); // user: not sent
  o = buf.writeUInt8(0, o); // password: never sent
  o = buf.writeUInt16LE(r.port & 0xffff, o);
  o = buf.writeUInt32LE(0, o); // replication rank (unused by servers)
  buf.writeUInt32LE(0, o); // master id: the server fills it in
  return buf;
}

export interface BinlogDumpRequest {
  readonly serverId: number;
  /** Empty to start from the first binlog (or from the GTID state on MariaDB). */
  readonly file: string;
  readonly offset: bigint;
  readonly nonBlocking: boolean;
  /** MariaDB only: ask for ANNOTATE_ROWS events too. */
  readonly sendAnnotateRows?: boolean;
}

export function encodeBinlogDump(r: BinlogDumpRequest): Buffer {
  if (r.offset > 0xffffffffn) {
    throw new BinsnapError('BINSNAP_E_POSITION_INVALID', 'COM_BINLOG_DUMP cannot address offsets beyond 4 GiB; start by GTID', {
      file: r.file,
      offset: r.offset,
    });
  }
  const name = Buffer.from(r.file, 'utf8');
  const buf = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  let o = buf.writeUInt8(COM_BINLOG_DUMP, 0);
  o = buf.writeUInt32LE(Number(r.offset), o);
  const flags = (r.nonBlocking ? BINLOG_DUMP_NON_BLOCK : 0) | (r.sendAnnotateRows ? BINLOG_SEND_ANNOTATE_ROWS_EVENT : 0);
  o = buf.writeUInt16LE(flags, o);
  o = buf.writeUInt32LE(checkU32(r.serverId, 'server id'), o);
  name.copy(buf, o);
  return buf;
}

export interface BinlogDumpGtidRequest extends BinlogDumpRequest {
  /** The GTID set already applied, in the binary form of PREVIOUS_GTIDS (see encodeMysqlGtidSet). */
  readonly gtidSet: Buffer;
}

export function encodeBinlogDumpGtid(r: BinlogDumpGtidRequest): Buffer {
  const name = Buffer.from(r.file, 'utf8');
  const buf = Buffer.alloc(1 + 2 + 4 + 4 + name.length + 8 + 4 + r.gtidSet.length);
  let o = buf.writeUInt8(COM_BINLOG_DUMP_GTID, 0);
  o = buf.writeUInt16LE((r.nonBlocking ? BINLOG_DUMP_NON_BLOCK : 0) | BINLOG_THROUGH_GTID, o);
  o = buf.writeUInt32LE(checkU32(r.serverId, 'server id'), o);
  o = buf.writeUInt32LE(name.length, o);
  o += name.copy(buf, o);
  o = buf.writeBigUInt64LE(r.offset, o);
  o = buf.writeUInt32LE(r.gtidSet.length, o);
  r.gtidSet.copy(buf, o);
  return buf;
}

function shortString(s: string, what: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 255) throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `${what} is longer than 255 bytes`, { field: what });
  return b;
}

function checkU32(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `${what} ${n} is outside 1..4294967295`, { field: what });
  }
  return n;
}
