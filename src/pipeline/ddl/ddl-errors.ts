/**
 * The coded errors of the DDL processor (core/error-codes.ts, section "DDL
 * and schema"). Building them here keeps messages uniform: each names the
 * statement's object and, when the caller knows it, the binlog position.
 *
 * Invariant: pure constructors; nothing here logs or decides to skip — the
 * processor decides, from the user's --skip-unparseable-ddl flag.
 */
import { BinsnapError } from '../../core/errors.js';
import type { ParseFailure } from './ast.js';

/** BINSNAP_E_DDL_UNPARSEABLE for a parse failure; `position` is the QUERY event's position as text. */
export function unparseableDdl(failure: ParseFailure, position?: string): BinsnapError {
  const near = failure.near === '' ? 'at the end of the statement' : `near '${failure.near}'`;
  return new BinsnapError(
    'BINSNAP_E_DDL_UNPARSEABLE',
    `Cannot parse DDL statement: ${failure.message} ${near} at offset ${failure.offset}`,
    position === undefined ? { statement: failure.statement, offset: failure.offset } : { position, statement: failure.statement, offset: failure.offset },
  );
}

/** `twin`: a table of the history named so in another letter case (the source may fold names: lower_case_table_names=1). */
export function unknownTable(table: string, what: string, twin?: string): BinsnapError {
  const hint = twin === undefined ? '' : `; the history has ${twin}: if the source server has lower_case_table_names=1, replay binlog files with --lower-case-table-names 1`;
  return new BinsnapError('BINSNAP_E_DDL_UNKNOWN_TABLE', `${what} of table ${table}, which is not in the schema history${hint}`, { table });
}

export function schemaMismatch(table: string, message: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_DDL_SCHEMA_MISMATCH', `${message} (table ${table})`, { table });
}
