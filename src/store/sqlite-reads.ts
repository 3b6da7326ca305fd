/**
 * The embedded store's read queries, on their own read-only connection so a
 * streamed transaction that is still open on the write connection is never
 * seen (WAL gives each read the last committed state).
 *
 * As of P: P first resolves to the last stored commit ≤ P (the bound). Since
 * transactions do not overlap in the binlog and every version lies inside its
 * transaction, "commit ≤ P" is exactly "version ≤ bound", an index range.
 * Table scans page through the covering index `(table_id, pk_sort, version,
 * op)` in key order with a keyset cursor, so no statement stays open between
 * pages and any number of reads may interleave; values are fetched only for
 * the version that wins per key.
 */
import type Database from 'better-sqlite3';
import type { BinlogPosition } from '../core/position.js';
import type { TableSchema } from '../core/schema.js';
import type { EventsTouching } from './lineage.js';
import type { StoredOp } from './row-fold.js';
import { AFTER_ALL, BEFORE_ALL, parseStoredPosition, posBlob } from './sqlite-codec.js';
import type { SchemaChangeKind, SchemaVersion, TableEvent, TableEventRecord, TransactionInfo } from './snapshot-store.js';

export interface ScanRow {
  readonly id: number;
  readonly pk_sort: Buffer;
  readonly version: Buffer;
  readonly op: StoredOp;
}

export interface WinnerRow {
  readonly pk_sort: Buffer;
  readonly op: StoredOp;
  readonly row_values: string | null;
}

export interface HistoryRow {
  readonly version: Buffer;
  readonly op: StoredOp;
  readonly pk: string;
  readonly row_values: string | null;
}

/** A lineage segment in blob form: versions in [lo, hi) and ≤ upTo. */
export interface BlobRange {
  readonly table: string;
  readonly tableId: number;
  readonly multiset: boolean;
  readonly lo: Buffer;
  readonly hi: Buffer;
  readonly upTo: Buffer;
}

interface TxnRow {
  readonly commit_position: string;
  readonly start_position: string;
  readonly commit_ts_ms: number;
  readonly gtid: string | null;
}

const PAGE = 2000;

export class SqliteReads {
  private readonly lastCommit: Database.Statement<[], string>;
  private readonly lastCommitUpTo: Database.Statement<[Buffer], string>;
  private readonly lastCommitAtInstant: Database.Statement<[number], string>;
  private readonly tableIdOf: Database.Statement<[string], { table_id: number; multiset: number }>;
  private readonly firstWinners: Database.Statement<[number, Buffer, Buffer, Buffer, number], WinnerRow>;
  private readonly nextWinners: Database.Statement<[number, Buffer, Buffer, Buffer, Buffer, number], WinnerRow>;
  private readonly firstPage: Database.Statement<[number, Buffer, Buffer, Buffer, number], ScanRow>;
  private readonly nextPage: Database.Statement<[number, Buffer, Buffer, Buffer, Buffer, Buffer, number], ScanRow>;
  private readonly keyVersions: Database.Statement<[number, Buffer, Buffer, Buffer, Buffer], ScanRow>;
  private readonly valuesOf: Database.Statement<[number], string | null>;
  private readonly historyRows: Database.Statement<[number, Buffer, Buffer, Buffer], HistoryRow>;
  private readonly txnOfVersion: Database.Statement<[{ pos: Buffer }], TxnRow>;
  private readonly events: Database.Statement<[string, string], TxnRow & { seq: number; kind: string; table_name: string; to_name: string | null }>;
  private readonly schemas: Database.Statement<[string], SchemaRow>;
  private readonly schemaNames: Database.Statement<[], { table_name: string }>;
  private readonly schemaUpTo: Database.Statement<[string, Buffer], SchemaRow>;
  private readonly versionCounts: Database.Statement<[], { name: string; versions: number }>;

