import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { resolveConfig } from './load.js';
import type { AsOf, SourceUrl, StoreLocation, TableName } from './values.js';

const files = (content: Record<string, string>) => (path: string): string => {
  const c = content[path];
  if (c === undefined) throw new Error(`ENOENT: no such file ${path}`);
  return c;
};

function configError(fn: () => unknown): BinsnapError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BinsnapError) return err;
    throw err;
  }
  throw new Error('expected a BinsnapError');
}

describe('resolveConfig precedence: flags > BINSNAP_* > --config file > defaults', () => {
  const file = files({ '/c.json': JSON.stringify({ from: 'mysql-bin.000001:4', until: 'mysql-bin.000009:4', 'server-id': 7, store: '/f.db' }) });

  it('takes each value from the strongest source that has it', () => {
    const cfg = resolveConfig(
      'run',
      { from: 'mysql-bin.000003:120', config: '/c.json' },
      { BINSNAP_UNTIL: 'mysql-bin.000005:4' },
      [],
      file,
    );
    expect((cfg.values.get('from') as BinlogPosition).format()).toBe('mysql-bin.000003:120');
    expect(cfg.origins.get('from')).toEqual({ kind: 'flag', name: '--from' });
    expect((cfg.values.get('until') as BinlogPosition).format()).toBe('mysql-bin.000005:4');
    expect(cfg.origins.get('until')).toEqual({ kind: 'env', name: 'BINSNAP_UNTIL' });
    expect(cfg.values.get('serverId')).toBe(7);
    expect(cfg.values.get('store')).toEqual({ kind: 'sqlite', path: '/f.db' });
    expect(cfg.values.get('logLevel')).toBe('info');
  });

  it('reads the config file named by BINSNAP_CONFIG too', () => {
    const cfg = resolveConfig('run', {}, { BINSNAP_CONFIG: '/c.json' }, [], file);
    expect((cfg.values.get('from') as BinlogPosition).format()).toBe('mysql-bin.000001:4');
  });
});

describe('validation errors name the field and where the value came from', () => {
  it('a bad flag value', () => {
    const err = configError(() => resolveConfig('run', { from: 'mysql-bin.000003' }, {}));
    expect(err.code).toBe('BINSNAP_E_CONFIG_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--from (flag --from)');
  });
  it('a bad environment variable', () => {
    const err = configError(() => resolveConfig('seed', {}, { BINSNAP_PARALLEL: 'two' }));
    expect(err.message).toBe('--parallel (environment variable BINSNAP_PARALLEL): "two" is not a positive integer');
    expect(err.context.field).toBe('--parallel');
  });
  it('a bad config file value, and an unknown config key', () => {
    const bad = files({ '/b.json': '{"metrics": "localhost:99999"}', '/u.json': '{"form": "x"}', '/o.json': '{"until": "m.1:4"}' });
    expect(configError(() => resolveConfig('run', { config: '/b.json' }, {}, [], bad)).message).toContain(
      'config file key "metrics"',
    );
    const unknown = configError(() => resolveConfig('run', { config: '/u.json' }, {}, [], bad));
    expect(unknown.message).toBe('config file key "form" is not a binsnap option');
    const other = configError(() => resolveConfig('export', { config: '/o.json' }, {}, [], bad));
    expect(other.message).toBe('config file key "until" is not an option of `binsnap export`');
  });
  it('an unreadable or malformed config file', () => {
    const f = files({ '/bad.json': '{ not json' });
    expect(configError(() => resolveConfig('status', { config: '/none.json' }, {}, [], f)).code).toBe('BINSNAP_E_CONFIG_FILE');
    expect(configError(() => resolveConfig('status', { config: '/bad.json' }, {}, [], f)).code).toBe('BINSNAP_E_CONFIG_FILE');
  });
  it('never echoes a password from a bad source URL', () => {
    const err = configError(() => resolveConfig('seed', { source: 'postgres://u:hunter2@h:5432' }, {}));
    expect(err.message).toContain('scheme "postgres:"');
    const err2 = configError(() => resolveConfig('seed', { source: 'mysql://u:hunter2@' }, {}));
    expect(err2.describe()).not.toContain('hunter2');
  });
});

