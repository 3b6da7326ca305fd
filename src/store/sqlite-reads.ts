/**
 * The embedded store's read queries, on their own read-only connection so a
 * streamed transaction that is still open on the write connection is never
 * seen (WAL gives each read the last committed state).
 *
 * As of P: P first resolves to the last stored commit ≤ P (the bound). Since
 * transactions do not overlap in the binlog and every version lies inside its
 * transaction, "commit ≤ P" is exactly "version ≤ bound". Versions live in
 * runs of pages (sqlite-runs.ts); a table scan merges the runs of each
 * lineage segment in key order, a page at a time per run, inside one read
 * transaction (compaction may move pages between runs meanwhile); a key
 * lookup reads, per run, only the pages whose key range holds the key.
 */
import Database from 'better-sqlite3';
import type { BinlogPosition } from '../core/position.js';
import type { TableSchema } from '../core/schema.js';
import type { EventsTouching } from './lineage.js';
import { pageSql, type PageFetcher, type RunRow } from './sqlite-runs.js';
import { LAYOUT_VERSION } from './sqlite-schema.js';
import { AFTER_ALL, BEFORE_ALL, parseStoredPosition, posBlob } from './sqlite-codec.js';
import type { SchemaChangeKind, SchemaVersion, TableEvent, TableEventRecord, TransactionInfo } from './snapshot-store.js';

/** Where page bodies are: a store opens for reading only at the current layout (older ones are upgraded or refused). */
const BODIES = pageSql(LAYOUT_VERSION);

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

/** Bytes of page bodies kept for key lookups. */
const PAGE_CACHE_BYTES = 32 * 1024 * 1024;

interface PageBounds {
  readonly page_id: number;
  readonly seq: number;
  readonly first_key: Buffer;
  readonly last_key: Buffer;
}

/** A table's runs, for a scan. */
const SCAN_RUNS = 'SELECT * FROM version_runs WHERE table_id = ? AND tier >= 0 ORDER BY run_id';

/** A read transaction of its own, for reads that span several statements (table scans). */
export interface ScanSnapshot {
  runsOf(tableId: number): RunRow[];
  pages(runId: number): PageFetcher;
  close(): void;
}

export class SqliteReads {
  private readonly lastCommit: Database.Statement<[], string>;
  private readonly lastCommitUpTo: Database.Statement<[Buffer], string>;
  private readonly lastCommitAtInstant: Database.Statement<[number], string>;
  private readonly tableIdOf: Database.Statement<[string], { table_id: number; multiset: number }>;
  private readonly runsOfTable: Database.Statement<[number], RunRow>;
  private readonly firstPageReaching: Database.Statement<[number, Buffer], PageBounds>;
  private readonly pageAt: Database.Statement<[number, number], PageBounds>;
  private readonly bodyOf: Database.Statement<[number], Buffer>;
  private readonly pageCache = new Map<number, Buffer>();
  private cachedBytes = 0;
  private readonly txnOfVersion: Database.Statement<[{ pos: Buffer }], TxnRow>;
  private readonly events: Database.Statement<[string, string], TxnRow & { seq: number; kind: string; table_name: string; to_name: string | null }>;
  private readonly schemas: Database.Statement<[string], SchemaRow>;
  private readonly schemaNames: Database.Statement<[], { table_name: string }>;
  private readonly schemaUpTo: Database.Statement<[string, Buffer], SchemaRow>;
  private readonly versionCounts: Database.Statement<[], { name: string; versions: number }>;
  private readonly scanRuns: Database.Statement<[number], RunRow>;
  private readonly scanPage: Database.Statement<[number, number], Buffer>;