  constructor(db: Database.Database) {
    this.lastCommit = db.prepare<[], string>('SELECT commit_position FROM transactions ORDER BY commit_pos DESC LIMIT 1').pluck();
    this.lastCommitUpTo = db
      .prepare<[Buffer], string>('SELECT commit_position FROM transactions WHERE commit_pos <= ? ORDER BY commit_pos DESC LIMIT 1')
      .pluck();
    this.lastCommitAtInstant = db
      .prepare<[number], string>(
        'SELECT commit_position FROM transactions WHERE commit_ts_ms <= ? ORDER BY commit_pos DESC LIMIT 1',
      )
      .pluck();
    this.tableIdOf = db.prepare('SELECT table_id, multiset FROM table_names WHERE name = ?');
    // Latest version per key inside the range: grouped on the covering index in key order
    // (with max(), SQLite takes the bare column `id` from the row holding the maximum),
    // then one rowid lookup per key for its op and values.
    const winners = (after: string): string => `
      SELECT g.pk_sort, r.op, r.row_values FROM (
        SELECT pk_sort, max(version) AS latest, id FROM row_versions
        WHERE table_id = ? ${after} AND version >= ? AND version < ? AND version <= ?
        GROUP BY pk_sort ORDER BY pk_sort LIMIT ?
      ) g JOIN row_versions r ON r.id = g.id ORDER BY g.pk_sort`;
    this.firstWinners = db.prepare(winners(''));
    this.nextWinners = db.prepare(winners('AND pk_sort > ?'));
    this.firstPage = db.prepare(
      `SELECT id, pk_sort, version, op FROM row_versions
       WHERE table_id = ? AND version >= ? AND version < ? AND version <= ?
       ORDER BY pk_sort, version LIMIT ?`,
    );
    this.nextPage = db.prepare(
      `SELECT id, pk_sort, version, op FROM row_versions
       WHERE table_id = ? AND (pk_sort, version) > (?, ?) AND version >= ? AND version < ? AND version <= ?
       ORDER BY pk_sort, version LIMIT ?`,
    );
    this.keyVersions = db.prepare(
      `SELECT id, pk_sort, version, op FROM row_versions
       WHERE table_id = ? AND pk_sort = ? AND version >= ? AND version < ? AND version <= ? ORDER BY version`,
    );
    this.valuesOf = db.prepare<[number], string | null>('SELECT row_values FROM row_versions WHERE id = ?').pluck();
    this.historyRows = db.prepare(
      `SELECT version, op, pk, row_values FROM row_versions
       WHERE table_id = ? AND pk_sort = ? AND version >= ? AND version < ? ORDER BY version`,
    );
    // The transaction holding a version: the first commit at or after it; at an equal commit
    // (a seed at the commit position of the transaction before it), the one starting last.
    this.txnOfVersion = db.prepare(
      `SELECT commit_position, start_position, commit_ts_ms, gtid FROM transactions
       WHERE commit_pos = (SELECT min(commit_pos) FROM transactions WHERE commit_pos >= @pos) AND start_pos <= @pos
       ORDER BY start_pos DESC LIMIT 1`,
    );
    this.events = db.prepare(
      `SELECT e.seq, e.kind, e.table_name, e.to_name, t.commit_position, t.start_position, t.commit_ts_ms, t.gtid
       FROM table_events e JOIN transactions t USING (commit_pos, start_pos)
       WHERE e.table_name = ? OR e.to_name = ?`,
    );
    const schemaSelect = `SELECT s.seq, s.table_name, s.kind, s.ddl, s.schema_json, t.commit_position, t.start_position, t.commit_ts_ms, t.gtid
       FROM schema_versions s JOIN transactions t USING (commit_pos, start_pos)`;
    this.schemaNames = db.prepare('SELECT DISTINCT table_name FROM schema_versions ORDER BY table_name');
    this.schemas = db.prepare(`${schemaSelect} WHERE s.table_name = ? ORDER BY s.start_pos, s.seq`);
    this.schemaUpTo = db.prepare(
      `${schemaSelect} WHERE s.table_name = ? AND s.commit_pos <= ? ORDER BY s.start_pos DESC, s.seq DESC LIMIT 1`,
    );
    this.versionCounts = db.prepare(
      `SELECT n.name, count(*) AS versions FROM row_versions v JOIN table_names n USING (table_id) GROUP BY v.table_id ORDER BY n.name`,
    );
  }

  lastCommitPosition(upTo: BinlogPosition | null): BinlogPosition | null {
    const text = upTo === null ? this.lastCommit.get() : this.lastCommitUpTo.get(posBlob(upTo));
    return text === undefined ? null : parseStoredPosition(text);
  }

