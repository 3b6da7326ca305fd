/**
 * Dispatch from an event type code to the parser of its body. The exhaustive
 * list of what binsnap knows; anything else is BINSNAP_E_BINLOG_UNKNOWN_EVENT
 * unless the event is flagged ignorable or the caller asked to skip unknown
 * events (then `{kind: 'unknown'}`, for the caller to log).
 *
 * Invariant: rows events are decoded with the TABLE_MAP seen last for their
 * table id in this format section, and the schema resolved once per TABLE_MAP.
 */
import { BinsnapError } from '../../core/errors.js';
import { u16le, u32le } from '../values/bytes.js';
import type { BinlogPosition } from '../../core/position.js';
import { type EventSite, BodyReader, corruptEvent } from './body-reader.js';
import { EventFlag, EventType, eventTypeName } from './event-types.js';
import type { EventBody, TableMapBody, TableMapEvent } from './events.js';
import { postHeaderLength, type FormatDescription } from './format-description.js';
import { parseMariaGtid, parseMariaGtidList, parseMysqlGtid, parsePreviousGtids, parseTaggedGtid } from './gtid-events.js';
import {
  parseAnnotateRows,
  parseBinlogCheckpoint,
  parseHeartbeat,
  parseIncident,
  parseIntvar,
  parseLoad,
  parseRand,
  parseRotate,
  parseRowsQuery,
  parseUserVar,
  parseXaPrepare,
  parseXid,
} from './misc-events.js';
import { parseQuery } from './query-event.js';
import { DeferredRows, decodeRows, parseRowsPrelude, rowsKindOf } from './rows-event.js';
import { parseTableMap } from './table-map.js';
import { resolveTable, type ResolvedTable, type SchemaLookup } from './table-schema.js';

export interface TableEntry {
  readonly map: TableMapBody;
  /** A copy of the TABLE_MAP body bytes `map` was parsed from. */
  readonly raw?: Buffer;
  /** The whole TABLE_MAP event, set once it is built (for the schema lookup). */
  event?: TableMapEvent;
  resolved?: ResolvedTable;
}

export interface DecodeState {
  readonly tables: Map<number, TableEntry>;
  readonly schema: SchemaLookup | undefined;
  readonly skipUnknownEvents: boolean;
  /** Upper bound for any decompressed size (a forged length never allocates more). */
  readonly maxEventSize: number;
  /** Rows events keep their row data (a DeferredRows body) and decode `rows` when it is read (DecoderOptions.deferRows). */
  readonly deferRows: boolean;
  /** The position at a file offset (for the schema lookup). */
  position(offset: number): BinlogPosition;
}

/** Whether `raw` holds exactly the bytes `buf[start, end)` (a byte loop: the maps are short, Buffer.compare's checks cost more). */
function sameBytes(raw: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = raw.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (raw[i] !== buf[start + i]) return false;
  return true;
}

