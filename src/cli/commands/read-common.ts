/**
 * What the read-only commands (export, schema, history, status) share: the
 * required --table, opening the store read-only and always closing it, the
 * checks that the store holds anything and knows the table, and the text forms
 * of positions, instants and `--at` values they print.
 *
 * Invariants: a read command never creates a store (`create: false`), closes
 * it on every path, and refuses an empty store (BINSNAP_E_STORE_EMPTY) and a
 * table the store has never heard of (BINSNAP_E_STORE_TABLE_UNKNOWN) before it
 * reads anything, so "nothing printed" always means "nothing there as of --at".
 */
import type { AsOf } from '../../core/as-of.js';
import { BinsnapError } from '../../core/errors.js';
import type { BinlogPosition } from '../../core/position.js';
import type { StoreLocation, TableName } from '../../config/values.js';
import type { Checkpoint, SnapshotStore } from '../../store/index.js';
import type { CommandContext } from '../command.js';
import { openStore } from '../open-store.js';

/** `db.table` of the required --table option, or BINSNAP_E_USAGE naming the command. */
export function requiredTable(ctx: CommandContext, command: string): string {
  const t = ctx.config.values.get('table') as TableName | undefined;
  if (t === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', `\`binsnap ${command}\` needs --table DB.TABLE`, { field: '--table' });
  }
  return `${t.db}.${t.table}`;
}

/** The --at value (default latest). */
export function asOfOption(ctx: CommandContext): AsOf {
  return (ctx.config.values.get('at') as AsOf | undefined) ?? { kind: 'latest' };
}

export function isJson(ctx: CommandContext): boolean {
  return ctx.config.values.get('json') === true;
}

/** Opens the --store read-only (it must exist), runs `fn`, and closes the store whatever happens. */
export async function withStore<T>(ctx: CommandContext, fn: (store: SnapshotStore) => Promise<T>): Promise<T> {
  const store = await openStore(ctx.config.values.get('store') as StoreLocation | undefined, { create: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The checkpoint, or BINSNAP_E_STORE_EMPTY when the store holds no transaction. */
export async function requireCheckpoint(store: SnapshotStore): Promise<Checkpoint> {
  const cp = await store.checkpoint();
  if (cp === null) throw new BinsnapError('BINSNAP_E_STORE_EMPTY', 'the store holds no transaction yet');
  return cp;
}

/**
 * BINSNAP_E_STORE_TABLE_UNKNOWN unless the store has a schema version, table
 * events or row versions of `table`. Cheapest checks first: tableStats counts
 * the rows of every table, so it only runs when nothing else answered.
 */
export async function requireKnownTable(store: SnapshotStore, table: string): Promise<void> {
  if ((await store.schemaAt(table, { kind: 'latest' })) !== null) return;
  if ((await store.tableEventsOf(table)).length > 0) return;
  for await (const _row of store.readTable(table, { kind: 'latest' })) return;
  if ((await store.tableStats()).some((s) => s.table === table)) return;
  throw new BinsnapError('BINSNAP_E_STORE_TABLE_UNKNOWN', `the store holds no table ${table}`, { table });
}

/** `--at` as the user gave it: `latest`, `FILE:POS` or the ISO instant. */
export function asOfText(asOf: AsOf): string {
  switch (asOf.kind) {
    case 'latest':
      return 'latest';
    case 'position':
      return asOf.position.format();
    case 'instant':
      return asOf.at.toISOString();
  }
}

/** Where the state printed comes from, for human output: `mysql-bin.000002:900` or why there is none. */
export function resolvedText(resolved: BinlogPosition | null): string {
  return resolved === null ? 'no stored transaction (before the first one)' : resolved.format();
}

/** Integer milliseconds since the epoch as an ISO-8601 instant in UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A duration as its two largest units: `3d 4h`, `4h 5m`, `5m 3s`, `3s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !/^0/.test(p)).join(' ');
}