describe('option types', () => {
  it('parses a source URL with TLS settings and keeps only a redacted form for printing', () => {
    const cfg = resolveConfig('seed', { source: 'mysql://repl:p%40ss@db.example:3307?ssl=required&ssl-ca=/ca.pem' }, {});
    const src = cfg.values.get('source') as SourceUrl;
    expect(src).toMatchObject({ host: 'db.example', port: 3307, user: 'repl', password: 'p@ss' });
    expect(src.ssl).toEqual({ mode: 'required', ca: '/ca.pem' });
    expect(src.redacted).toBe('mysql://repl:***@db.example:3307?ssl=required&ssl-ca=/ca.pem');
  });
  it('tells the embedded store from redis', () => {
    expect(resolveConfig('status', { store: 'redis://:pw@r:6379/2' }, {}).values.get('store')).toEqual({
      kind: 'redis',
      url: 'redis://:pw@r:6379/2',
      redacted: 'redis://:***@r:6379/2',
    } satisfies StoreLocation);
    expect(configError(() => resolveConfig('status', { store: 'http://x' }, {})).code).toBe('BINSNAP_E_CONFIG_INVALID');
  });
  it('parses --at as latest, a position or an instant with a zone', () => {
    const at = (v: string): AsOf => resolveConfig('export', { at: v, table: 'd.t' }, {}).values.get('at') as AsOf;
    expect(at('latest')).toEqual({ kind: 'latest' });
    const p = at('mysql-bin.000010:4');
    expect(p.kind === 'position' && p.position.fileNumber).toBe(10);
    const i = at('2026-11-22T10:00:00Z');
    expect(i.kind === 'instant' && i.at.toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(configError(() => at('2026-11-22T10:00:00')).message).toContain('needs a time zone');
  });
  it('parses tables and table lists', () => {
    expect(resolveConfig('export', { table: 'shop.orders' }, {}).values.get('table')).toEqual({ db: 'shop', table: 'orders' } satisfies TableName);
    expect(resolveConfig('seed', { tables: 'shop.orders, crm.*' }, {}).values.get('tables')).toEqual([
      { db: 'shop', table: 'orders' },
      { db: 'crm', table: '*' },
    ]);
    expect(configError(() => resolveConfig('export', { table: 'orders' }, {})).message).toContain('is not database.table');
    expect(configError(() => resolveConfig('export', { table: 'shop.*' }, {})).message).toContain('names no single table');
  });
  it("parses seed's --global-lock: auto by default, always or never, nothing else", () => {
    expect(resolveConfig('seed', {}, {}).values.get('globalLock')).toBe('auto');
    expect(resolveConfig('seed', { globalLock: 'never' }, {}).values.get('globalLock')).toBe('never');
    expect(resolveConfig('seed', {}, { BINSNAP_GLOBAL_LOCK: 'always' }).values.get('globalLock')).toBe('always');
    const err = configError(() => resolveConfig('seed', { globalLock: 'sometimes' }, {}));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('"sometimes" is not one of auto, always, never');
  });
  it("parses replay's --lower-case-table-names: 0, 1 or 2 (a number in a config file too), unset by default", () => {
    expect(resolveConfig('replay', {}, {}).values.get('lowerCaseTableNames')).toBeUndefined();
    expect(resolveConfig('replay', { lowerCaseTableNames: '1' }, {}).values.get('lowerCaseTableNames')).toBe(1);
    const file = files({ '/n.json': '{"lower-case-table-names": 2}' });
    expect(resolveConfig('replay', { config: '/n.json' }, {}, [], file).values.get('lowerCaseTableNames')).toBe(2);
    const err = configError(() => resolveConfig('replay', {}, { BINSNAP_LOWER_CASE_TABLE_NAMES: '3' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('"3" is not one of 0, 1, 2');
  });
  it('parses GTID sets of both flavours and a metrics address', () => {
    const cfg = resolveConfig('run', { fromGtid: '0-1-100,1-2-5', metrics: '9100' }, {});
    expect(cfg.values.get('fromGtid')).toMatchObject({ flavor: 'mariadb' });
    expect(cfg.values.get('metrics')).toEqual({ host: '127.0.0.1', port: 9100 });
    const my = resolveConfig('run', { fromGtid: '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5' }, {});
    expect(my.values.get('fromGtid')).toMatchObject({ flavor: 'mysql' });
    expect(configError(() => resolveConfig('run', { fromGtid: 'nonsense' }, {})).context.field).toBe('--from-gtid');
  });
});
