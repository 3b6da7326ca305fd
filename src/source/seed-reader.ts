/**
 * The source side of `binsnap seed` (issue 6, item 1): read views at one
 * exact binlog position P, the list of tables to seed with their SHOW CREATE
 * text, and the rows of a table (or of a primary-key range of it) streamed
 * with bounded memory.
 *
 * Consistency point (the read views of all N connections at one position P):
 * - MariaDB, one connection: `START TRANSACTION WITH CONSISTENT SNAPSHOT`,
 *   then `SHOW STATUS LIKE 'binlog_snapshot_%'` gives the binlog position of
 *   that read view exactly, without any global lock; the GTID position at P
 *   is `BINLOG_GTID_POS(file, offset)`.
 * - MariaDB, N connections (--parallel N): the N snapshot transactions start
 *   one after the other and each reports its binlog_snapshot_* position; when
 *   all N are equal, every view sees exactly the transactions before P.
 *   Otherwise (something committed between them) they roll back and start
 *   again, up to 10 times, a few milliseconds apart (see alignMariadb for why
 *   not together).
 * - MySQL has no binlog_snapshot_* status and no lock-free equivalent: the
 *   views are always started under the global read lock below, whose position
 *   and gtid_executed come from performance_schema.log_status (SHOW MASTER
 *   STATUS without BACKUP_ADMIN). Comparing log_status before and after the
 *   views start was tried (ADR 0017) and failed the consistency test under
 *   load: log_status blocks new binlog writes, not a group already written to
 *   the binlog and not yet committed in InnoDB.
 * - The global read lock (--global-lock auto: on MySQL, and on MariaDB when
 *   the views could not be aligned): a control connection holds `FLUSH
 *   TABLES WITH READ LOCK` (RELOAD) while the N transactions start and the
 *   position is read, then unlocks; its duration is returned (milliseconds).
 *   It waits for commits under way, so the position is exactly the views'.
 *   --global-lock always takes it whenever one MariaDB connection's own status
 *   does not give P; never fails with BINSNAP_E_SEED_SNAPSHOT instead (always
 *   on MySQL).
 * - MySQL: the control connection also holds `LOCK INSTANCE FOR BACKUP`
 *   (BACKUP_ADMIN) until `close`, so DDL waits while the rows are read (a
 *   table rebuilt after the views started could not be read at P). Without
 *   the privilege the seed goes on without it and says so.
 * Tested against MySQL 8.0.15 (test/integration/mysql-source.test.ts).
 *
 * Sessions: time zone +00:00 (TIMESTAMP in UTC), utf8mb4 results, REPEATABLE
 * READ. DDL on a seeded table while the seed runs is not supported: MariaDB
 * fails the read with "Table definition has changed" and the seed stops (on
 * MySQL the backup lock makes the DDL wait instead).
 */
import type mysql from 'mysql2/promise';
import { BinsnapError } from '../core/errors.js';
import { parseGtidSet, type GtidSet } from '../core/gtid.js';
import { BinlogPosition } from '../core/position.js';
import { sameTableName, type ColumnSchema } from '../core/schema.js';
import type { JsonValue } from '../store/index.js';
import type { SourceUrl, TableName } from '../config/values.js';
import { openSqlConnection, type ServerFlavor } from './binlog-connection.js';
import { fieldReader, ident, RowBytes, selectItem, type FieldReader } from './row-values.js';

export const SYSTEM_DATABASES = ['mysql', 'sys', 'information_schema', 'performance_schema'];

export interface SeedSnapshot {
  readonly flavor: ServerFlavor;
  readonly version: string;
  /** The binlog position of every connection's read view. */
  readonly position: BinlogPosition;
  readonly gtidSet?: GtidSet;
  /** How the read views came to share `position`. */
  readonly method: SnapshotMethod;
  /** Lock-free alignments tried (0 when none was: one MariaDB connection, or --global-lock always). */
  readonly alignAttempts: number;
  /** How long a global read lock was held (ms), when one was taken. */
  readonly lockHeldMs?: number;
  /** MySQL: LOCK INSTANCE FOR BACKUP is held until `close` (DDL on the source waits). */
  readonly backupLock: boolean;
  /** Connections, each inside a snapshot transaction at `position`. */
  readonly connections: readonly mysql.Connection[];
  close(): Promise<void>;
}

