/**
 * Writes test/fixtures/store/layout<N>.db: the transactions of
 * src/store/layout-fixture.test-util.ts in a store file of the layout the
 * checked-out binsnap writes, to test later upgrades against a file an
 * older binsnap really wrote. Run it only at the commit whose layout the
 * file is to have (test/fixtures/store/README.md names the commits):
 *   npx tsx scripts/make-store-fixtures.ts
 * At layout 4 it also writes layout3.db from the same store: layout 3
 * differed from 4 only in keeping the page bodies in version_pages, so the
 * bodies are moved back.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { LAYOUT_VERSION } from '../src/store/sqlite-schema.js';
import { fixtureTransactions } from '../src/store/layout-fixture.test-util.js';

const outDir = new URL('../test/fixtures/store/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const dir = mkdtempSync(path.join(os.tmpdir(), 'binsnap-fixture-'));
const file = path.join(dir, 'store.db');

function save(layout: number): void {
  const out = path.join(outDir, `layout${layout}.db`);
  if (existsSync(out)) rmSync(out);
  copyFileSync(file, out);
  console.log(`wrote ${out} (layout ${layout})`);
}

try {
  // Small pages and tiers: several pages per run and merged runs with little data.
  const store = await openSqliteStore({ path: file, tuning: { pageBytes: 1024, tierBase: 32, fanout: 2, stepVersions: 500 } });
  for (const t of fixtureTransactions()) await store.apply([t]);
  await store.close();
  const db = new Database(file);
  db.exec('VACUUM'); // still in WAL mode, as every store is
  db.close();
  save(LAYOUT_VERSION);
  if ((LAYOUT_VERSION as number) === 4) {
    const back = new Database(file);
    back.exec(`
      ALTER TABLE version_pages ADD COLUMN body BLOB;
      UPDATE version_pages SET body = (SELECT body FROM page_bodies b WHERE b.page_id = version_pages.page_id);
      DROP TABLE page_bodies;
      VACUUM;
    `);
    back.pragma('user_version = 3');
    back.close();
    save(3);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