export function decodeEventBody(
  state: DecodeState,
  buf: Buffer,
  start: number,
  end: number,
  type: number,
  flags: number,
  fmt: FormatDescription,
  site: EventSite,
  /** File offset of the event (its position is made only for a schema lookup). */
  at: number,
): EventBody | DeferredRows {
  const rowsKind = rowsKindOf(type);
  if (rowsKind) {
    const prelude = parseRowsPrelude(buf, start, end, type, rowsKind, fmt, site, state.maxEventSize);
    const entry = state.tables.get(prelude.tableId);
    if (!entry) {
      if (prelude.start >= prelude.end) {
        // A dummy end-of-statement event (table id ~0) or an empty one: nothing to decode.
        return {
          kind: 'rows',
          action: rowsKind.action,
          version: rowsKind.version,
          tableId: prelude.tableId,
          flags: prelude.flags,
          database: '',
          table: '',
          columnNames: [],
          rows: [],
          partial: rowsKind.partial,
          compressed: rowsKind.compressed,
        };
      }
      throw new BinsnapError('BINSNAP_E_BINLOG_NO_TABLE_MAP', `rows event for table id ${prelude.tableId} without a TABLE_MAP before it`, {
        file: site.file,
        offset: site.offset,
        tableId: prelude.tableId,
      });
    }
    if (!entry.map.hasMetadata || rowsKind.version === 0) {
      // mariadb-binlog cannot read these rows either ("Write_rows_old ... Number of rows: 0").
      throw new BinsnapError(
        'BINSNAP_E_BINLOG_UNSUPPORTED_VERSION',
        `rows event in the pre-GA MySQL 5.1 layout (types 20-22, or a TABLE_MAP without type metadata) for ${entry.map.database}.${entry.map.table}`,
        { file: site.file, offset: site.offset, table: `${entry.map.database}.${entry.map.table}` },
      );
    }
    if (!entry.resolved) {
      const pos = state.position(at);
      const schema = state.schema && entry.event ? state.schema(entry.map.database, entry.map.table, entry.event, pos) : undefined;
      entry.resolved = resolveTable(entry.map, schema, pos);
    }
    return state.deferRows
      ? new DeferredRows(prelude, rowsKind, entry.map, entry.resolved, site)
      : decodeRows(prelude, rowsKind, entry.map, entry.resolved, site);
  }
  switch (type) {
    case EventType.QUERY:
    case EventType.MARIA_QUERY_COMPRESSED:
    case EventType.EXECUTE_LOAD_QUERY:
      return parseQuery(buf, start, end, type, fmt, site, state.maxEventSize);
    case EventType.TABLE_MAP: {
      // A transaction-per-row workload repeats the same TABLE_MAP before every rows
      // event: when the body is byte-for-byte the last one of its table id, reuse the
      // parsed map (and, without a schema lookup, the resolved columns).
      const idLen = postHeaderLength(fmt, EventType.TABLE_MAP, 8) === 6 ? 4 : 6;
      if (end - start >= idLen) {
        const prev = state.tables.get(idLen === 6 ? u32le(buf, start) + u16le(buf, start + 4) * 4294967296 : u32le(buf, start));
        const raw = prev?.raw;
        if (prev !== undefined && raw !== undefined && sameBytes(raw, buf, start, end)) {
          const entry: TableEntry = { map: prev.map, raw };
          if (state.schema === undefined && prev.resolved !== undefined) entry.resolved = prev.resolved;
          state.tables.set(prev.map.tableId, entry);
          return prev.map;
        }
      }
      const map = parseTableMap(buf, start, end, fmt, site);
      state.tables.set(map.tableId, { map, raw: Buffer.from(buf.subarray(start, end)) });
      return map;
    }
    case EventType.XID:
      return parseXid(buf, start, end, site);
    case EventType.ROTATE:
      return parseRotate(buf, start, end, fmt, site);
    case EventType.STOP:
      return { kind: 'stop' };
    case EventType.INTVAR:
      return parseIntvar(buf, start, end, site);
    case EventType.RAND:
      return parseRand(buf, start, end, site);
    case EventType.USER_VAR:
      return parseUserVar(buf, start, end, site);
    case EventType.GTID:
    case EventType.ANONYMOUS_GTID:
      return parseMysqlGtid(buf, start, end, type === EventType.ANONYMOUS_GTID, site);
    case EventType.GTID_TAGGED:
      return parseTaggedGtid(buf, start, end, site);
    case EventType.PREVIOUS_GTIDS:
      return parsePreviousGtids(buf, start, end, site);
    case EventType.MARIA_GTID:
      return parseMariaGtid(buf, start, end, site);
    case EventType.MARIA_GTID_LIST:
      return parseMariaGtidList(buf, start, end, site);
    case EventType.MARIA_BINLOG_CHECKPOINT:
      return parseBinlogCheckpoint(buf, start, end, site);
    case EventType.MARIA_ANNOTATE_ROWS:
      return parseAnnotateRows(buf, start, end, site);
    case EventType.ROWS_QUERY:
      return parseRowsQuery(buf, start, end, site);
    case EventType.HEARTBEAT:
      return parseHeartbeat(buf, start, end, 1, site);
    case EventType.HEARTBEAT_V2:
      return parseHeartbeat(buf, start, end, 2, site);
    case EventType.INCIDENT:
      return parseIncident(buf, start, end, fmt, site);
    case EventType.XA_PREPARE:
      return parseXaPrepare(buf, start, end, site);
    case EventType.LOAD:
    case EventType.NEW_LOAD:
    case EventType.CREATE_FILE:
    case EventType.APPEND_BLOCK:
    case EventType.EXEC_LOAD:
    case EventType.DELETE_FILE:
    case EventType.BEGIN_LOAD_QUERY:
      return parseLoad(buf, start, end, type, fmt, site);
    case EventType.IGNORABLE:
    case EventType.VIEW_CHANGE:
    case EventType.TRANSACTION_CONTEXT:
    case EventType.SLAVE:
      return { kind: 'opaque', raw: new BodyReader(buf, start, end, site).copy(end - start) };
    case EventType.FORMAT_DESCRIPTION:
    case EventType.START_V3:
      // Only valid as the first event (handled by the framing layer).
      throw corruptEvent(site, `${eventTypeName(type)} in the middle of the binlog`);
    default: {
      const ignorable = (flags & EventFlag.IGNORABLE) !== 0;
      if (ignorable || state.skipUnknownEvents) {
        return { kind: 'unknown', ignorable, raw: Buffer.from(buf.subarray(start, end)) };
      }
      throw new BinsnapError('BINSNAP_E_BINLOG_UNKNOWN_EVENT', `unknown event type ${type}`, {
        file: site.file,
        offset: site.offset,
        typeCode: type,
      });
    }
  }
}
