/**
 * lower_case_table_names of the source: how the schema history folds database and table names.
 * Under 1 the server keeps and logs those names in lower case (a TABLE_MAP says `shop.orders`)
 * while DDL statements keep the case they were typed in (`ALTER TABLE Shop.Orders`); under 2 it
 * compares them in lower case. A live source reports the value (preflight); binlog files do not
 * hold it, so a file replay takes --lower-case-table-names, else what the store recorded, else 0.
 *
 * The store records the value it was first written with (meta `lower_case_table_names`); a writer
 * with another one is refused (BINSNAP_E_SOURCE_NAME_CASE): names stored under one rule are not
 * found under the other. Read commands fold a --table name as the store's rule does.
 */
import { BinsnapError } from '../core/errors.js';
import type { SnapshotStore } from '../store/index.js';

export type NameCase = 0 | 1 | 2;

export const NAME_CASE_META = 'lower_case_table_names';

function parseStored(text: string | null): NameCase | undefined {
  return text === '0' || text === '1' || text === '2' ? (Number(text) as NameCase) : undefined;
}

/**
 * The rule a writing command uses: the server's (`server`, from preflight) or the flag's
 * (`flag`), which must agree when both are given; else the store's; else 0. A given value is
 * recorded in the store when it has none yet, and refused when it differs from the store's.
 */
export async function nameCaseFor(store: SnapshotStore, given: { readonly server?: NameCase; readonly flag?: NameCase }): Promise<NameCase> {
  const { server, flag } = given;
  if (server !== undefined && flag !== undefined && server !== flag) {
    throw new BinsnapError(
      'BINSNAP_E_USAGE',
      `--lower-case-table-names ${flag} disagrees with the source server, whose lower_case_table_names is ${server}; leave the flag out with --source`,
      { field: '--lower-case-table-names' },
    );
  }
  const stored = parseStored(await store.getMeta(NAME_CASE_META));
  const wanted = server ?? flag;
  // Not recorded when only assumed: a first replay of files without the flag may have guessed wrong.
  if (wanted === undefined) return stored ?? 0;
  if (stored !== undefined && stored !== wanted) {
    throw new BinsnapError(
      'BINSNAP_E_SOURCE_NAME_CASE',
      `the store was written with lower_case_table_names=${stored}, and ${server !== undefined ? 'the source server has' : '--lower-case-table-names gives'} ${wanted}`,
      { field: 'lower_case_table_names' },
    );
  }
  if (stored === undefined) await store.setMeta(NAME_CASE_META, String(wanted));
  return wanted;
}

/** `db.table` as the store keeps it: in lower case when the store was written with lower_case_table_names=1. */
export async function storedTableName(store: SnapshotStore, table: string): Promise<string> {
  return parseStored(await store.getMeta(NAME_CASE_META)) === 1 ? table.toLowerCase() : table;
}
