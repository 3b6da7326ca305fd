import { afterEach, describe, expect, it, vi } from 'vitest';
import { txn, upsert } from '../../store/contract-fixtures.test-util.js';
import { makeStore, minute, runCli, type TempStore } from './read-fixture.test-util.js';

const stores: TempStore[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) s.cleanup();
});

async function store(...args: Parameters<typeof makeStore>): Promise<TempStore> {
  const s = await makeStore(...args);
  stores.push(s);
  return s;
}

describe('binsnap status', () => {
  it('prints the checkpoint, GTID set, last commit time, lag and per-table counts', async () => {
    const s = await store();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(minute(8) + 3_723_000); // 1h 2m 3s after the last commit
    const r = await runCli(['status', '--store', s.path]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'checkpoint   mysql-bin.000002:1300',
        'gtid set     0-1-9',
        'last commit  2026-01-02T03:12:05.000Z (1h 2m ago)',
        'lag          1h 2m',
        '',
        'table        rows  versions',
        'shop.log        1         5',
        'shop.orders     0         6',
        'shop.raw        2         2',
        'shop.sales      3         1',
        'shop.tmp        0         1',
        '',
      ].join('\n'),
    );
  });

  it('--json', async () => {
    const s = await store();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(minute(8) + 5_000);
    const r = await runCli(['status', '--store', s.path, '--json']);
    expect(JSON.parse(r.out)).toEqual({
      checkpoint: { position: 'mysql-bin.000002:1300', gtidSet: '0-1-9', commitTimestamp: minute(8), commitTime: '2026-01-02T03:12:05.000Z' },
      lagMs: 5_000,
      tables: [
        { table: 'shop.log', rows: 1, versions: 5 },
        { table: 'shop.orders', rows: 0, versions: 6 },
        { table: 'shop.raw', rows: 2, versions: 2 },
        { table: 'shop.sales', rows: 3, versions: 1 },
        { table: 'shop.tmp', rows: 0, versions: 1 },
      ],
      unfinishedSeed: null,
    });
  });

  it('without GTIDs says (none); an empty store says so and exits 0', async () => {
    const s = await store([txn({ start: [3, 4], commit: [3, 50], ts: minute(0), rows: [upsert('d.t', { id: 1 }, { id: 1 }, [3, 10])] })]);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(minute(0) + 2 * 86_400_000 + 7_200_000 + 1);
    const r = await runCli(['status', '--store', s.path]);
    expect(r.out).toBe(
      [
        'checkpoint   mysql-bin.000003:50',
        'gtid set     (none)',
        'last commit  2026-01-02T03:04:05.000Z (2d 2h ago)',
        'lag          2d 2h',
        '',
        'table  rows  versions',
        'd.t       1         1',
        '',
      ].join('\n'),
    );
    const empty = await store([]);
    const e = await runCli(['status', '--store', empty.path]);
    expect(e.code).toBe(0);
    expect(e.out).toBe('the store is empty\n');
    expect(JSON.parse((await runCli(['status', '--store', empty.path, '--json'])).out)).toEqual({ checkpoint: null, lagMs: null, tables: [], unfinishedSeed: null });
  });

  it('a store path that does not exist is an error, not a new store', async () => {
    const r = await runCli(['status', '--store', '/nonexistent-dir/binsnap.db']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('BINSNAP_E_STORE_OPEN');
  });
});
