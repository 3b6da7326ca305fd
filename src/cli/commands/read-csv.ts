/**
 * Row formatting for `binsnap export`: JSON lines and RFC 4180 CSV.
 *
 * jsonl: one JSON object per row, the row's SPEC §3 values as the store holds
 * them (keys are column names in column order), terminated by `\n`.
 *
 * csv (RFC 4180): records end with CRLF; a field is quoted when it holds a
 * comma, a double quote, CR or LF, and quotes inside are doubled. NULL (and a
 * column the row does not have) is an empty unquoted field; the empty string is
 * `""`, so the two stay distinguishable. Numbers and booleans print as in JSON;
 * objects and arrays (JSON columns, VECTOR) as their JSON text.
 */
import type { JsonValue, RowValues } from '../../store/index.js';

export function jsonlLine(row: RowValues): string {
  return `${JSON.stringify(row)}\n`;
}

export function csvField(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header record of column names. */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.map((c) => csvField(c)).join(',')}\r\n`;
}

/** One record: the row's values in `columns` order. */
export function csvRecord(row: RowValues, columns: readonly string[]): string {
  return `${columns.map((c) => csvField(row[c])).join(',')}\r\n`;
}