type Rows = Array<Record<string, unknown>>;

async function rows(conn: mysql.Connection, sql: string, params?: unknown[]): Promise<Rows> {
  const [r] = await conn.query(sql, params);
  return r as Rows;
}

async function prepareSession(conn: mysql.Connection): Promise<void> {
  await conn.query("SET NAMES utf8mb4, time_zone = '+00:00'");
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
}

/**
 * When a global read lock (`FLUSH TABLES WITH READ LOCK`) may bring the read
 * views to one position: `auto` only when they could not be aligned without it,
 * `always` whenever one connection's own snapshot status does not give the
 * position, `never` not at all (the seed fails instead).
 */
export type GlobalLockMode = 'auto' | 'always' | 'never';

export interface SnapshotOptions {
  readonly globalLock?: GlobalLockMode;
  /** Lock-free alignments (MariaDB) tried before the lock (or the failure); default 10. */
  readonly alignAttempts?: number;
  /** Told what the snapshot could not use (a missing privilege, a server setting), for a log line. */
  readonly onNotice?: (message: string) => void;
}

/** How the read views came to share their position. */
export type SnapshotMethod =
  /** MariaDB, one connection: the snapshot's own binlog_snapshot_* status. */
  | 'snapshot-status'
  /** Without a lock (MariaDB): every connection's binlog_snapshot_* equal. */
  | 'aligned'
  /** FLUSH TABLES WITH READ LOCK held while the views started. */
  | 'global-read-lock';

