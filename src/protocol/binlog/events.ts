/**
 * The decoded binlog event: a readonly discriminated union keyed by `kind`.
 * Every event carries its header (type name and code, timestamp, server id,
 * flags) and its place in the binlog as BinlogPosition values: `pos` where the
 * event starts and `nextPos` where the next one starts (the commit position of
 * an XID or COMMIT). Events that came out of a MySQL TRANSACTION_PAYLOAD carry
 * the payload event's positions and `inPayload: true`.
 *
 * What the bytes say, not what they mean: no event here is interpreted against
 * a schema history, except rows, whose cell values are decoded by TABLE_MAP
 * types and named from the caller's schema or TABLE_MAP optional metadata.
 *
 * MySQL reference: libbinlogevents/include/{control,statement,rows}_events.h;
 * MariaDB: sql/log_event.h and the KB "Replication protocol" pages.
 */
import type { BinlogPosition } from '../../core/position.js';
import type { ColumnDecodeInfo, JsonValue } from '../values/column.js';

export interface EventHeader {
  /** Printable type name (`QUERY`, `WRITE_ROWS_V2`, `MARIA_GTID`, `TYPE_100`). */
  readonly type: string;
  readonly typeCode: number;
  /** Seconds since the epoch, as the server wrote it. */
  readonly timestamp: number;
  readonly serverId: number;
  readonly eventSize: number;
  /** The header's log_pos field as written (0 in MariaDB ≥ 11.4 large files, a master position in relay logs). */
  readonly logPos: number;
  readonly flags: number;
  readonly pos: BinlogPosition;
  readonly nextPos: BinlogPosition;
  /** True for events decoded from inside a TRANSACTION_PAYLOAD event. */
  readonly inPayload: boolean;
}

export type ChecksumAlgorithm = 'none' | 'crc32';

export interface FormatDescriptionBody {
  readonly kind: 'format_description';
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** null when the server predates binlog checksums (no algorithm byte). */
  readonly checksum: ChecksumAlgorithm | null;
  readonly postHeaderLengths: readonly number[];
}

export interface StartV3Body {
  readonly kind: 'start_v3';
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
}

export interface RotateBody {
  readonly kind: 'rotate';
  readonly nextFile: string;
  readonly nextOffset: bigint;
}

export interface StopBody {
  readonly kind: 'stop';
}

/** Parsed QUERY status variables; absent ones are undefined. */
export interface QueryStatus {
  readonly flags2?: number;
  readonly sqlMode?: bigint;
  readonly catalog?: string;
  readonly autoIncrementIncrement?: number;
  readonly autoIncrementOffset?: number;
  readonly charsetClient?: number;
  readonly collationConnection?: number;
  readonly collationServer?: number;
  readonly timeZone?: string;
  readonly lcTimeNames?: number;
  readonly collationDatabase?: number;
  readonly tableMapForUpdate?: bigint;
  readonly masterDataWritten?: number;
  readonly invoker?: { readonly user: string; readonly host: string };
  /** null when the statement touched more databases than the server lists. */
  readonly updatedDbNames?: readonly string[] | null;
  readonly microseconds?: number;
  readonly commitTs?: bigint;
  readonly explicitDefaultsTs?: number;
  readonly ddlXid?: bigint;
  readonly defaultCollationForUtf8mb4?: number;
  readonly sqlRequirePrimaryKey?: number;
  readonly defaultTableEncryption?: number;
  /** MariaDB Q_HRNOW: microseconds part of the statement time. */
  readonly hrnow?: number;
  /** MariaDB Q_XID. */
  readonly xid?: bigint;
  /** MariaDB Q_GTID_FLAGS3. */
  readonly gtidFlags3?: number;
  /** MariaDB, with gtid_flags3 COMMIT or ROLLBACK ALTER: the sequence number of the START ALTER it ends. */
  readonly startAlterSeqNo?: bigint;
  /** MariaDB ≥ 11.2 (131): the session's character_set_collations, as [charset id, collation id] pairs. */
  readonly characterSetCollations?: ReadonlyArray<readonly [number, number]>;
  /** Set when parsing stopped at a status variable binsnap does not know (the rest is skipped: its total length is known). */
  readonly unknownCode?: number;
}

export interface QueryBody {
  readonly kind: 'query';
  readonly threadId: number;
  readonly execTime: number;
  readonly database: string;
  readonly errorCode: number;
  readonly statement: string;
  readonly status: QueryStatus;
  /** MariaDB QUERY_COMPRESSED. */
  readonly compressed: boolean;
  /** EXECUTE_LOAD_QUERY only. */
  readonly load?: { readonly fileId: number; readonly startPos: number; readonly endPos: number; readonly dupHandling: number };
}

