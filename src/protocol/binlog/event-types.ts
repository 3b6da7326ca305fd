/**
 * Binlog event type codes and their names.
 *
 * Codes follow MySQL's `Log_event_type` (libbinlogevents/include/binlog_event.h)
 * and MariaDB's additions from 160 up (sql/log_event.h, MariaDB KB
 * "Replication protocol"). Names are the short upper-case form used in the
 * fixture manifest (`WRITE_ROWS_V1`, `MARIA_GTID`, …); an unnamed code prints
 * as `TYPE_<n>`.
 */
export const EventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  LOAD: 6,
  SLAVE: 7,
  CREATE_FILE: 8,
  APPEND_BLOCK: 9,
  EXEC_LOAD: 10,
  DELETE_FILE: 11,
  NEW_LOAD: 12,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  BEGIN_LOAD_QUERY: 17,
  EXECUTE_LOAD_QUERY: 18,
  TABLE_MAP: 19,
  PRE_GA_WRITE_ROWS: 20,
  PRE_GA_UPDATE_ROWS: 21,
  PRE_GA_DELETE_ROWS: 22,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  MARIA_ANNOTATE_ROWS: 160,
  MARIA_BINLOG_CHECKPOINT: 161,
  MARIA_GTID: 162,
  MARIA_GTID_LIST: 163,
  MARIA_START_ENCRYPTION: 164,
  MARIA_QUERY_COMPRESSED: 165,
  MARIA_WRITE_ROWS_COMPRESSED_V1: 166,
  MARIA_UPDATE_ROWS_COMPRESSED_V1: 167,
  MARIA_DELETE_ROWS_COMPRESSED_V1: 168,
  MARIA_WRITE_ROWS_COMPRESSED: 169,
  MARIA_UPDATE_ROWS_COMPRESSED: 170,
  MARIA_DELETE_ROWS_COMPRESSED: 171,
} as const;

export type EventTypeName = keyof typeof EventType;

const NAMES: string[] = [];
for (const [name, code] of Object.entries(EventType)) NAMES[code] = name;

/** The printable name of a type code (`TYPE_<n>` when binsnap has no name for it). */
export function eventTypeName(code: number): string {
  return NAMES[code] ?? `TYPE_${code}`;
}

/** Header flags (binlog_event.h). */
export const EventFlag = {
  /** Set in the FDE of a file the server has not closed cleanly; cleared before CRC. */
  BINLOG_IN_USE: 0x1,
  /** Made up by the server for the stream (the rotate at connect), not in any file. */
  ARTIFICIAL: 0x20,
  /** The event may be ignored by a reader that does not know its type. */
  IGNORABLE: 0x80,
} as const;