/** Opens `parallel` connections whose snapshot transactions all see the source as of one binlog position. */
export async function openSnapshot(source: SourceUrl, parallel: number, options: SnapshotOptions = {}): Promise<SeedSnapshot> {
  const globalLock = options.globalLock ?? 'auto';
  const maxAttempts = options.alignAttempts ?? 10;
  const opened: mysql.Connection[] = [];
  let control: mysql.Connection | undefined;
  let backupLock = false;
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
    if (control) {
      // Ending the session releases LOCK INSTANCE FOR BACKUP too; UNLOCK first says so plainly.
      if (backupLock) await control.query('UNLOCK INSTANCE').catch(() => undefined);
      await control.end().catch(() => undefined);
    }
  };
  try {
    const first = await openSqlConnection(source);
    opened.push(first);
    const version = String((await rows(first, 'SELECT VERSION() AS v'))[0]?.['v'] ?? '');
    const flavor: ServerFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    for (let i = 1; i < parallel; i++) opened.push(await openSqlConnection(source));
    for (const c of opened) await prepareSession(c);
    const startViews = (): Promise<unknown> => Promise.all(opened.map((c) => c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT')));
    const endViews = (): Promise<unknown> => Promise.all(opened.map((c) => c.query('ROLLBACK')));

    let at: { position: BinlogPosition; gtid?: string } | undefined;
    let method: SnapshotMethod | undefined;
    let lockHeldMs: number | undefined;
    let attempts = 0;
    if (flavor === 'mysql') {
      control = await openSqlConnection(source);
      // DDL waits while the rows are read: a table rebuilt after the views started cannot be read at P.
      try {
        await control.query('LOCK INSTANCE FOR BACKUP');
        backupLock = true;
      } catch (err) {
        options.onNotice?.(`LOCK INSTANCE FOR BACKUP refused (${errorText(err)}): DDL on the source while the seed reads stops the seed; GRANT BACKUP_ADMIN to avoid that`);
      }
    }
    if (flavor === 'mariadb' && parallel === 1) {
      await startViews();
      at = await snapshotStatus(first);
      if (!at) throw noPosition(source);
      method = 'snapshot-status';
    } else if (globalLock !== 'always') {
      const align = flavor === 'mariadb' ? alignMariadb(opened) : undefined;
      for (; align !== undefined && attempts < maxAttempts && at === undefined; attempts++) {
        if (attempts > 0) await new Promise((r) => setTimeout(r, 2 + Math.floor(Math.random() * 8 * Math.min(attempts, 10))));
        at = await align();
        if (at === undefined) await endViews();
      }
      if (at !== undefined) method = 'aligned';
      else if (globalLock === 'never') {
        throw new BinsnapError(
          'BINSNAP_E_SEED_SNAPSHOT',
          align === undefined
            ? 'MySQL has no way to start read views at a known binlog position without FLUSH TABLES WITH READ LOCK, and --global-lock is never'
            : `the source committed while the ${parallel} read views started, in each of ${attempts} attempts, and --global-lock is never`,
          { source: source.redacted, parallel },
        );
      }
    }
    if (at === undefined) {
      control ??= await openSqlConnection(source);
      await control.query('FLUSH TABLES WITH READ LOCK');
      const t0 = Date.now();
      try {
        await startViews();
        at = flavor === 'mysql' ? ((await logStatus(control)) ?? (await masterStatus(control))) : await masterStatus(control);
        if (!at) throw noPosition(source);
      } finally {
        await control.query('UNLOCK TABLES');
        lockHeldMs = Date.now() - t0;
      }
      method = 'global-read-lock';
    }
    if (!backupLock && control) {
      await control.end().catch(() => undefined);
      control = undefined;
    }
    let gtidText = at.gtid;
    if (flavor === 'mariadb') {
      const g = await rows(first, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [at.position.file, at.position.offset.toString()]);
      const v = g[0]?.['g'];
      gtidText = v === null || v === undefined ? undefined : String(v);
    }
    const gtidSet = gtidText !== undefined && gtidText.trim() !== '' ? parseGtidSet(gtidText.trim(), flavor) : undefined;
    return {
      flavor,
      version,
      position: at.position,
      ...(gtidSet ? { gtidSet } : {}),
      method: method!,
      alignAttempts: attempts,
      ...(lockHeldMs !== undefined ? { lockHeldMs } : {}),
      backupLock,
      connections: opened,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw sourceError(err, source, 'taking the consistent snapshot');
  }
}

/** One try at lock-free alignment: the position all read views share, or undefined (the views are still open). */
type Aligner = () => Promise<{ position: BinlogPosition; gtid?: string } | undefined>;

/**
 * MariaDB: each snapshot transaction reports the binlog position its read view
 * is at (binlog_snapshot_*), exactly (checked: 200 of 200 single snapshots
 * under 4 writers matched the binlog). Started one after the other, views
 * reporting one position see exactly the same transactions. Not together:
 * two START TRANSACTION WITH CONSISTENT SNAPSHOT sent at once reported one
 * position yet saw different rows in 4 of 60 tries under ~4,000 commits/s
 * (benchmarks/seed/align.ts), so the starts are sequential.
 */
function alignMariadb(opened: readonly mysql.Connection[]): Aligner {
  return async () => {
    const at: Array<{ position: BinlogPosition } | undefined> = [];
    for (const c of opened) {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      at.push(await snapshotStatus(c));
    }
    const p = at[0];
    return p !== undefined && at.every((q) => q !== undefined && q.position.equals(p.position)) ? p : undefined;
  };
}

/** The binlog position of the connection's snapshot transaction (MariaDB). */
async function snapshotStatus(conn: mysql.Connection): Promise<{ position: BinlogPosition } | undefined> {
  const status = new Map((await rows(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'")).map((r) => [String(r['Variable_name']).toLowerCase(), String(r['Value'])]));
  const file = status.get('binlog_snapshot_file');
  const pos = status.get('binlog_snapshot_position');
  if (!file || pos === undefined) return undefined;
  return { position: BinlogPosition.of(file, BigInt(pos)) };
}

/** SHOW MASTER STATUS: the position, and on MySQL gtid_executed. */
async function masterStatus(conn: mysql.Connection): Promise<{ position: BinlogPosition; gtid?: string } | undefined> {
  const r = (await rows(conn, 'SHOW MASTER STATUS'))[0];
  if (!r?.['File']) return undefined;
  const gtid = r['Executed_Gtid_Set'];
  return {
    position: BinlogPosition.of(String(r['File']), BigInt(String(r['Position']))),
    ...(typeof gtid === 'string' && gtid !== '' ? { gtid: gtid.replace(/\s+/g, '') } : {}),
  };
}

/** MySQL ≥ 8.0.14: the binlog position and gtid_executed at one point; undefined when the table cannot be read (it needs BACKUP_ADMIN). */
async function logStatus(conn: mysql.Connection): Promise<{ position: BinlogPosition; gtid?: string } | undefined> {
  let r: Record<string, unknown> | undefined;
  try {
    r = (await rows(conn, 'SELECT LOCAL FROM performance_schema.log_status'))[0];
  } catch (err) {
    // Without BACKUP_ADMIN (or before 8.0.14) the table cannot be read. Under the global read lock
    // SHOW MASTER STATUS gives the same; log_status is preferred where it is readable.
    const code = (err as { code?: string }).code;
    if (code !== undefined && (PRIVILEGE_ERRORS.includes(code) || code === 'ER_NO_SUCH_TABLE')) return undefined;
    throw err;
  }
  const local = (typeof r?.['LOCAL'] === 'string' ? JSON.parse(r['LOCAL']) : r?.['LOCAL']) as
    | { binary_log_file?: string; binary_log_position?: number; gtid_executed?: string }
    | undefined;
  if (!local?.binary_log_file) return undefined;
  return {
    position: BinlogPosition.of(local.binary_log_file, BigInt(local.binary_log_position ?? 0)),
    ...(local.gtid_executed ? { gtid: local.gtid_executed.replace(/\s+/g, '') } : {}),
  };
}

/** The server's errors for a missing privilege. */
const PRIVILEGE_ERRORS = ['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR'];

function errorText(err: unknown): string {
  return (err as { message?: string }).message ?? String(err);
}

function noPosition(source: SourceUrl): BinsnapError {
  return new BinsnapError('BINSNAP_E_SOURCE_BINLOG_OFF', 'the source reports no binlog position for the snapshot', { source: source.redacted });
}

/** Maps a server error of the seed's queries to a coded error (a missing privilege → exit 3). */
export function sourceError(err: unknown, source: SourceUrl, doing: string): unknown {
  if (err instanceof BinsnapError) return err;
  const e = err as { code?: string };
  const msg = errorText(err);
  if (e.code !== undefined && PRIVILEGE_ERRORS.includes(e.code)) {
    return new BinsnapError('BINSNAP_E_SOURCE_PRIVILEGE', `the source refused ${doing}: ${msg}`, { source: source.redacted }, { cause: err });
  }
  if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNRESET' || e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT') {
    return new BinsnapError('BINSNAP_E_SOURCE_UNREACHABLE', `the source connection failed while ${doing}: ${msg}`, { source: source.redacted }, { cause: err });
  }
  return new BinsnapError('BINSNAP_E_SOURCE_REPLICATION', `the source failed while ${doing}: ${msg}`, { source: source.redacted }, { cause: err });
}

/**
 * `db.table` names to seed: those matching the patterns, or every base table outside the system
 * databases. `foldNames`: names compare in lower case (lower_case_table_names 1 or 2).
 */
export async function listTables(conn: mysql.Connection, patterns: readonly TableName[] | undefined, foldNames = false): Promise<TableName[]> {
  const all = (
    await rows(
      conn,
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES
       WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (${SYSTEM_DATABASES.map((d) => `'${d}'`).join(', ')})
       ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    )
  ).map((r) => ({ db: String(r['db']), table: String(r['t']) }));
  if (patterns === undefined || patterns.length === 0) return all;
  return all.filter((t) => patterns.some((p) => sameTableName(p.db, t.db, foldNames) && (p.table === '*' || sameTableName(p.table, t.table, foldNames))));
}

export async function showCreateTable(conn: mysql.Connection, t: TableName): Promise<string> {
  const r = (await rows(conn, `SHOW CREATE TABLE ${ident(t.db)}.${ident(t.table)}`))[0];
  const text = r?.['Create Table'];
  if (typeof text !== 'string') throw new Error(`SHOW CREATE TABLE ${t.db}.${t.table} returned no statement`);
  return text;
}

export async function showCreateDatabase(conn: mysql.Connection, db: string): Promise<string> {
  const r = (await rows(conn, `SHOW CREATE DATABASE ${ident(db)}`))[0];
  const text = r?.['Create Database'];
  if (typeof text !== 'string') throw new Error(`SHOW CREATE DATABASE ${db} returned no statement`);
  return text;
}

/** The server's default character set and collation (for tables and databases that name none). */
export async function serverCharset(conn: mysql.Connection): Promise<{ charset: string; collation: string }> {
  const r = (await rows(conn, 'SELECT @@character_set_server AS cs, @@collation_server AS co'))[0];
  return { charset: String(r?.['cs'] ?? 'latin1'), collation: String(r?.['co'] ?? 'latin1_swedish_ci') };
}

/** A part of a table's rows: the whole table, or a half-open range of a single integer primary-key column. */
export interface RowRange {
  readonly column: string;
  /** Inclusive lower bound (undefined: unbounded). */
  readonly from?: bigint;
  /** Exclusive upper bound (undefined: unbounded). */
  readonly to?: bigint;
}

/** MIN and MAX of an integer column inside the snapshot, or undefined when the table is empty. */
export async function integerBounds(conn: mysql.Connection, t: TableName, column: string): Promise<{ min: bigint; max: bigint } | undefined> {
  const r = (await rows(conn, `SELECT MIN(${ident(column)}) AS lo, MAX(${ident(column)}) AS hi FROM ${ident(t.db)}.${ident(t.table)}`))[0];
  if (r?.['lo'] === null || r?.['lo'] === undefined) return undefined;
  return { min: BigInt(String(r['lo'])), max: BigInt(String(r['hi'])) };
}

/** Splits [min, max] into up to n ranges; the first and last are unbounded so no row is missed. */
export function splitRange(column: string, min: bigint, max: bigint, n: number): RowRange[] {
  const span = max - min + 1n;
  const parts = BigInt(Math.max(1, Math.min(n, Number(span < 1_000_000n ? span : 1_000_000n))));
  if (parts <= 1n) return [{ column }];
  const step = span / parts;
  const out: RowRange[] = [];
  let lo: bigint | undefined;
  for (let i = 1n; i < parts; i++) {
    const hi = min + step * i;
    out.push({ column, ...(lo !== undefined ? { from: lo } : {}), to: hi });
    lo = hi;
  }
  out.push({ column, ...(lo !== undefined ? { from: lo } : {}) });
  return out;
}

/**
 * Streams the rows of a table (or of a range of it) as SPEC §3 values in
 * `columns` order, in batches of up to `batchSize` (`ordered`: in the order of
 * the range's column). mysql2 frames the row packets; RowParser reads each
 * field from the packet's bytes with its column's reader (row-values.ts). The
 * query result streams: mysql2 pauses the socket while a batch is being
 * handled, so memory stays bounded.
 */
export async function* readRows(
  conn: mysql.Connection,
  t: TableName,
  columns: readonly ColumnSchema[],
  range: RowRange | undefined,
  batchSize: number,
  ordered = false,
  flavor: ServerFlavor = 'mariadb',
): AsyncGenerator<JsonValue[][]> {
  const parser = new RowParser(columns.map((c) => fieldReader(c, flavor)), `${t.db}.${t.table}`);
  let batch: JsonValue[][] = [];
  yield* streamSelect(conn, t, columns, range, ordered, flavor, parser, batchSize, 1, {
    add: (row) => batch.push(row),
    take: () => {
      const b = batch;
      batch = [];
      return b;
    },
  });
}

/**
 * The row packets of a table (or of a range of it), as readRows would read them but unparsed,
 * in batches of up to `batchSize` rows, in a buffer of their own (transferable to another
 * thread, where a RowParser of the same columns reads them: `packetRows`). Each row is as on the
 * wire: a 3-byte little-endian payload length, a sequence byte, the payload; consecutive packets
 * of one received chunk are copied at once. A row whose payload came in several wire packets
 * (16 MB or more) has length 0xFFFFFF, then a u32 length, then the payload.
 */
export async function* readRowPackets(
  conn: mysql.Connection,
  t: TableName,
  columns: readonly ColumnSchema[],
  range: RowRange | undefined,
  batchSize: number,
  ordered = false,
  flavor: ServerFlavor = 'mariadb',
): AsyncGenerator<RowPackets> {
  const collector = new PacketCollector();
  // Batches go to another thread: reading runs ahead while the consumer waits for that thread.
  yield* streamSelect(conn, t, columns, range, ordered, flavor, collector, batchSize, PACKETS_READ_AHEAD, {
    add: () => undefined,
    take: () => collector.take(),
    // Wide rows end a batch early, so the batches held stay within a few MB each.
    full: () => collector.bytes >= PACKETS_BATCH_BYTES,
  });
}

/** Full batches of row packets read ahead before the connection pauses. */
const PACKETS_READ_AHEAD = 4;
/** A batch of row packets ends at this many bytes (or at its row count). */
const PACKETS_BATCH_BYTES = 4 << 20;

/** A payload length that marks a row packet with a u32 length after it (readRowPackets). */
const LONG_ROW = 0xff_ffff;

/** Rows as packets (readRowPackets): `rows` rows in `bytes`. */
export interface RowPackets {
  readonly bytes: Uint8Array;
  readonly rows: number;
}

/** Calls `each` with a packet view of every row of `packets` (for RowParser.next). */
export function packetRows(packets: RowPackets, each: (packet: { buffer: Buffer; offset: number; end: number }) => void): void {
  const b = Buffer.from(packets.bytes.buffer, packets.bytes.byteOffset, packets.bytes.byteLength);
  const view = { buffer: b, offset: 0, end: 0 };
  let p = 0;
  for (let i = 0; i < packets.rows; i++) {
    if (p + 4 > b.length) throw new BinsnapError('BINSNAP_E_INTERNAL', 'row packets end before their count');
    let n = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
    let at = p + 4;
    if (n === LONG_ROW) {
      n = b.readUInt32LE(at);
      at += 4;
    }
    if (at + n > b.length) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a row packet runs past its batch');
    view.offset = at;
    view.end = at + n;
    each(view);
    p = view.end;
  }
}

/**
 * Collects row packets as readRowPackets hands them out. A packet framed in place in a received
 * chunk (mysql2's fast path: its header just before it) extends the current span when it follows
 * it; spans are copied when they end, not per row.
 */
/** @internal Exported for its unit test. */
export class PacketCollector {
  rows = 0;
  private buf = Buffer.allocUnsafeSlow(1 << 18);
  private used = 0;
  private inBatch = 0;
  private span: Buffer | undefined;
  private spanStart = 0;
  private spanEnd = 0;

  next(packet: { buffer: Buffer; offset: number; end: number }): null {
    const b = packet.buffer;
    const s = packet.offset - 4;
    const e = packet.end;
    const n = e - packet.offset;
    this.inBatch++;
    this.rows++;
    if (s >= 0 && n < LONG_ROW && ((b[s] as number) | ((b[s + 1] as number) << 8) | ((b[s + 2] as number) << 16)) === n) {
      if (b === this.span && s === this.spanEnd) {
        this.spanEnd = e;
        return null;
      }
      this.flush();
      this.span = b;
      this.spanStart = s;
      this.spanEnd = e;
      return null;
    }
    // Reassembled from several wire packets (no header of its own in front): a long row.
    this.flush();
    this.room(8 + n);
    this.buf[this.used] = 0xff;
    this.buf[this.used + 1] = 0xff;
    this.buf[this.used + 2] = 0xff;
    this.buf[this.used + 3] = 0;
    this.buf.writeUInt32LE(n, this.used + 4);
    b.copy(this.buf, this.used + 8, packet.offset, e);
    this.used += 8 + n;
    return null;
  }

  /** Bytes collected since the last `take`. */
  get bytes(): number {
    return this.used + (this.span === undefined ? 0 : this.spanEnd - this.spanStart);
  }

  /** The rows collected since the last call, in a buffer of their own. */
  take(): RowPackets {
    this.flush();
    const bytes = new Uint8Array(this.used);
    bytes.set(this.buf.subarray(0, this.used));
    const out = { bytes, rows: this.inBatch };
    this.used = 0;
    this.inBatch = 0;
    return out;
  }

  private flush(): void {
    const span = this.span;
    if (span === undefined) return;
    this.span = undefined;
    const n = this.spanEnd - this.spanStart;
    this.room(n);
    span.copy(this.buf, this.used, this.spanStart, this.spanEnd);
    this.used += n;
  }

  private room(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}

interface Batcher<R, B> {
  add(row: R): void;
  take(): B;
  /** Whether the batch is full before its row count (by size). */
  full?(): boolean;
}

/**
 * The SELECT of readRows and readRowPackets. mysql2 frames the row packets; `parser.next` gets
 * each (readRows: RowParser reads the fields with the columns' readers, row-values.ts). The
 * query result streams: mysql2 pauses the socket while a batch is being handled, so memory
 * stays bounded.
 */
async function* streamSelect<R, B>(
  conn: mysql.Connection,
  t: TableName,
  columns: readonly ColumnSchema[],
  range: RowRange | undefined,
  ordered: boolean,
  flavor: ServerFlavor,
  parser: { next(packet: { buffer: Buffer; offset: number; end: number }): R; readonly rows: number },
  batchSize: number,
  readAhead: number,
  batcher: Batcher<R, B>,
): AsyncGenerator<B> {
  const where: string[] = [];
  const params: string[] = [];
  if (range?.from !== undefined) {
    where.push(`${ident(range.column)} >= ?`);
    params.push(range.from.toString());
  }
  if (range?.to !== undefined) {
    where.push(`${ident(range.column)} < ?`);
    params.push(range.to.toString());
  }
  // Ordered by the range's key column (the clustered index of an InnoDB primary key: no sort),
  // so a batch's last key tells how far the rows are read.
  const sql =
    `SELECT ${columns.map((c) => selectItem(c, flavor)).join(', ')} FROM ${ident(t.db)}.${ident(t.table)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
    (ordered && range ? ` ORDER BY ${ident(range.column)}` : '');
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  // Rows are collected into batches from the query's events: a readable stream would cost a
  // push and an awaited promise per row. The connection pauses while `readAhead` full batches
  // wait to be taken (mysql2 then queues what it has already received), so at most
  // `readAhead + 1` batches are held.
  const ready: B[] = [];
  let inBatch = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let stopped = false;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const query = core.query({ sql, values: params, rowsAsArray: true });
  // mysql2 frames the packets; the rows' fields are read by binsnap's parser straight from each
  // row packet. mysql2 assigns its own parser to `_rowParser` once the column definitions are in:
  // this property keeps ours in its place.
  Object.defineProperty(query, '_rowParser', { configurable: true, get: () => parser, set: () => undefined });
  const fail = (err: Error): void => {
    failure ??= err;
    stopped = true;
    notify();
  };
  let restore = (): void => undefined;
  query.on('fields', (fields: unknown[]) => {
    if (fields.length !== columns.length) {
      fail(new BinsnapError('BINSNAP_E_INTERNAL', `SELECT of ${t.db}.${t.table} returned ${fields.length} columns, expected ${columns.length}`, { table: `${t.db}.${t.table}` }));
      return;
    }
    // The column definitions are in: the packets that follow are rows, up to the result's end.
    restore = shortRowPath(core, query, (packet) => {
      if (stopped) return;
      let row: R;
      try {
        row = parser.next(packet);
      } catch (err) {
        // As mysql2 does with its parser's error: the result's remaining rows are read and dropped.
        fail(err as Error);
        return;
      }
      onRow(row);
    });
  });
  let checked = false;
  const onRow = (row: R): void => {
    if (stopped) return;
    if (!checked) {
      checked = true;
      // Every row comes from our parser, or the mysql2 in use keeps its row parser elsewhere.
      if (parser.rows === 0) {
        fail(new BinsnapError('BINSNAP_E_INTERNAL', "the rows of a SELECT did not reach binsnap's row parser (an unsupported mysql2 version?)", { table: `${t.db}.${t.table}` }));
        return;
      }
    }
    batcher.add(row);
    if (++inBatch >= batchSize || batcher.full?.() === true) {
      ready.push(batcher.take());
      inBatch = 0;
      if (ready.length >= readAhead) core.pause();
      notify();
    }
  };
  query.on('result', onRow);
  query.on('end', () => {
    restore();
    ended = true;
    notify();
  });
  query.on('error', (err: Error) => {
    restore();
    failure ??= err;
    ended = true;
    notify();
  });
  try {
    for (;;) {
      const next = ready.shift();
      if (next !== undefined) {
        // Reading goes on while the consumer handles this batch.
        if (ready.length < readAhead && !ended) core.resume();
        yield next;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (inBatch > 0) yield batcher.take();
  } finally {
    // Left early (the consumer stopped): later rows are dropped and the connection reads on, so
    // the result can end and the connection stays usable (or is closed by the caller).
    if (!ended) {
      stopped = true;
      core.resume();
    }
  }
}

/**
 * Reads the fields of a text-protocol row packet (each a length-encoded string, 0xFB for NULL)
 * with one reader per column. A packet that does not hold exactly the columns' fields is an error.
 */
export class RowParser {
  private readonly row = new RowBytes();
  private readonly readers: readonly FieldReader[];
  /** Rows read so far. */
  rows = 0;
  /**
   * Columns read as spans (`raw`): where the last row's field starts and ends in the packet's
   * buffer, its value in `next`'s result being null; -1 for a NULL field.
   */
  readonly starts: Int32Array;
  readonly ends: Int32Array;

  constructor(
    readers: readonly FieldReader[],
    private readonly table: string,
    raw?: readonly boolean[],
  ) {
    const starts = new Int32Array(readers.length).fill(-1);
    const ends = new Int32Array(readers.length);
    this.starts = starts;
    this.ends = ends;
    this.readers = readers.map((read, i) =>
      raw?.[i] === true
        ? (_r: RowBytes, s: number, e: number) => {
            starts[i] = s;
            ends[i] = e;
            return null;
          }
        : read,
    );
  }

  /** Called by mysql2 per row packet (`offset` after the packet header, `end` exclusive). */
  next(packet: { buffer: Buffer; offset: number; end: number }): JsonValue[] {
    const b = packet.buffer;
    const end = packet.end;
    let p = packet.offset;
    const row = this.row;
    row.reset(b, p, end);
    const n = this.readers.length;
    const out: JsonValue[] = new Array<JsonValue>(n);
    for (let i = 0; i < n; i++) {
      if (p >= end) throw this.malformed();
      let len = b[p++] as number;
      if (len >= 0xfb) {
        if (len === 0xfb) {
          out[i] = null;
          this.starts[i] = -1;
          continue;
        }
        if (len === 0xfc) {
          len = (b[p] as number) | ((b[p + 1] as number) << 8);
          p += 2;
        } else if (len === 0xfd) {
          len = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
          p += 3;
        } else if (len === 0xfe) {
          len = b.readUInt32LE(p) + b.readUInt32LE(p + 4) * 0x1_0000_0000;
          p += 8;
        } else {
          throw this.malformed();
        }
      }
      if (p + len > end) throw this.malformed();
      out[i] = (this.readers[i] as FieldReader)(row, p, p + len);
      p += len;
    }
    if (p !== end) throw this.malformed();
    this.rows++;
    return out;
  }

  private malformed(): BinsnapError {
    return new BinsnapError('BINSNAP_E_SOURCE_REPLICATION', `a row of ${this.table} from the source does not hold the expected ${this.readers.length} fields`, { table: this.table });
  }
}

interface CoreConnection {
  query(options: { sql: string; values: unknown[]; rowsAsArray: boolean }): NodeJS.EventEmitter;
  pause(): void;
  resume(): void;
  /** mysql2's handling of each received packet (its packet parser calls it as a method). */
  handlePacket(packet?: CorePacket): void;
  _paused: boolean;
  _fatalError: unknown;
  _command: unknown;
  sequenceId: number;
  _bumpSequenceId(numPackets: number): void;
}

interface CorePacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  readonly sequenceId: number;
  readonly numPackets: number;
  isEOF(): boolean;
  isError(): boolean;
}

/**
 * While `query` reads its rows, hands each row packet straight to `onRow` instead of through
 * mysql2's command dispatch, row state and a 'result' event per row (a third of the seed's reading
 * time in a profile). Only packets of the row state take the short way: in order, not paused, not
 * an EOF, OK or error packet; everything else (and the end of the result) goes through mysql2 as
 * before. Returns the function that restores mysql2's own handling.
 */
function shortRowPath(core: CoreConnection, query: unknown, onRow: (packet: CorePacket) => void): () => void {
  const own = Object.getPrototypeOf(core) as CoreConnection;
  if (typeof own.handlePacket !== 'function' || typeof own._bumpSequenceId !== 'function' || Object.hasOwn(core, 'handlePacket')) return () => undefined;
  core.handlePacket = function (this: CoreConnection, packet?: CorePacket): void {
    if (
      packet === undefined ||
      this._paused ||
      this._fatalError ||
      this._command !== query ||
      this.sequenceId !== packet.sequenceId ||
      packet.isEOF() ||
      packet.isError()
    ) {
      own.handlePacket.call(this, packet);
      return;
    }
    this._bumpSequenceId(packet.numPackets);
    onRow(packet);
  };
  return () => {
    delete (core as Partial<CoreConnection>).handlePacket;
  };
}
