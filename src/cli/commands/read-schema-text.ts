/**
 * A TableSchema as readable text for `binsnap schema`: a CREATE TABLE-like
 * listing with one line per column (type with its parameters, UNSIGNED,
 * character set and collation, generated expression, NULL/NOT NULL,
 * AUTO_INCREMENT, INVISIBLE), then the primary key and the unique keys.
 * It describes what binsnap knows; it is not meant to be executed (defaults
 * and secondary indexes are not shown).
 */
import type { ColumnSchema, TableSchema } from '../../core/schema.js';

const quoteId = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const quoteLabel = (label: string): string => `'${label.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

const LENGTH_TYPES = new Set(['char', 'varchar', 'binary', 'varbinary', 'bit', 'vector']);
const FSP_TYPES = new Set(['time', 'datetime', 'timestamp']);

/** `varchar(64)`, `decimal(10,2)`, `datetime(3)`, `enum('a','b')`, `int`. */
export function columnType(c: ColumnSchema): string {
  let t = c.type;
  if (c.values && (c.type === 'enum' || c.type === 'set')) t += `(${c.values.map(quoteLabel).join(',')})`;
  else if (c.precision !== undefined) t += c.scale !== undefined ? `(${c.precision},${c.scale})` : `(${c.precision})`;
  else if (c.length !== undefined && LENGTH_TYPES.has(c.type)) t += `(${c.length})`;
  else if (c.fsp !== undefined && c.fsp > 0 && FSP_TYPES.has(c.type)) t += `(${c.fsp})`;
  return t;
}

export function columnLine(c: ColumnSchema): string {
  const parts = [quoteId(c.name), columnType(c)];
  if (c.unsigned) parts.push('unsigned');
  if (c.charset) parts.push(`CHARACTER SET ${c.charset}`);
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.generated.expression}) ${c.generated.stored ? 'STORED' : 'VIRTUAL'}`);
  parts.push(c.nullable ? 'NULL' : 'NOT NULL');
  if (c.autoIncrement) parts.push('AUTO_INCREMENT');
  if (c.invisible) parts.push('INVISIBLE');
  return parts.join(' ');
}

export function renderCreateTable(schema: TableSchema): string {
  const lines = schema.columns.map(columnLine);
  if (schema.primaryKey.length > 0) lines.push(`PRIMARY KEY (${schema.primaryKey.map(quoteId).join(', ')})`);
  for (const k of schema.uniqueKeys) lines.push(`UNIQUE KEY ${quoteId(k.name)} (${k.columns.map(quoteId).join(', ')})`);
  const options: string[] = [];
  if (schema.charset) options.push(`DEFAULT CHARSET=${schema.charset}`);
  if (schema.collation) options.push(`COLLATE=${schema.collation}`);
  const tail = options.length > 0 ? ` ${options.join(' ')}` : '';
  const notes: string[] = [];
  if (schema.primaryKey.length === 0) notes.push('-- no primary key: rows are kept as a multiset of whole rows');
  if (schema.incomplete) notes.push('-- incomplete: columns are completed from the binlog table map');
  const body = `CREATE TABLE ${quoteId(schema.db)}.${quoteId(schema.name)} (\n${lines.map((l) => `  ${l}`).join(',\n')}\n)${tail}`;
  return [body, ...notes].join('\n');
}
