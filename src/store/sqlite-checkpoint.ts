/**
 * The checkpoint row of the embedded store: one row, id 1, holding the
 * greatest position committed so far with its GTID set. Written only inside
 * the SQLite transaction that holds the data it covers, so it never points
 * past data that is durable with it.
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import { formatGtidSet, parseGtidSet } from '../core/gtid.js';
import { parseStoredPosition, posBlob } from './sqlite-codec.js';
import type { Checkpoint } from './snapshot-store.js';
import { nextCheckpoint } from './transaction-rules.js';

interface CheckpointRow {
  readonly position: string;
  readonly gtid_flavor: string | null;
  readonly gtid_set: string | null;
  readonly commit_ts_ms: number;
}

export class CheckpointTable {
  private readonly select: Database.Statement<[], CheckpointRow>;
  private readonly upsert: Database.Statement<[string, Buffer, string | null, string | null, number]> | null;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT position, gtid_flavor, gtid_set, commit_ts_ms FROM checkpoint WHERE id = 1');
    this.upsert = db.readonly
      ? null
      : db.prepare(
          `INSERT INTO checkpoint (id, position, pos, gtid_flavor, gtid_set, commit_ts_ms) VALUES (1, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET position = excluded.position, pos = excluded.pos,
             gtid_flavor = excluded.gtid_flavor, gtid_set = excluded.gtid_set, commit_ts_ms = excluded.commit_ts_ms`,
        );
  }

  read(): Checkpoint | null {
    const row = this.select.get();
    if (!row) return null;
    const flavor = row.gtid_flavor;
    if (flavor !== null && flavor !== 'mysql' && flavor !== 'mariadb') {
      throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the checkpoint has an unknown GTID flavour "${flavor}"`);
    }
    return {
      position: parseStoredPosition(row.position),
      commitTimestamp: row.commit_ts_ms,
      ...(flavor !== null && row.gtid_set !== null ? { gtidSet: parseGtidSet(row.gtid_set, flavor) } : {}),
    };
  }

  /** Moves the checkpoint to `incoming` unless the stored one is further (see nextCheckpoint). */
  advance(incoming: Checkpoint): void {
    if (this.upsert === null) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the checkpoint is read-only on this connection');
    const next = nextCheckpoint(this.read(), incoming);
    if (next !== incoming) return;
    this.upsert.run(
      next.position.format(),
      posBlob(next.position),
      next.gtidSet?.flavor ?? null,
      next.gtidSet ? formatGtidSet(next.gtidSet) : null,
      next.commitTimestamp,
    );
  }
}