  lastCommitAt(ms: number): BinlogPosition | null {
    const text = this.lastCommitAtInstant.get(ms);
    return text === undefined ? null : parseStoredPosition(text);
  }

  tableInfo(name: string): { readonly tableId: number; readonly multiset: boolean } | undefined {
    const row = this.tableIdOf.get(name);
    return row === undefined ? undefined : { tableId: row.table_id, multiset: row.multiset === 1 };
  }

  /**
   * The latest version of every key in one range, in key order, a page at a
   * time — for tables with a primary key only (a multiset needs every version).
   */
  *latestPerKey(r: BlobRange): Generator<WinnerRow> {
    let page = this.firstWinners.all(r.tableId, r.lo, r.hi, r.upTo, PAGE);
    while (page.length > 0) {
      yield* page;
      if (page.length < PAGE) return;
      const last = page[page.length - 1] as WinnerRow;
      page = this.nextWinners.all(r.tableId, last.pk_sort, r.lo, r.hi, r.upTo, PAGE);
    }
  }

  /** Versions of one range in (pk_sort, version) order, a page at a time. */
  *scan(r: BlobRange): Generator<ScanRow> {
    let page = this.firstPage.all(r.tableId, r.lo, r.hi, r.upTo, PAGE);
    while (page.length > 0) {
      yield* page;
      if (page.length < PAGE) return;
      const last = page[page.length - 1] as ScanRow;
      page = this.nextPage.all(r.tableId, last.pk_sort, last.version, r.lo, r.hi, r.upTo, PAGE);
    }
  }

  keyScan(r: BlobRange, pk: Buffer): ScanRow[] {
    return this.keyVersions.all(r.tableId, pk, r.lo, r.hi, r.upTo);
  }

  values(id: number): string | null {
    return this.valuesOf.get(id) ?? null;
  }

  history(r: BlobRange, pk: Buffer): HistoryRow[] {
    return this.historyRows.all(r.tableId, pk, r.lo, r.hi);
  }

  transactionOf(version: Buffer): TransactionInfo | null {
    const pos = version.subarray(0, 12);
    const row = this.txnOfVersion.get({ pos });
    return row ? transactionInfo(row) : null;
  }

  readonly eventsTouching: EventsTouching = async (table) =>
    this.events.all(table, table).map((r) => ({
      event: (r.kind === 'rename' ? { kind: 'rename', table: r.table_name, to: r.to_name ?? '' } : { kind: r.kind, table: r.table_name }) as TableEvent,
      seq: r.seq,
      transaction: transactionInfo(r),
    })) satisfies TableEventRecord[];

  schemaHistory(table: string): SchemaVersion[] {
    return this.schemas.all(table).map(schemaVersion);
  }

  schemaTables(): string[] {
    return this.schemaNames.all().map((r) => r.table_name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  schemaAt(table: string, upTo: BinlogPosition | null): SchemaVersion | null {
    const row = upTo === null ? this.schemas.all(table).at(-1) : this.schemaUpTo.get(table, posBlob(upTo));
    return row ? schemaVersion(row) : null;
  }

  versionsPerTable(): { name: string; versions: number }[] {
    return this.versionCounts.all();
  }
}

interface SchemaRow extends TxnRow {
  readonly seq: number;
  readonly table_name: string;
  readonly kind: string;
  readonly ddl: string;
  readonly schema_json: string | null;
}

function schemaVersion(r: SchemaRow): SchemaVersion {
  return {
    table: r.table_name,
    schema: r.schema_json === null ? null : (JSON.parse(r.schema_json) as TableSchema),
    ddl: r.ddl,
    kind: r.kind as SchemaChangeKind,
    seq: r.seq,
    transaction: transactionInfo(r),
  };
}

function transactionInfo(r: TxnRow): TransactionInfo {
  return {
    startPosition: parseStoredPosition(r.start_position),
    commitPosition: parseStoredPosition(r.commit_position),
    commitTimestamp: r.commit_ts_ms,
    ...(r.gtid === null ? {} : { gtid: r.gtid }),
  };
}

export { AFTER_ALL, BEFORE_ALL };
