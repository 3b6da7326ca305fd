/**
 * openStore on a store file an older binsnap wrote: a writing command logs
 * the upgrade's start, how far it is, and its end; a read command refuses
 * the file without logging an upgrade.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore } from './open-store.js';

function memoryLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('openStore on an older store file', () => {
  const fixture = new URL('../../test/fixtures/store/layout4.db', import.meta.url).pathname;

  it('a writing open logs the upgrade: its start, the pages rewritten so far, its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'binsnap-open-'));
    try {
      const path = join(dir, 'store.db');
      copyFileSync(fixture, path);
      const pages = (() => {
        const db = new Database(path, { readonly: true });
        try {
          return Number(db.prepare('SELECT count(*) FROM page_bodies').pluck().get());
        } finally {
          db.close();
        }
      })();
      const { log, lines } = memoryLogger();
      const store = await openStore({ kind: 'sqlite', path }, { create: true, log, upgradeProgressEveryMs: 0 });
      await store.close();
      const messages = lines.map((l) => l['msg']);
      expect(messages[0]).toMatch(/^upgrading the store file to the current layout/);
      expect(lines[0]).toMatchObject({ store: path, fromLayout: 4, toLayout: 5 });
      const progress = lines.filter((l) => l['msg'] === 'upgrading the store file');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress[progress.length - 1]).toMatchObject({ pagesDone: pages, pagesTotal: pages, percent: 100 });
      expect(messages[messages.length - 1]).toBe('store file upgraded');
      expect(typeof lines[lines.length - 1]?.['seconds']).toBe('number');

      // Opened again: nothing left to upgrade, nothing logged.
      const again = memoryLogger();
      await (await openStore({ kind: 'sqlite', path }, { create: true, log: again.log })).close();
      expect(again.lines).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a read-only open refuses the file and logs no upgrade', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'binsnap-open-'));
    try {
      const path = join(dir, 'store.db');
      copyFileSync(fixture, path);
      const { log, lines } = memoryLogger();
      await expect(openStore({ kind: 'sqlite', path }, { create: false, log })).rejects.toMatchObject({ code: 'BINSNAP_E_STORE_VERSION' });
      expect(lines).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
