/**
 * `binsnap history --table db.t --key '{"id":42}'`: every version of one row
 * in the table's current incarnation (through renames and truncates), oldest
 * first.
 *
 * The key is matched the way the writer stored it: its columns are put in the
 * key order of the table's latest known schema (a primary key must be given
 * completely, else BINSNAP_E_USAGE naming the key columns), and the schema's
 * numeric columns sort numerically (numericKeyColumnsOf). A table without a
 * primary key is matched by the whole row image.
 *
 * Human output: a header, then per version `op  file:offset:row  committed at
 * POS, TIME[, gtid G][, as OLD_NAME]` and the row's values as JSON (or
 * `(deleted)`); `no versions …` when nothing matches (exit 0). --json: an array
 * of `{table, op, version, eventPosition, commitPosition, commitTime, gtid, values}`
 * where `table` is the name the table had when the version was written.
 */
import { BinsnapError } from '../../core/errors.js';
import type { TableSchema } from '../../core/schema.js';
import { numericKeyColumnsOf, type RowHistoryEntry, type RowKey, type SnapshotStore } from '../../store/index.js';
import { formatVersionId } from '../../store/index.js';
import type { CommandHandler } from '../command.js';
import { storedTableName } from '../name-case.js';
import { isJson, isoTime, requireCheckpoint, requireKnownTable, requiredTable, withStore } from './read-common.js';

export const historyCommand: CommandHandler = async (ctx) => {
  const givenTable = requiredTable(ctx, 'history');
  const given = ctx.config.values.get('key') as Record<string, unknown> | undefined;
  if (given === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap history` needs --key JSON, the primary key as an object like {"id":42}', { field: '--key' });
  }
  return withStore(ctx, async (store) => {
    const table = await storedTableName(store, givenTable);
    await requireCheckpoint(store);
    await requireKnownTable(store, table);
    const schema = await latestSchema(store, table);
    const key = keyInSchemaOrder(table, given as RowKey, schema);
    const entries = await store.rowHistory(table, key, schema ? { numericKeyColumns: numericKeyColumnsOf(schema) } : {});
    ctx.logger.debug({ table, versions: entries.length }, 'row history');
    ctx.stdout.write(isJson(ctx) ? `${JSON.stringify(entries.map(entryJson))}\n` : historyText(table, key, entries));
    return 0;
  });
};

/** The newest schema of the name that is not a drop (a dropped table keeps the key layout it had). */
async function latestSchema(store: SnapshotStore, table: string): Promise<TableSchema | null> {
  const versions = await store.schemaHistory(table);
  for (let i = versions.length - 1; i >= 0; i--) {
    const s = versions[i]?.schema;
    if (s) return s;
  }
  return null;
}

/** The key with its columns in the schema's key order; without a schema, as given. */
export function keyInSchemaOrder(table: string, key: RowKey, schema: TableSchema | null): RowKey {
  if (schema === null) return key;
  const wholeRow = schema.primaryKey.length === 0;
  const columns = wholeRow ? schema.columns.map((c) => c.name) : schema.primaryKey;
  const given = Object.keys(key);
  const sameSet = given.length === columns.length && columns.every((c) => Object.hasOwn(key, c));
  if (!sameSet) {
    // A whole-row image may differ from today's columns (old versions): match it as given.
    if (wholeRow) return key;
    throw new BinsnapError('BINSNAP_E_USAGE', `--key must give exactly the primary key columns of ${table}: ${columns.join(', ')}`, {
      field: '--key',
      table,
    });
  }
  const ordered: Record<string, RowKey[string]> = {};
  for (const c of columns) ordered[c] = key[c] as RowKey[string];
  return ordered;
}

function entryJson(e: RowHistoryEntry) {
  return {
    table: e.table,
    op: e.op,
    version: formatVersionId(e.version),
    eventPosition: e.position.format(),
    commitPosition: e.transaction.commitPosition.format(),
    commitTime: isoTime(e.transaction.commitTimestamp),
    gtid: e.transaction.gtid ?? null,
    values: e.values,
  };
}

function historyText(table: string, key: RowKey, entries: readonly RowHistoryEntry[]): string {
  const what = `${table} key ${JSON.stringify(key)}`;
  if (entries.length === 0) return `no versions of ${what}\n`;
  const lines = [`${what}: ${entries.length} version${entries.length === 1 ? '' : 's'}`];
  for (const e of entries) {
    const gtid = e.transaction.gtid ? `, gtid ${e.transaction.gtid}` : '';
    const renamed = e.table !== table ? `, as ${e.table}` : '';
    lines.push(
      `${e.op.padEnd(6)} ${formatVersionId(e.version)}  committed at ${e.transaction.commitPosition.format()}, ${isoTime(e.transaction.commitTimestamp)}${gtid}${renamed}`,
      `  ${e.values === null ? '(deleted)' : JSON.stringify(e.values)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
