/**
 * QUERY (2), MariaDB QUERY_COMPRESSED (165) and EXECUTE_LOAD_QUERY (18).
 *
 * Layout (v4): post-header thread_id u32, exec_time u32, db_len u8,
 * error_code u16, status_vars_len u16 (absent in v1/v3, whose post-header is
 * 11 bytes), [EXECUTE_LOAD_QUERY: file_id u32, start u32, end u32, dup u8],
 * then the status variables, the database name and a NUL, then the statement
 * (zlib-compressed in QUERY_COMPRESSED).
 *
 * Invariant: the status block has a declared total length, so an unknown
 * status variable code stops parsing the block (recorded as `unknownCode`)
 * without losing the database name or statement.
 * Reference: libbinlogevents/src/statement_events.cpp (Query_event), MariaDB
 * KB "QUERY_EVENT".
 */
import { isBinsnapError } from '../../core/errors.js';
import { utf8Text } from '../../core/slices.js';
import { CharsetKind, charsetOfCollation, decodeText } from '../values/charsets.js';
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';
import { EventType } from './event-types.js';
import type { QueryBody, QueryStatus } from './events.js';
import { postHeaderLength, type FormatDescription } from './format-description.js';
import { mariaUncompress } from './maria-compression.js';

/** Bits of MariaDB's gtid_flags3 (status variable 130) for ALTERs in two phases. */
export const GTID_FLAGS3_START_ALTER = 2;
export const GTID_FLAGS3_COMMIT_ALTER = 4;
export const GTID_FLAGS3_ROLLBACK_ALTER = 8;

type MutableStatus = { -readonly [K in keyof QueryStatus]: QueryStatus[K] };

function parseStatus(r: BodyReader): QueryStatus {
  const s: MutableStatus = {};
  while (r.pos < r.end) {
    const code = r.u8('status code');
    switch (code) {
      case 0:
        s.flags2 = r.u32('flags2');
        break;
      case 1:
        s.sqlMode = r.u64('sql_mode');
        break;
      case 2: {
        const n = r.u8('catalog length');
        s.catalog = r.str(n, 'catalog');
        r.skip(1, 'catalog terminator');
        break;
      }
      case 3:
        s.autoIncrementIncrement = r.u16('auto_increment_increment');
        s.autoIncrementOffset = r.u16('auto_increment_offset');
        break;
      case 4:
        s.charsetClient = r.u16('character_set_client');
        s.collationConnection = r.u16('collation_connection');
        s.collationServer = r.u16('collation_server');
        break;
      case 5:
        s.timeZone = r.str(r.u8('time_zone length'), 'time_zone');
        break;
      case 6:
        s.catalog = r.str(r.u8('catalog length'), 'catalog');
        break;
      case 7:
        s.lcTimeNames = r.u16('lc_time_names');
        break;
      case 8:
        s.collationDatabase = r.u16('collation_database');
        break;
      case 9:
        s.tableMapForUpdate = r.u64('table_map_for_update');
        break;
      case 10:
        s.masterDataWritten = r.u32('master_data_written');
        break;
      case 11: {
        const user = r.str(r.u8('invoker user length'), 'invoker user');
        const host = r.str(r.u8('invoker host length'), 'invoker host');
        s.invoker = { user, host };
        break;
      }
      case 12: {
        const count = r.u8('updated db count');
        if (count === 254) {
          s.updatedDbNames = null;
        } else {
          const names: string[] = [];
          for (let i = 0; i < count; i++) names.push(r.cstr('updated db name'));
          s.updatedDbNames = names;
        }
        break;
      }
      case 13:
        s.microseconds = r.u24('microseconds');
        break;
      case 14:
      case 15:
        s.commitTs = r.u64('commit_ts');
        break;
      case 16:
        s.explicitDefaultsTs = r.u8('explicit_defaults_for_timestamp');
        break;
      case 17:
        s.ddlXid = r.u64('ddl_xid');
        break;
      case 18:
        s.defaultCollationForUtf8mb4 = r.u16('default_collation_for_utf8mb4');
        break;
      case 19:
        s.sqlRequirePrimaryKey = r.u8('sql_require_primary_key');
        break;
      case 20:
        s.defaultTableEncryption = r.u8('default_table_encryption');
        break;
      case 128:
        s.hrnow = r.u24('hrnow');
        break;
      case 129:
        s.xid = r.u64('xid');
        break;
      case 130: {
        // MariaDB ≥ 10.8 (binlog_alter_two_phase): the second phase of an ALTER, committed (4) or
        // rolled back (8), carries the sequence number of its START ALTER (2).
        const flags3 = r.u8('gtid_flags3');
        s.gtidFlags3 = flags3;
        if ((flags3 & (GTID_FLAGS3_COMMIT_ALTER | GTID_FLAGS3_ROLLBACK_ALTER)) !== 0) s.startAlterSeqNo = r.u64('start alter sequence number');
        break;
      }
      case 131: {
        // MariaDB ≥ 11.2, a session's character_set_collations: a count, then per pair the
        // character set (its primary collation id) and the collation it defaults to. Written
        // before code 4 (seen on 11.4), so skipping it would lose the charsets that follow.
        const n = r.u8('character_set_collations count');
        const pairs: Array<readonly [number, number]> = [];
        for (let i = 0; i < n; i++) pairs.push([r.u16('character set'), r.u16('collation')]);
        s.characterSetCollations = pairs;
        break;
      }
      default:
        // The block's total length is known: skip what we cannot read.
        s.unknownCode = code;
        r.pos = r.end;
        break;
    }
  }
  return s;
}

