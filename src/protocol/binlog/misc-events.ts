/**
 * The small fixed-layout events: ROTATE, XID, INTVAR, RAND, USER_VAR,
 * INCIDENT, HEARTBEAT v1/v2, ROWS_QUERY, MariaDB ANNOTATE_ROWS and
 * BINLOG_CHECKPOINT, XA_PREPARE and the LOAD DATA family.
 *
 * Invariant: every length is checked against the body end (BodyReader); byte
 * payloads that outlive the input chunk are copied.
 * Reference: libbinlogevents/src/{control,statement,load_data}_events.cpp,
 * MariaDB KB "Replication protocol" pages.
 */
import { BodyReader, type EventSite } from './body-reader.js';
import { EventType } from './event-types.js';
import type {
  AnnotateRowsBody,
  BinlogCheckpointBody,
  HeartbeatBody,
  IncidentBody,
  IntvarBody,
  LoadBody,
  RandBody,
  RotateBody,
  RowsQueryBody,
  UserVarBody,
  XaPrepareBody,
  XidBody,
} from './events.js';
import { postHeaderLength, type FormatDescription } from './format-description.js';

export function parseRotate(buf: Buffer, start: number, end: number, format: FormatDescription, site: EventSite): RotateBody {
  const r = new BodyReader(buf, start, end, site);
  const post = postHeaderLength(format, EventType.ROTATE, 8);
  const nextOffset = post >= 8 ? r.u64('rotate position') : 4n;
  r.pos = start + post;
  return { kind: 'rotate', nextOffset, nextFile: r.rest('utf8') };
}

export function parseXid(buf: Buffer, start: number, end: number, site: EventSite): XidBody {
  return { kind: 'xid', xid: new BodyReader(buf, start, end, site).u64('xid') };
}

export function parseIntvar(buf: Buffer, start: number, end: number, site: EventSite): IntvarBody {
  const r = new BodyReader(buf, start, end, site);
  return { kind: 'intvar', varType: r.u8('intvar type'), value: r.u64('intvar value') };
}

export function parseRand(buf: Buffer, start: number, end: number, site: EventSite): RandBody {
  const r = new BodyReader(buf, start, end, site);
  return { kind: 'rand', seed1: r.u64('rand seed1'), seed2: r.u64('rand seed2') };
}

export function parseUserVar(buf: Buffer, start: number, end: number, site: EventSite): UserVarBody {
  const r = new BodyReader(buf, start, end, site);
  const name = r.str(r.u32('user var name length'), 'user var name');
  const isNull = r.u8('user var null flag');
  if (isNull) return { kind: 'user_var', name, value: null };
  const valueType = r.u8('user var type');
  const collation = r.u32('user var charset');
  const bytes = r.copy(r.u32('user var length'), 'user var value');
  const flags = r.remaining > 0 ? r.u8('user var flags') : 0;
  return { kind: 'user_var', name, value: { valueType, collation, bytes, unsigned: (flags & 1) !== 0 } };
}

export function parseIncident(buf: Buffer, start: number, end: number, format: FormatDescription, site: EventSite): IncidentBody {
  const r = new BodyReader(buf, start, end, site);
  const incident = r.u16('incident type');
  r.pos = start + postHeaderLength(format, EventType.INCIDENT, 2);
  const message = r.remaining > 0 ? r.str(r.u8('incident message length'), 'incident message') : '';
  return { kind: 'incident', incident, message };
}

export function parseHeartbeat(buf: Buffer, start: number, end: number, version: 1 | 2, site: EventSite): HeartbeatBody {
  const r = new BodyReader(buf, start, end, site);
  if (version === 1) return { kind: 'heartbeat', version, logFile: r.rest('utf8') };
  let logFile = '';
  let logPosition: bigint | undefined;
  while (r.pos < r.end) {
    const field = r.u8('heartbeat field');
    if (field === 0) break;
    const len = r.packed('heartbeat field length');
    const v = new BodyReader(buf, r.pos, r.pos + len, site);
    r.skip(len, 'heartbeat field');
    if (field === 1) logFile = v.rest('utf8');
    else if (field === 2) logPosition = v.packedBig('heartbeat position');
  }
  return logPosition === undefined ? { kind: 'heartbeat', version, logFile } : { kind: 'heartbeat', version, logFile, logPosition };
}

export function parseRowsQuery(buf: Buffer, start: number, end: number, site: EventSite): RowsQueryBody {
  const r = new BodyReader(buf, start, end, site);
  r.skip(1, 'rows query length'); // a one-byte length, truncated for long statements: the rest is the statement
  return { kind: 'rows_query', statement: r.rest('utf8') };
}

export function parseAnnotateRows(buf: Buffer, start: number, end: number, site: EventSite): AnnotateRowsBody {
  return { kind: 'annotate_rows', statement: new BodyReader(buf, start, end, site).rest('utf8') };
}

export function parseBinlogCheckpoint(buf: Buffer, start: number, end: number, site: EventSite): BinlogCheckpointBody {
  const r = new BodyReader(buf, start, end, site);
  const len = r.u32('checkpoint file length');
  return { kind: 'binlog_checkpoint', file: r.str(len, 'checkpoint file') };
}

export function parseXaPrepare(buf: Buffer, start: number, end: number, site: EventSite): XaPrepareBody {
  const r = new BodyReader(buf, start, end, site);
  const onePhase = r.u8('xa one phase') !== 0;
  const formatId = r.u32('xa format id');
  const gl = r.u32('xa gtrid length');
  const bl = r.u32('xa bqual length');
  return { kind: 'xa_prepare', onePhase, formatId, gtrid: r.copy(gl, 'xa gtrid'), bqual: r.copy(bl, 'xa bqual') };
}

export function parseLoad(buf: Buffer, start: number, end: number, type: number, format: FormatDescription, site: EventSite): LoadBody {
  const r = new BodyReader(buf, start, end, site);
  switch (type) {
    case EventType.APPEND_BLOCK:
    case EventType.BEGIN_LOAD_QUERY: {
      const fileId = r.u32('file id');
      r.pos = start + postHeaderLength(format, type, 4);
      return {
        kind: 'load',
        subtype: type === EventType.APPEND_BLOCK ? 'append_block' : 'begin_load_query',
        fileId,
        data: r.copy(r.remaining, 'block data'),
      };
    }
    case EventType.EXEC_LOAD:
    case EventType.DELETE_FILE:
      return { kind: 'load', subtype: type === EventType.EXEC_LOAD ? 'exec_load' : 'delete_file', fileId: r.u32('file id') };
    case EventType.CREATE_FILE:
      return { kind: 'load', subtype: 'create_file', raw: r.copy(r.remaining) };
    case EventType.NEW_LOAD:
      return { kind: 'load', subtype: 'new_load', raw: r.copy(r.remaining) };
    default:
      return { kind: 'load', subtype: 'load', raw: r.copy(r.remaining) };
  }
}
