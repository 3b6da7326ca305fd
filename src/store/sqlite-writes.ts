/**
 * The embedded store's write statements, prepared once per connection. Every
 * method runs inside a SQLite transaction the caller opened (a batch of whole
 * transactions, or one streamed transaction), so a failure anywhere rolls
 * everything of the unit back.
 *
 * A version already present is never written twice: inserts are
 * `ON CONFLICT DO NOTHING`, and only when nothing was inserted the stored row
 * is read back and compared (BINSNAP_E_STORE_CONFLICT when it differs).
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { offsetColumn, posBlob, versionBlob } from './sqlite-codec.js';
import type { StoredOp } from './row-fold.js';
import type { Checkpoint, TransactionEnd, TransactionStart } from './snapshot-store.js';
import { checkSameContent, type PreparedChange } from './transaction-rules.js';
import { CheckpointTable } from './sqlite-checkpoint.js';

interface StoredVersionRow {
  readonly name: string;
  readonly op: StoredOp;
  readonly pk_sort: Buffer;
  readonly row_values: string | null;
}

export class SqliteWrites {
  private readonly tableIds = new Map<string, { id: number; multiset: boolean }>();
  private readonly insertName: Database.Statement<[string]>;
  private readonly selectName: Database.Statement<[string], { table_id: number; multiset: number }>;
  private readonly markMultiset: Database.Statement<[number]>;
  private readonly insertVersion: Database.Statement<
    [Buffer, number, Buffer, number, bigint, number, StoredOp, string, string | null]
  >;
  private readonly selectVersion: Database.Statement<[Buffer], StoredVersionRow>;
  private readonly insertTransaction: Database.Statement<[Buffer, Buffer, string, string, number, string | null]>;
  private readonly selectTransactionGtid: Database.Statement<[Buffer, Buffer], { gtid: string | null }>;
  private readonly insertSchema: Database.Statement<[Buffer, Buffer, number, string, string, string, string | null]>;
  private readonly selectSchema: Database.Statement<[Buffer, Buffer, number], Record<string, unknown>>;
  private readonly insertEvent: Database.Statement<[Buffer, Buffer, number, string, string, string | null]>;
  private readonly selectEvent: Database.Statement<[Buffer, Buffer, number], Record<string, unknown>>;
  private readonly checkpoints: CheckpointTable;

  constructor(db: Database.Database) {
    this.insertName = db.prepare('INSERT INTO table_names (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    this.selectName = db.prepare('SELECT table_id, multiset FROM table_names WHERE name = ?');
    this.markMultiset = db.prepare('UPDATE table_names SET multiset = 1 WHERE table_id = ?');
    this.insertVersion = db.prepare(
      `INSERT INTO row_versions (version, table_id, pk_sort, file_number, byte_offset, row_index, op, pk, row_values)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING`,
    );
    this.selectVersion = db.prepare(
      `SELECT n.name, v.op, v.pk_sort, v.row_values FROM row_versions v JOIN table_names n USING (table_id) WHERE v.version = ?`,
    );
    this.insertTransaction = db.prepare(
      `INSERT INTO transactions (commit_pos, start_pos, commit_position, start_position, commit_ts_ms, gtid)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.selectTransactionGtid = db.prepare('SELECT gtid FROM transactions WHERE commit_pos = ? AND start_pos = ?');
    this.insertSchema = db.prepare(
      `INSERT INTO schema_versions (commit_pos, start_pos, seq, table_name, kind, ddl, schema_json)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.selectSchema = db.prepare(
      'SELECT table_name, kind, ddl, schema_json FROM schema_versions WHERE commit_pos = ? AND start_pos = ? AND seq = ?',
    );
    this.insertEvent = db.prepare(
      `INSERT INTO table_events (commit_pos, start_pos, seq, kind, table_name, to_name)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.selectEvent = db.prepare('SELECT kind, table_name, to_name FROM table_events WHERE commit_pos = ? AND start_pos = ? AND seq = ?');
    this.checkpoints = new CheckpointTable(db);
  }

  /** Forgets table ids learnt inside a unit that was rolled back. */
  forgetUncommitted(): void {
    this.tableIds.clear();
  }

  writeRows(changes: readonly PreparedChange[]): void {
    for (const p of changes) {
      const c = p.change;
      const version = versionBlob(c.version);
      const inserted = this.insertVersion.run(
        version,
        this.tableId(c.table, p.op === 'add' || p.op === 'remove'),
        p.keyBytes,
        c.version.fileNumber,
        offsetColumn(c.version.offset),
        c.version.rowIndex,
        p.op,
        p.keyJson,
        p.valuesJson,
      ).changes;
      if (inserted === 0) {
        const existing = this.selectVersion.get(version);
        if (!existing) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a row version neither inserted nor found');
        checkSameContent(
          { table: existing.name, op: existing.op, keyHex: existing.pk_sort.toString('hex'), valuesJson: existing.row_values },
          p,
        );
      }
    }
  }

  /** The transaction record, its schema changes and table events. */
  writeTransaction(start: TransactionStart, end: TransactionEnd): void {
    const commitPos = posBlob(end.commitPosition);
    const startPos = posBlob(start.startPosition);
    const gtid = start.gtid ?? null;
    const t = this.insertTransaction.run(
      commitPos,
      startPos,
      end.commitPosition.format(),
      start.startPosition.format(),
      end.commitTimestamp,
      gtid,
    );
    if (t.changes === 0 && this.selectTransactionGtid.get(commitPos, startPos)?.gtid !== gtid) {
      throw conflict(`the transaction committed at ${end.commitPosition.format()} is stored with another GTID`, end.commitPosition);
    }
    (end.schemaChanges ?? []).forEach((s, seq) => {
      const json = s.schema === null ? null : JSON.stringify(s.schema);
      if (this.insertSchema.run(commitPos, startPos, seq, s.table, s.kind, s.ddl, json).changes === 0) {
        const e = this.selectSchema.get(commitPos, startPos, seq);
        if (!e || e['table_name'] !== s.table || e['kind'] !== s.kind || e['ddl'] !== s.ddl || e['schema_json'] !== json) {
          throw conflict(`schema change ${seq} of the transaction at ${end.commitPosition.format()} differs from the stored one`, end.commitPosition);
        }
      }
    });
    (end.tableEvents ?? []).forEach((ev, seq) => {
      const to = ev.kind === 'rename' ? ev.to : null;
      if (this.insertEvent.run(commitPos, startPos, seq, ev.kind, ev.table, to).changes === 0) {
        const e = this.selectEvent.get(commitPos, startPos, seq);
        if (!e || e['kind'] !== ev.kind || e['table_name'] !== ev.table || e['to_name'] !== to) {
          throw conflict(`table event ${seq} of the transaction at ${end.commitPosition.format()} differs from the stored one`, end.commitPosition);
        }
      }
    });
  }

  /** Moves the checkpoint to `incoming` unless the stored one is further. */
  advanceCheckpoint(incoming: Checkpoint): void {
    this.checkpoints.advance(incoming);
  }

  private tableId(name: string, multiset: boolean): number {
    let known = this.tableIds.get(name);
    if (known === undefined) {
      this.insertName.run(name);
      const row = this.selectName.get(name);
      if (row === undefined) throw new BinsnapError('BINSNAP_E_INTERNAL', `table name ${name} was not stored`, { table: name });
      known = { id: row.table_id, multiset: row.multiset === 1 };
      this.tableIds.set(name, known);
    }
    if (multiset && !known.multiset) {
      this.markMultiset.run(known.id);
      known.multiset = true;
    }
    return known.id;
  }
}

function conflict(message: string, at: BinlogPosition): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CONFLICT', message, { position: at.format() });
}