/**
 * The statement as text. The server logs it as the session sent it: in the session's
 * character_set_client (status variable 4), which a latin1 or cp1251 client makes other than
 * utf8 (`mariadb-binlog` writes `SET @@session.character_set_client` before it for the same
 * reason). utf8 when the variable is absent or names no character set binsnap decodes.
 */
function statementText(b: Buffer, s: number, e: number, charsetClient: number | undefined): string {
  const cset = charsetOfCollation(charsetClient);
  if (cset === undefined || cset.kind === CharsetKind.Utf8 || cset.kind === CharsetKind.Binary) return utf8Text(b, s, e);
  try {
    return decodeText(b, s, e, cset, 'statement');
  } catch (err) {
    // A character set known only for its ASCII part, with bytes above it: utf8, as before.
    if (isBinsnapError(err)) return utf8Text(b, s, e);
    throw err;
  }
}

export function parseQuery(
  buf: Buffer,
  bodyStart: number,
  bodyEnd: number,
  type: number,
  format: FormatDescription,
  site: EventSite,
  maxSize?: number,
): QueryBody {
  const isLoad = type === EventType.EXECUTE_LOAD_QUERY;
  const defaultPost = format.binlogVersion === 4 ? (isLoad ? 26 : 13) : 11;
  const post = postHeaderLength(format, type === EventType.MARIA_QUERY_COMPRESSED ? EventType.QUERY : type, defaultPost);
  const r = new BodyReader(buf, bodyStart, bodyEnd, site);
  r.need(post, 'query post-header');
  const threadId = r.u32('thread id');
  const execTime = r.u32('exec time');
  const dbLen = r.u8('db length');
  const errorCode = r.u16('error code');
  const statusLen = post >= 13 ? r.u16('status length') : 0;
  let load: QueryBody['load'];
  if (isLoad && post >= 26) {
    load = { fileId: r.u32('file id'), startPos: r.u32('start pos'), endPos: r.u32('end pos'), dupHandling: r.u8('dup handling') };
  }
  r.pos = bodyStart + post;
  r.need(statusLen, 'status variables');
  const statusEnd = r.pos + statusLen;
  const status = parseStatus(new BodyReader(buf, r.pos, statusEnd, site));
  r.pos = statusEnd;
  const database = r.str(dbLen, 'database');
  r.skip(1, 'database terminator');
  let statement: string;
  const compressed = type === EventType.MARIA_QUERY_COMPRESSED;
  if (compressed) {
    const text = mariaUncompress(buf, r.pos, bodyEnd, site, maxSize);
    statement = statementText(text, 0, text.length, status.charsetClient);
  } else {
    statement = r.pos >= r.end ? '' : statementText(buf, r.pos, r.end, status.charsetClient);
    r.pos = r.end;
  }
  if (statement.length > 0 && statement.charCodeAt(statement.length - 1) === 0 && format.binlogVersion < 4) {
    // Some 4.x servers wrote a terminating NUL after the statement.
    statement = statement.slice(0, -1);
  }
  if (r.pos > bodyEnd) throw corruptEvent(site, 'query runs past the event');
  return { kind: 'query', threadId, execTime, database, errorCode, statement, status, compressed, ...(load ? { load } : {}) };
}