  constructor(private readonly db: Database.Database) {
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
    this.runsOfTable = db.prepare('SELECT * FROM version_runs WHERE table_id = ? AND tier >= 0 ORDER BY run_id');
    // A key lookup: the first page whose last key reaches the key (an index seek), then the pages after it
    // while they start with the key (a key with many versions spans pages); bodies fetched by id.
    this.firstPageReaching = db.prepare(
      'SELECT page_id, seq, first_key, last_key FROM version_pages WHERE run_id = ? AND last_key >= ? ORDER BY last_key LIMIT 1',
    );
    this.pageAt = db.prepare('SELECT page_id, seq, first_key, last_key FROM version_pages WHERE run_id = ? AND seq = ?');
    this.bodyOf = db.prepare<[number], Buffer>(BODIES.bodyById).pluck();
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
    this.scanRuns = db.prepare<[number], RunRow>(SCAN_RUNS);
    this.scanPage = db.prepare<[number, number], Buffer>(BODIES.bodyAt).pluck();
    this.versionCounts = db.prepare(
      `SELECT n.name, sum(r.versions) AS versions FROM version_runs r JOIN table_names n USING (table_id) WHERE r.tier >= 0 GROUP BY r.table_id ORDER BY n.name`,
    );
  }

  /**
   * A scan on this connection itself, with no read transaction of its own: for a store whose
   * reads go through its writer's connection (a rollback journal), where another connection's
   * read transaction would hold back the writer's commit. It sees what the connection sees,
   * uncommitted writes of an open transaction included (which lie after every read bound).
   */
  sameConnection(): ScanSnapshot {
    return {
      runsOf: (tableId) => this.scanRuns.all(tableId),
      pages: (runId) => (seq) => this.scanPage.get(runId, seq),
      close: () => undefined,
    };
  }

  /** Drops cached page bodies (after a rolled-back transaction whose pages this connection read). */
  forgetPages(): void {
    this.pageCache.clear();
    this.cachedBytes = 0;
  }

  /** Opens a read transaction on a connection of its own (close it when done). */
  snapshot(path: string): ScanSnapshot {
    const db = new Database(path, { readonly: true });
    try {
      db.pragma('busy_timeout = 5000');
      const runs = db.prepare<[number], RunRow>(SCAN_RUNS);
      const page = db.prepare<[number, number], Buffer>(BODIES.bodyAt).pluck();
      db.exec('BEGIN');
      return {
        runsOf: (tableId) => runs.all(tableId),
        pages: (runId) => (seq) => page.get(runId, seq),
        close: () => {
          if (db.open) {
            if (db.inTransaction) db.exec('COMMIT');
            db.close();
          }
        },
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Runs in a read transaction (several statements that must see one state). */
  consistent<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  runsOf(tableId: number): RunRow[] {
    return this.runsOfTable.all(tableId);
  }

  /**
   * A page body by id, through a small LRU cache (a page's body never changes: compaction writes new
   * pages or moves whole ones), so key lookups in the same region (image merging) read it once.
   */
  private body(pageId: number): Buffer | undefined {
    const cached = this.pageCache.get(pageId);
    if (cached !== undefined) {
      this.pageCache.delete(pageId);
      this.pageCache.set(pageId, cached);
      return cached;
    }
    const body = this.bodyOf.get(pageId);
    if (body === undefined) return undefined;
    this.pageCache.set(pageId, body);
    this.cachedBytes += body.length;
    for (const [id, b] of this.pageCache) {
      if (this.cachedBytes <= PAGE_CACHE_BYTES) break;
      this.pageCache.delete(id);
      this.cachedBytes -= b.length;
    }
    return body;
  }

  /** Page bodies of a run that may hold `key`, in key order. */
  pagesHolding(runId: number, key: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let page = this.firstPageReaching.get(runId, key);
    while (page !== undefined && Buffer.compare(page.first_key, key) <= 0) {
      const body = this.body(page.page_id);
      if (body !== undefined) out.push(body);
      if (Buffer.compare(page.last_key, key) !== 0) break;
      page = this.pageAt.get(runId, page.seq + 1);
    }
    return out;
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
