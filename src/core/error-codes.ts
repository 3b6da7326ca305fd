/**
 * The registry of every error a user can meet. Codes are stable: never rename or
 * reuse one; add new ones at the end of their section. `docs/errors.md` is
 * generated from this table and a unit test keeps the two in sync
 * (`UPDATE_DOCS=1 npx vitest run scripts/errors-doc.test.ts` rewrites it).
 *
 * exitCode follows SPEC §2: 1 runtime failure, 2 usage or configuration error,
 * 3 the source cannot be used as configured.
 * transient: a retry of the same operation may succeed (network, restart);
 * definite errors are never retried.
 */
export interface ErrorCodeInfo {
  readonly exitCode: 1 | 2 | 3;
  readonly transient: boolean;
  /** One line: what went wrong. */
  readonly summary: string;
  /** What the user should do about it. */
  readonly remedy: string;
}

export const ERROR_CODES = {
  // ── usage and configuration (exit 2) ────────────────────────────────────
  BINSNAP_E_USAGE: {
    exitCode: 2,
    transient: false,
    summary: 'The command line could not be understood (unknown command, flag or missing argument).',
    remedy: 'Run `binsnap --help` or `binsnap <command> --help` for the accepted flags.',
  },
  BINSNAP_E_CONFIG_INVALID: {
    exitCode: 2,
    transient: false,
    summary: 'A configuration value (flag, BINSNAP_* variable or config file field) is invalid.',
    remedy: 'Fix the named field; the message says which source it came from and what is accepted.',
  },
  BINSNAP_E_CONFIG_FILE: {
    exitCode: 2,
    transient: false,
    summary: 'The file given with --config cannot be read or is not valid JSON.',
    remedy: 'Check the path and that the file is a JSON object whose keys are flag names.',
  },
  BINSNAP_E_NOT_IMPLEMENTED: {
    exitCode: 2,
    transient: false,
    summary: 'The command exists in the interface but is not built yet in this version.',
    remedy: 'See CHANGELOG.md for what this version supports; use a newer version of binsnap.',
  },
  BINSNAP_E_POSITION_INVALID: {
    exitCode: 2,
    transient: false,
    summary: 'A binlog position is not of the form FILE:OFFSET (e.g. mysql-bin.000042:1337).',
    remedy: 'Give the binlog file name with its numeric suffix, a colon and a byte offset.',
  },
  BINSNAP_E_GTID_INVALID: {
    exitCode: 2,
    transient: false,
    summary: 'A GTID or GTID set cannot be parsed in the MySQL (uuid:1-5) or MariaDB (0-1-100) form.',
    remedy: 'Copy the set from SELECT @@gtid_executed (MySQL) or @@gtid_binlog_pos (MariaDB).',
  },

  // ── binlog files and the decoder (exit 1) ───────────────────────────────
  BINSNAP_E_BINLOG_FILE_NOT_FOUND: {
    exitCode: 1,
    transient: false,
    summary: 'A binlog file or directory cannot be opened.',
    remedy: 'Check the path and permissions; a directory must hold files named like mysql-bin.000001.',
  },
  BINSNAP_E_BINLOG_BAD_MAGIC: {
    exitCode: 1,
    transient: false,
    summary: 'The file does not start with the binlog magic bytes 0xFE "bin".',
    remedy: 'The file is not a MySQL/MariaDB binary log (or its first bytes are damaged); check the path.',
  },
  BINSNAP_E_BINLOG_TRUNCATED: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog ends in the middle of an event.',
    remedy: 'The file was cut short (copy interrupted, disk full, crash). Restore it from the server or a backup, or stop the replay before the named offset with --to.',
  },
  BINSNAP_E_BINLOG_CHECKSUM: {
    exitCode: 1,
    transient: false,
    summary: "An event's CRC32 checksum does not match its bytes.",
    remedy: 'The file is corrupt at the named offset. Fetch a fresh copy from the server, or stop the replay before that offset with --to.',
  },
  BINSNAP_E_BINLOG_UNSUPPORTED_VERSION: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog format version is not supported.',
    remedy: 'binsnap reads binlog format v4 (MySQL ≥ 5.0, MariaDB) and the v1/v3 headers of older files; convert older logs with a newer server.',
  },
  BINSNAP_E_BINLOG_NO_FORMAT_DESCRIPTION: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog does not begin with a FORMAT_DESCRIPTION event.',
    remedy: 'Start reading from the beginning of a binlog file; the format description is needed to decode anything after it.',
  },
  BINSNAP_E_BINLOG_CORRUPT_EVENT: {
    exitCode: 1,
    transient: false,
    summary: 'An event body is malformed (a length or count points outside the event).',
    remedy: 'The file is damaged at the named offset. Fetch a fresh copy, or stop the replay before that offset with --to.',
  },
  BINSNAP_E_BINLOG_UNKNOWN_EVENT: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog holds an event type this version of binsnap does not know.',
    remedy: 'Upgrade binsnap; or pass --skip-unknown-events to skip such events (each one is logged with its position).',
  },
  BINSNAP_E_BINLOG_ENCRYPTED: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog file is encrypted (MariaDB encrypt_binlog).',
    remedy: 'Read it from the server instead (the server decrypts on the replication stream) or export it decrypted with mariadb-binlog --read-from-remote-server.',
  },
  BINSNAP_E_BINLOG_DECOMPRESS: {
    exitCode: 1,
    transient: false,
    summary: 'A compressed event (MySQL transaction payload or MariaDB compressed event) cannot be decompressed.',
    remedy: 'The event is damaged at the named offset; fetch a fresh copy of the file.',
  },
  BINSNAP_E_UNKNOWN_COLUMN_TYPE: {
    exitCode: 1,
    transient: false,
    summary: 'A TABLE_MAP event names a column type binsnap cannot decode.',
    remedy: 'Upgrade binsnap; report the table, the type code and the server version.',
  },
  BINSNAP_E_SCHEMA_MISMATCH: {
    exitCode: 1,
    transient: false,
    summary: "A row event's columns do not match the schema known for that table at that position.",
    remedy: 'The schema history is missing a DDL statement: replay from an earlier position, or give the schema as it was with --schema-sql.',
  },
  BINSNAP_E_BINLOG_NO_TABLE_MAP: {
    exitCode: 1,
    transient: false,
    summary: 'A rows event refers to a table id that no TABLE_MAP event before it defined.',
    remedy: 'Start reading at a transaction boundary (the position of a GTID/BEGIN event, or a commit position), not in the middle of a transaction.',
  },
  BINSNAP_E_UNSUPPORTED_CHARSET: {
    exitCode: 1,
    transient: false,
    summary: 'A text value uses a character set binsnap cannot decode (dec8, cp850, hp8, cp852, keybcs2, macce, armscii8, geostd8) and holds non-ASCII bytes.',
    remedy: 'Convert the column to utf8mb4 (ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4), or report the character set so a decoder can be added.',
  },

  // ── the source server (exit 3 unless transient) ─────────────────────────
  BINSNAP_E_SOURCE_UNREACHABLE: {
    exitCode: 1,
    transient: true,
    summary: 'The source server cannot be reached or closed the connection.',
    remedy: 'Check host, port and network; binsnap retries this by itself with backoff.',
  },
  BINSNAP_E_SEED_INCOMPLETE: {
    exitCode: 1,
    transient: false,
    summary: 'The store holds an unfinished seed: its snapshot is not complete yet.',
    remedy:
      'Run `binsnap seed` again with the same --source and --tables: it resumes where the last attempt stopped. To start over instead, seed into a new store.',
  },
  BINSNAP_E_SOURCE_TLS: {
    exitCode: 3,
    transient: false,
    summary: 'The TLS handshake with the source failed: its certificate was not trusted or did not match, or TLS was required and the server has none.',
    remedy:
      'Give the CA that signed the server certificate with ?ssl-ca=FILE, use ssl=verify-ca instead of verify-identity when the certificate does not name the host you connect to, or ssl=preferred / ssl=disabled for a server without TLS.',
  },
  BINSNAP_E_SOURCE_AUTH: {
    exitCode: 3,
    transient: false,
    summary: 'The source server refused the user name or password.',
    remedy: 'Check the user and password in --source (or BINSNAP_SOURCE); the password is never printed.',
  },
  BINSNAP_E_SOURCE_BINLOG_OFF: {
    exitCode: 3,
    transient: false,
    summary: 'The source server does not write a binary log (log_bin is OFF).',
    remedy: 'Start the server with log_bin (and binlog_format=ROW), or point binsnap at a server that has it.',
  },
  BINSNAP_E_SOURCE_FORMAT_NOT_ROW: {
    exitCode: 3,
    transient: false,
    summary: 'The source server logs statements, not rows (binlog_format is not ROW).',
    remedy: 'Set binlog_format=ROW on the server (SET GLOBAL binlog_format=ROW and in its config file).',
  },
  BINSNAP_E_SOURCE_PRIVILEGE: {
    exitCode: 3,
    transient: false,
    summary: 'The source user lacks a privilege binsnap needs.',
    remedy: 'GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO the user binsnap connects as.',
  },
  BINSNAP_E_SOURCE_POSITION_PURGED: {
    exitCode: 3,
    transient: false,
    summary: 'The requested binlog position or GTID is no longer on the server (purged).',
    remedy: 'Start from a position listed by SHOW BINARY LOGS, or seed a new snapshot with `binsnap seed`.',
  },
  BINSNAP_E_SOURCE_PROTOCOL: {
    exitCode: 1,
    transient: true,
    summary: 'The source server sent bytes that break the replication protocol (out-of-order or oversized packet).',
    remedy: 'binsnap reconnects by itself; if it repeats, check for a proxy between binsnap and the server.',
  },
  BINSNAP_E_SOURCE_STALLED: {
    exitCode: 1,
    transient: true,
    summary: 'The source server sent neither events nor heartbeats within the heartbeat timeout.',
    remedy: 'binsnap reconnects by itself; check that the server is not overloaded or paused.',
  },
  BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID: {
    exitCode: 3,
    transient: false,
    summary: 'Another replica (a MySQL/MariaDB replica or another binsnap) took binsnap\'s server id on the source, which ended binsnap\'s stream.',
    remedy:
      'Give binsnap a server id no other replica of the source uses with --server-id (SHOW SLAVE HOSTS on the source lists them; ' +
      'binsnap registers as `binsnap-<instance>@<host>`). binsnap stops instead of reconnecting, which would cut the other replica off in turn.',
  },
  BINSNAP_E_SOURCE_REPLICATION: {
    exitCode: 1,
    transient: false,
    summary: 'The source server stopped the binlog stream with an error.',
    remedy: 'Read the server message in this error; fix the server or the requested position and start again.',
  },
  BINSNAP_E_SEED_SNAPSHOT: {
    exitCode: 1,
    transient: true,
    summary: 'The seed could not bring its read views to one binlog position without a global read lock, which --global-lock never forbids (MySQL always needs it).',
    remedy:
      'Allow a brief FLUSH TABLES WITH READ LOCK with --global-lock auto (needs RELOAD), or on MariaDB use --parallel 1 (one snapshot needs no alignment) ' +
      'or run the seed again at a quieter moment.',
  },
  BINSNAP_E_SOURCE_NAME_CASE: {
    exitCode: 3,
    transient: false,
    summary:
      'The source folds table names by another lower_case_table_names than the one the store was written with, so the names of its binlog would not match the stored history.',
    remedy:
      'Write into a new store (--store) and seed or replay it from this source; for binlog files, give --lower-case-table-names the value of the server that wrote them (SELECT @@lower_case_table_names).',
  },

  // ── the store (exit 1) ──────────────────────────────────────────────────
  BINSNAP_E_STORE_OPEN: {
    exitCode: 1,
    transient: false,
    summary: 'The store cannot be opened or created (missing directory, no permission, or not a binsnap store).',
    remedy: 'Check the --store path: its directory must exist and be writable, and an existing file must be a store binsnap created.',
  },
  BINSNAP_E_STORE_CORRUPT: {
    exitCode: 1,
    transient: false,
    summary: 'The store file is damaged or holds data binsnap cannot read.',
    remedy: 'Restore the store from a backup, or build a new one with `binsnap seed` or `binsnap replay` into a fresh --store path.',
  },
  BINSNAP_E_STORE_VERSION: {
    exitCode: 1,
    transient: false,
    summary: 'The store has a layout this binsnap cannot use as it is: written by a newer binsnap, or an older layout that a read command does not upgrade.',
    remedy:
      'For a store of a newer binsnap: upgrade binsnap to that version (or newer), or use a different --store path. For an older layout: run a writing command of this binsnap (`binsnap replay`, `run` or `seed`) on the store once; it upgrades the file in place.',
  },
  BINSNAP_E_STORE_CONFLICT: {
    exitCode: 1,
    transient: false,
    summary: 'A change has a different value for a version the store already holds: a different binlog was replayed into this store.',
    remedy: 'Replay only binlogs of the server that filled this store, or use a fresh --store path for another server.',
  },
  BINSNAP_E_STORE_BUSY: {
    exitCode: 1,
    transient: true,
    summary: 'The store is locked by another process writing to it.',
    remedy: 'Only one binsnap process may write a store at a time; binsnap retries this by itself, or stop the other process.',
  },

  BINSNAP_E_STORE_TABLE_UNKNOWN: {
    exitCode: 1,
    transient: false,
    summary: 'The store holds no table of that name (no schema version and no row version).',
    remedy: 'Check the database.table spelling (names are case-sensitive); `binsnap status` lists the tables the store holds.',
  },
  BINSNAP_E_STORE_EMPTY: {
    exitCode: 1,
    transient: false,
    summary: 'The store holds no transaction yet, so there is nothing to read as of any position.',
    remedy: 'Fill the store first with `binsnap replay`, `binsnap seed` or `binsnap run`, or point --store at the store you filled.',
  },
  BINSNAP_E_VERIFY_BEHIND: {
    exitCode: 1,
    transient: false,
    summary: "The store's checkpoint did not reach the source's current position within 60 s, so the two cannot be compared at one point.",
    remedy: 'Keep `binsnap run` going against the source (verify waits for it), or bring the store up to date first with `binsnap run --until FILE:POS`, then verify again.',
  },

  // ── DDL and schema (exit 1) ─────────────────────────────────────────────
  BINSNAP_E_DDL_UNPARSEABLE: {
    exitCode: 1,
    transient: false,
    summary: 'A DDL statement in the binlog cannot be parsed, so the schema history after it would be unknown.',
    remedy: 'Report the statement (it is in the message with the failing offset). To go on without it, rerun with --skip-unparseable-ddl: the statement is then logged and recorded as skipped, and rows of the tables it changed may be decoded with the wrong schema.',
  },
  BINSNAP_E_DDL_UNKNOWN_TABLE: {
    exitCode: 1,
    transient: false,
    summary: 'A DDL statement changes a table (ALTER, RENAME, TRUNCATE, CREATE/DROP INDEX, CREATE … LIKE) that is not in the schema history.',
    remedy: 'The replay started after the table was created: give its schema with --schema-sql FILE (e.g. `mariadb-dump --no-data` output taken at the start position) or replay from an earlier position that includes its CREATE TABLE.',
  },
  BINSNAP_E_DDL_SCHEMA_MISMATCH: {
    exitCode: 1,
    transient: false,
    summary: 'A DDL statement refers to a column that the schema history does not have, or adds one it already has: the history and the source disagree.',
    remedy: 'The schema given with --schema-sql or seeded earlier does not match the source at the start position; take it again at that position or replay from an earlier position.',
  },

  BINSNAP_E_SCHEMA_SQL: {
    exitCode: 2,
    transient: false,
    summary: 'The file given with --schema-sql cannot be read or holds a statement binsnap cannot parse.',
    remedy: 'Give a file of CREATE DATABASE/CREATE TABLE statements, e.g. `mariadb-dump --no-data --databases db1 db2`; the message names the statement and its line.',
  },
  BINSNAP_E_ROWS_UNKNOWN_TABLE: {
    exitCode: 1,
    transient: false,
    summary: 'Row changes for a table that is not in the schema history, and the binlog does not carry its column names and primary key.',
    remedy: 'Give the table schema at the start position with --schema-sql FILE (e.g. `mariadb-dump --no-data`), replay from a position before its CREATE TABLE, seed first, or set binlog_row_metadata=FULL on the source.',
  },
  BINSNAP_E_STATEMENT_BASED_CHANGE: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog holds a data change as an SQL statement (statement-based logging), which binsnap cannot apply as rows.',
    remedy: 'Set binlog_format=ROW on the source (MIXED logs some changes as statements); the message names the statement and position. Re-seed the affected tables after the change.',
  },
  BINSNAP_E_IMAGE_MERGE: {
    exitCode: 1,
    transient: false,
    summary: 'A MINIMAL or NOBLOB row image leaves out columns whose previous values binsnap no longer holds (a very large transaction changed the same row twice).',
    remedy: 'Set binlog_row_image=FULL on the source (MINIMAL and NOBLOB images need the previous row of every changed row; binsnap keeps up to 250,000 rows of one transaction).',
  },
  BINSNAP_E_TRANSACTION_STRUCTURE: {
    exitCode: 1,
    transient: false,
    summary: 'The binlog breaks transaction structure (a commit without a begin, an XA COMMIT of an unknown XA transaction, an incident event, a rollback of a transaction too large to hold).',
    remedy: 'The message names the position. If the source logged an INCIDENT, changes are missing from the binlog: re-seed. Otherwise start the replay at a transaction boundary (a GTID or BEGIN event) and report the binlog if it persists.',
  },

  // ── sink (exit 1) ───────────────────────────────────────────────────────
  BINSNAP_E_SINK_UNAVAILABLE: {
    exitCode: 1,
    transient: true,
    summary: 'The change-event sink (Kafka) did not acknowledge the events within the retry budget: brokers unreachable, no leader, or requests timing out.',
    remedy: 'Check that the brokers in --sink are up and reachable from this host; binsnap retries by itself for several minutes and its checkpoint does not move meanwhile, so restarting later loses nothing.',
  },
  BINSNAP_E_SINK_REJECTED: {
    exitCode: 1,
    transient: false,
    summary: 'The change-event sink (Kafka) refused the events or the connection for a reason retrying cannot fix: authentication, authorisation, a message too large, an invalid topic or setting.',
    remedy: 'Fix what the message names (SASL mechanism/username/password and TLS options in the --sink URL, the topics\' ACLs, the broker\'s message.max.bytes, the topicPrefix); the checkpoint did not move past unacknowledged events, so restarting resumes without loss.',
  },

  // ── internal ────────────────────────────────────────────────────────────
  BINSNAP_E_INTERNAL: {
    exitCode: 1,
    transient: false,
    summary: 'An unexpected error: a bug in binsnap.',
    remedy: 'Report it with the command line, the message and the stack trace (they contain no password).',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
