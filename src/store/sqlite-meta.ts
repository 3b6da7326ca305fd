/**
 * The embedded store's bookkeeping documents (SnapshotStore.getMeta/setMeta):
 * the `meta` table of layout 2, name → value. Reads go through the read-only
 * connection, writes through the writer connection, each write its own
 * SQLite transaction (so it is as durable as a commit and ordered with them
 * in the WAL).
 *
 * Every store the embedded backend opens has layout 3 or later, so the table exists;
 * the lookup of the table and the `upgrade` hook stay as a guard (a read
 * then finds no document; a write upgrades the file first).
 */
import type Database from 'better-sqlite3';

export class MetaTable {
  private select: Database.Statement<[string], { value: string }> | null = null;
  private upsert: Database.Statement<[string, string]> | null = null;
  private remove: Database.Statement<[string]> | null = null;
  private readonly hasTable: Database.Statement<[], number>;

  constructor(
    private readonly db: Database.Database,
    private readonly reader: Database.Database,
    /** Brings the file to a layout with the meta table (runs the migrations on the writer connection). */
    private readonly upgrade: () => void,
  ) {
    this.hasTable = reader.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").pluck() as Database.Statement<[], number>;
  }

  get(name: string): string | null {
    if (this.select === null) {
      if (this.hasTable.get() === 0) return null;
      this.select = this.reader.prepare('SELECT value FROM meta WHERE name = ?');
    }
    return this.select.get(name)?.value ?? null;
  }

  set(name: string, value: string | null): void {
    if (this.upsert === null || this.remove === null) {
      this.upgrade();
      this.upsert = this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
      this.remove = this.db.prepare('DELETE FROM meta WHERE name = ?');
    }
    if (value === null) this.remove.run(name);
    else this.upsert.run(name, value);
  }
}