export interface XidBody {
  readonly kind: 'xid';
  readonly xid: bigint;
}

export interface IntvarBody {
  readonly kind: 'intvar';
  /** 1 LAST_INSERT_ID, 2 INSERT_ID. */
  readonly varType: number;
  readonly value: bigint;
}

export interface RandBody {
  readonly kind: 'rand';
  readonly seed1: bigint;
  readonly seed2: bigint;
}

export interface UserVarBody {
  readonly kind: 'user_var';
  readonly name: string;
  /** null for SET @x = NULL. */
  readonly value: null | {
    /** Item_result: 0 STRING, 1 REAL, 2 INT, 3 ROW, 4 DECIMAL. */
    readonly valueType: number;
    readonly collation: number;
    readonly bytes: Buffer;
    readonly unsigned: boolean;
  };
}

/** One column as TABLE_MAP describes it, optional metadata folded in. */
export interface TableMapColumn {
  /** The TABLE_MAP type code, or the real type (ENUM/SET/STRING) hidden in STRING metadata. */
  readonly type: number;
  /** The TABLE_MAP type code as written. */
  readonly binlogType: number;
  readonly meta: number;
  readonly nullable: boolean;
  readonly name?: string;
  readonly unsigned?: boolean;
  readonly collation?: number;
  readonly enumLabels?: readonly string[];
  readonly setLabels?: readonly string[];
  readonly geometryType?: number;
  readonly visible?: boolean;
  readonly vectorDimensions?: number;
}

export interface TableMapBody {
  readonly kind: 'table_map';
  readonly tableId: number;
  readonly flags: number;
  readonly database: string;
  readonly table: string;
  readonly columns: readonly TableMapColumn[];
  /** Primary key column indexes with the prefix length (0 = whole column), from optional metadata. */
  readonly primaryKey?: readonly { readonly column: number; readonly prefix: number }[];
  /** Optional metadata field types present (1 SIGNEDNESS … 13 VECTOR_DIMENSIONALITY). */
  readonly optionalMetadata: readonly number[];
  /** False for MySQL 5.1.15-5.1.17 TABLE_MAPs, which carry no type metadata (their rows cannot be decoded). */
  readonly hasMetadata: boolean;
}

/**
 * A row image: one slot per table column. `undefined` = the column is absent
 * from this image (MINIMAL/NOBLOB), `null` = SQL NULL, otherwise the SPEC §3 value.
 */
export type RowImage = readonly (JsonValue | undefined)[];

export type RowChange =
  | { readonly after: RowImage; readonly before?: undefined }
  | {
      readonly before: RowImage;
      readonly after: RowImage;
      /**
       * PARTIAL_UPDATE_ROWS with a MINIMAL before image: JSON diffs (MySQL binary
       * diff format) for columns left absent in `after`, to apply to the column's
       * previous version.
       */
      readonly jsonDiffs?: readonly { readonly column: number; readonly diffs: Buffer }[];
    }
  | { readonly before: RowImage; readonly after?: undefined };

export type RowsAction = 'insert' | 'update' | 'delete';

/**
 * A rows event's row data as it is in the binlog, beside `rows` when the decoder defers rows
 * (DecoderOptions.deferRows): for a consumer that reads the cells itself and never touches
 * `rows`, which is then never decoded. `data[start, end)` holds the rows exactly as decodeRows
 * reads them; `infos` are the columns as it decodes them (readCell).
 */
export interface RawRows {
  readonly data: Buffer;
  readonly start: number;
  readonly end: number;
  /** Whether the first image of each row (an insert's only one) holds every column. */
  readonly fullImage: boolean;
  /** Whether an update's after image holds every column (other events: as fullImage). */
  readonly fullAfter: boolean;
  readonly infos: readonly ColumnDecodeInfo[];
}

export interface RowsBody {
  readonly kind: 'rows';
  readonly action: RowsAction;
  /** 0 PRE_GA (20-22), 1 (23-25, MariaDB 166-168), 2 (30-32, 39, MariaDB 169-171). */
  readonly version: 0 | 1 | 2;
  readonly tableId: number;
  readonly flags: number;
  readonly database: string;
  readonly table: string;
  /** Column names (`@1`, `@2`… when neither schema nor metadata names them). */
  readonly columnNames: readonly string[];
  readonly extraData?: Buffer;
  /** The rows; with `raw` (a decoder deferring rows) decoded each time this is read (read it once), with the same result and errors. */
  readonly rows: readonly RowChange[];
  readonly raw?: RawRows;
  /** MySQL PARTIAL_UPDATE_ROWS: JSON diffs already applied to the before image. */
  readonly partial: boolean;
  readonly compressed: boolean;
}

