/**
 * How a rows event learns its columns: the caller's schema as of the event's
 * position (SPEC §4), the TABLE_MAP optional metadata, or neither (columns
 * named `@1`, `@2`, …, signed, binary, no labels). Produces, once per
 * TABLE_MAP, the per-column ColumnDecodeInfo the value decoder needs.
 *
 * Invariants: a schema whose column count differs from the TABLE_MAP's, or
 * whose type (when it gives one) is not the TABLE_MAP's type family, or whose
 * names disagree with names the binlog carries, is BINSNAP_E_SCHEMA_MISMATCH
 * naming table and position. When the binlog carries metadata (names,
 * signedness, charsets, labels) that metadata wins over the schema.
 */
import { BinsnapError } from '../../core/errors.js';
import type { BinlogPosition } from '../../core/position.js';
import { ColumnType as T, type ColumnDecodeInfo } from '../values/column.js';
import type { TextForm } from '../values/mariadb-text-forms.js';
import type { TableMapBody, TableMapEvent } from './events.js';

/** One column of the caller's schema, in table order. */
export interface SchemaColumn {
  readonly name: string;
  /** MySQL type code (enum_field_types) when known; checked against TABLE_MAP. */
  readonly type?: number;
  readonly unsigned?: boolean;
  readonly collation?: number;
  readonly enumLabels?: readonly string[];
  readonly setLabels?: readonly string[];
  /** MariaDB INET4/INET6/UUID: decoded to their text (ColumnDecodeInfo.textForm). */
  readonly textForm?: TextForm;
  /** TIME/DATETIME/TIMESTAMP: the fractional-second precision (ColumnDecodeInfo.fsp). */
  readonly fsp?: number;
}

/** The caller's schema as of a position; undefined = unknown table (fall back to metadata). */
export type SchemaLookup = (
  database: string,
  table: string,
  tableMap: TableMapEvent,
  position: BinlogPosition,
) => readonly SchemaColumn[] | undefined;

export interface ResolvedTable {
  readonly infos: readonly ColumnDecodeInfo[];
  readonly names: readonly string[];
}

/** Type families that the binlog may write differently from the catalog (VARCHAR vs VAR_STRING, BLOB sizes, …). */
function family(type: number): number {
  switch (type) {
    case T.VARCHAR:
    case T.VAR_STRING:
    case T.VARCHAR_COMPRESSED:
      return T.VARCHAR;
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.BLOB_COMPRESSED:
      return T.BLOB;
    case T.DATE:
    case T.NEWDATE:
      return T.DATE;
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      return T.TIMESTAMP;
    case T.DATETIME:
    case T.DATETIME2:
      return T.DATETIME;
    case T.TIME:
    case T.TIME2:
      return T.TIME;
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return T.NEWDECIMAL;
    default:
      return type;
  }
}

function mismatch(map: TableMapBody, position: BinlogPosition, why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_SCHEMA_MISMATCH', `rows for ${map.database}.${map.table} do not match the schema: ${why}`, {
    file: position.file,
    offset: position.offset,
    position: position.format(),
    table: `${map.database}.${map.table}`,
  });
}

export function resolveTable(map: TableMapBody, schema: readonly SchemaColumn[] | undefined, position: BinlogPosition): ResolvedTable {
  const cols = map.columns;
  if (schema && schema.length !== cols.length) {
    throw mismatch(map, position, `the binlog has ${cols.length} columns, the schema ${schema.length}`);
  }
  const infos: ColumnDecodeInfo[] = new Array<ColumnDecodeInfo>(cols.length);
  const names: string[] = new Array<string>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const s = schema?.[i];
    if (s?.type !== undefined && family(s.type) !== family(c.type)) {
      throw mismatch(map, position, `column ${i + 1} (${s.name}) is type ${s.type} in the schema, ${c.type} in the binlog`);
    }
    if (s && c.name !== undefined && c.name.toLowerCase() !== s.name.toLowerCase()) {
      throw mismatch(map, position, `column ${i + 1} is named ${c.name} in the binlog, ${s.name} in the schema`);
    }
    const name = c.name ?? s?.name ?? `@${i + 1}`;
    const enumLabels = c.enumLabels ?? s?.enumLabels;
    const setLabels = c.setLabels ?? s?.setLabels;
    names[i] = name;
    // One object shape for every column (labels present or not): the value decoder reads these per cell.
    infos[i] = {
      type: c.type,
      meta: c.meta,
      unsigned: c.unsigned ?? s?.unsigned ?? false,
      collation: c.collation ?? s?.collation,
      name,
      enumLabels,
      setLabels,
      textForm: s?.textForm,
      fsp: s?.fsp,
    };
  }
  return { infos, names };
}