export interface MysqlGtidBody {
  readonly kind: 'gtid';
  readonly anonymous: boolean;
  readonly tagged: boolean;
  readonly commitFlag: number;
  /** Source UUID in 8-4-4-4-12 form. */
  readonly sid: string;
  readonly tag?: string;
  readonly gno: bigint;
  readonly lastCommitted?: bigint;
  readonly sequenceNumber?: bigint;
  /** Microseconds since the epoch. */
  readonly immediateCommitTimestamp?: bigint;
  readonly originalCommitTimestamp?: bigint;
  readonly transactionLength?: bigint;
  readonly immediateServerVersion?: number;
  readonly originalServerVersion?: number;
}

export interface GtidSetEntry {
  readonly sid: string;
  readonly tag?: string;
  /** Half-open [start, end) intervals as MySQL stores them. */
  readonly intervals: readonly (readonly [bigint, bigint])[];
}

export interface PreviousGtidsBody {
  readonly kind: 'previous_gtids';
  readonly sets: readonly GtidSetEntry[];
}

export interface MariaGtidBody {
  readonly kind: 'maria_gtid';
  readonly domainId: number;
  readonly seqNo: bigint;
  readonly gtidFlags: number;
  readonly commitId?: bigint;
  readonly xa?: { readonly formatId: number; readonly gtrid: Buffer; readonly bqual: Buffer };
  /** True when there is no terminating COMMIT/XID (DDL and other stand-alone groups). */
  readonly standalone: boolean;
}

export interface MariaGtidListBody {
  readonly kind: 'maria_gtid_list';
  readonly listFlags: number;
  readonly gtids: readonly { readonly domainId: number; readonly serverId: number; readonly seqNo: bigint }[];
}

export interface BinlogCheckpointBody {
  readonly kind: 'binlog_checkpoint';
  readonly file: string;
}

export interface AnnotateRowsBody {
  readonly kind: 'annotate_rows';
  readonly statement: string;
}

export interface RowsQueryBody {
  readonly kind: 'rows_query';
  readonly statement: string;
}

export interface TransactionPayloadBody {
  readonly kind: 'transaction_payload';
  readonly compression: 'zstd' | 'none';
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** How many events were inside; they follow this one, with inPayload = true. */
  readonly eventCount: number;
}

export interface HeartbeatBody {
  readonly kind: 'heartbeat';
  readonly version: 1 | 2;
  readonly logFile: string;
  readonly logPosition?: bigint;
}

export interface IncidentBody {
  readonly kind: 'incident';
  readonly incident: number;
  readonly message: string;
}

export interface XaPrepareBody {
  readonly kind: 'xa_prepare';
  readonly onePhase: boolean;
  readonly formatId: number;
  readonly gtrid: Buffer;
  readonly bqual: Buffer;
}

export interface LoadBody {
  readonly kind: 'load';
  readonly subtype: 'load' | 'new_load' | 'create_file' | 'append_block' | 'exec_load' | 'delete_file' | 'begin_load_query';
  readonly fileId?: number;
  readonly data?: Buffer;
  /** The body (after the common header, without checksum) for the old forms not decoded field by field. */
  readonly raw?: Buffer;
}

/** IGNORABLE, VIEW_CHANGE, TRANSACTION_CONTEXT, SLAVE: kept as bytes (group replication internals). */
export interface OpaqueBody {
  readonly kind: 'opaque';
  readonly raw: Buffer;
}

/** An unknown event type that was skipped (ignorable flag or skipUnknownEvents). */
export interface UnknownBody {
  readonly kind: 'unknown';
  readonly ignorable: boolean;
  readonly raw: Buffer;
}

export type EventBody =
  | FormatDescriptionBody
  | StartV3Body
  | RotateBody
  | StopBody
  | QueryBody
  | XidBody
  | IntvarBody
  | RandBody
  | UserVarBody
  | TableMapBody
  | RowsBody
  | MysqlGtidBody
  | PreviousGtidsBody
  | MariaGtidBody
  | MariaGtidListBody
  | BinlogCheckpointBody
  | AnnotateRowsBody
  | RowsQueryBody
  | TransactionPayloadBody
  | HeartbeatBody
  | IncidentBody
  | XaPrepareBody
  | LoadBody
  | OpaqueBody
  | UnknownBody;

export type EventKind = EventBody['kind'];

export type DecodedEvent = EventHeader & EventBody;
export type TableMapEvent = EventHeader & TableMapBody;
export type RowsEvent = EventHeader & RowsBody;
