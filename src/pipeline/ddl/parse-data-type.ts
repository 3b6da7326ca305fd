/**
 * Data types of column definitions, normalised to MySQL's base spelling.
 *
 * Follows MySQL Reference Manual §13 "Data Types" (§13.1 numeric synonyms:
 * INTEGER, BOOL, DEC/NUMERIC/FIXED, REAL, DOUBLE PRECISION, FLOAT(p),
 * INT1…INT8, MIDDLEINT; §13.3 string types: NATIONAL CHAR, CHARACTER VARYING,
 * LONG VARCHAR; SERIAL) and the MariaDB KB "Data Types" (INET4, INET6, UUID,
 * VECTOR, JSON as an alias of LONGTEXT, CHAR … ASCII/UNICODE/BYTE).
 *
 * Invariants: `type` is always lower case and one of the base names in
 * core/schema.ts; display widths are dropped; DECIMAL always gets precision
 * and scale (10,0 by default); temporal types always get an fsp (0 by default);
 * FLOAT(p) with p > 24 becomes double (§13.1.4). An unknown type name is a
 * syntax failure, never a guess.
 */
import type { DataType } from './ast.js';
import type { Cursor } from './cursor.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SIMPLE: Readonly<Record<string, string>> = {
  TINYINT: 'tinyint', INT1: 'tinyint', SMALLINT: 'smallint', INT2: 'smallint', MEDIUMINT: 'mediumint', INT3: 'mediumint',
  MIDDLEINT: 'mediumint', INT: 'int', INTEGER: 'int', INT4: 'int', BIGINT: 'bigint', INT8: 'bigint',
  DATE: 'date', YEAR: 'year', TINYBLOB: 'tinyblob', MEDIUMBLOB: 'mediumblob', LONGBLOB: 'longblob', TINYTEXT: 'tinytext',
  MEDIUMTEXT: 'mediumtext', LONGTEXT: 'longtext', JSON: 'json', GEOMETRY: 'geometry', POINT: 'point',
  LINESTRING: 'linestring', POLYGON: 'polygon', MULTIPOINT: 'multipoint', MULTILINESTRING: 'multilinestring',
  MULTIPOLYGON: 'multipolygon', GEOMETRYCOLLECTION: 'geometrycollection', GEOMCOLLECTION: 'geometrycollection',
  INET4: 'inet4', INET6: 'inet6', UUID: 'uuid',
};

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint']);

/** Parses `(n)` when present. */
function optLength(c: Cursor): number | undefined {
  if (!c.isPunct('(')) return undefined;
  c.next();
  const n = c.integer('length');
  c.expectPunct(')');
  return n;
}

/** Parses `(m[,d])` when present. */
function optPrecision(c: Cursor): { precision?: number; scale?: number } {
  if (!c.isPunct('(')) return {};
  c.next();
  const precision = c.integer('precision');
  let scale: number | undefined;
  if (c.acceptPunct(',')) scale = c.integer('scale');
  c.expectPunct(')');
  return scale === undefined ? { precision } : { precision, scale };
}

function labels(c: Cursor): string[] {
  c.expectPunct('(');
  const values: string[] = [];
  do {
    const t = c.peek();
    if (t.type === 'hex') values.push(c.next().text);
    else values.push(c.string('ENUM/SET label'));
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  return values;
}

/** CHAR/VARCHAR forms after NATIONAL/NCHAR/CHARACTER…: returns char or varchar. */
function charOrVarying(c: Cursor, base: 'char' | 'varchar'): 'char' | 'varchar' {
  if (base === 'char' && (c.acceptWord('VARYING') || c.acceptWord('VARCHAR') || c.acceptWord('VARCHARACTER'))) return 'varchar';
  return base;
}

/** Reads the charset name after CHARACTER SET / CHARSET (a name, a string, or BINARY). */
export function charsetName(c: Cursor): string {
  return c.anyName('character set').toLowerCase();
}

/** Parses a data type and the modifiers that belong to it (UNSIGNED, ZEROFILL, CHARACTER SET, COLLATE, BINARY, …). */
export function parseDataType(c: Cursor): DataType {
  // MariaDB schema-qualified types (KB "sql_mode=ORACLE", "MAXDB"): oracle_schema.DATE and
  // maxdb_schema.TIMESTAMP are DATETIME; mariadb_schema.X is the plain type.
  let schema = '';
  if (c.peek().type === 'word' && c.isPunct('.', 1) && /^(?:MARIADB|ORACLE|MAXDB)_SCHEMA$/.test(c.peek().upper)) {
    schema = c.next().upper;
    c.next();
  }
  const t = c.peek();
  if (t.type !== 'word') return c.fail('expected a data type');
  c.next();
  // Without a schema, the session's sql_mode ORACLE or MAXDB decides (c.typeModes).
  const oracle = schema === 'ORACLE_SCHEMA' || (schema === '' && c.typeModes.oracle);
  const maxdb = schema === 'MAXDB_SCHEMA' || (schema === '' && c.typeModes.maxdb);
  const w = (oracle && t.upper === 'DATE') || (maxdb && t.upper === 'TIMESTAMP') ? 'DATETIME' : t.upper;
  const dt: Mutable<DataType> = { type: '', unsigned: false, zerofill: false };
  const simple = SIMPLE[w];
  if (simple !== undefined) {
    dt.type = simple;
    if (INTEGER_TYPES.has(simple) || simple === 'year') optLength(c);
  } else {
    switch (w) {
      case 'BOOL':
      case 'BOOLEAN':
        dt.type = 'tinyint';
        break;
      case 'SERIAL':
        dt.type = 'bigint';
        dt.unsigned = true;
        dt.serial = true;
        break;
      case 'BIT':
        dt.type = 'bit';
        dt.length = optLength(c) ?? 1;
        break;
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC':
      case 'FIXED':
      case 'NUMBER': {
        const p = optPrecision(c);
        if (oracle && w === 'NUMBER' && p.precision === undefined) {
          dt.type = 'double';
          break;
        }
        dt.type = 'decimal';
        dt.precision = p.precision ?? 10;
        dt.scale = p.scale ?? 0;
        break;
      }
      case 'FLOAT': {
        const p = optPrecision(c);
        dt.type = p.precision !== undefined && p.scale === undefined && p.precision > 24 ? 'double' : 'float';
        break;
      }
      case 'FLOAT4':
        dt.type = 'float';
        optPrecision(c);
        break;
      case 'DOUBLE':
        c.acceptWord('PRECISION');
        dt.type = 'double';
        optPrecision(c);
        break;
      case 'FLOAT8':
      case 'REAL':
        dt.type = 'double';
        optPrecision(c);
        break;
      case 'TIME':
      case 'DATETIME':
      case 'TIMESTAMP':
        dt.type = w.toLowerCase();
        dt.fsp = optLength(c) ?? 0;
        break;
      case 'CHAR':
      case 'CHARACTER': {
        dt.type = charOrVarying(c, 'char');
        const len = optLength(c);
        dt.length = len ?? (dt.type === 'char' ? 1 : c.fail('VARCHAR needs a length'));
        if (c.isWord('BYTE')) {
          c.next();
          dt.type = dt.type === 'char' ? 'binary' : 'varbinary';
        }
        break;
      }
      case 'NCHAR':
      case 'NATIONAL': {
        if (w === 'NATIONAL' && !c.acceptWord('CHAR') && !c.acceptWord('CHARACTER')) {
          if (c.acceptWord('VARCHAR') || c.acceptWord('VARCHARACTER')) dt.type = 'varchar';
          else return c.fail('expected CHAR or VARCHAR after NATIONAL');
        }
        if (dt.type === '') dt.type = charOrVarying(c, 'char');
        dt.charset = 'utf8mb3';
        const len = optLength(c);
        dt.length = len ?? (dt.type === 'char' ? 1 : c.fail('VARCHAR needs a length'));
        break;
      }
      case 'NVARCHAR':
        dt.type = 'varchar';
        dt.charset = 'utf8mb3';
        dt.length = optLength(c) ?? c.fail('NVARCHAR needs a length');
        break;
      case 'VARCHAR':
      case 'VARCHARACTER':
      case 'VARCHAR2':
        dt.type = 'varchar';
        dt.length = optLength(c) ?? c.fail('VARCHAR needs a length');
        break;
      case 'BINARY':
        dt.type = 'binary';
        dt.length = optLength(c) ?? 1;
        break;
      case 'VARBINARY':
      case 'RAW':
        dt.type = 'varbinary';
        dt.length = optLength(c) ?? c.fail('VARBINARY needs a length');
        break;
      case 'BLOB':
      case 'TEXT': {
        dt.type = w.toLowerCase();
        const len = optLength(c);
        if (len !== undefined) dt.length = len;
        else if (oracle && w === 'BLOB') dt.type = 'longblob';
        break;
      }
      case 'CLOB':
        dt.type = 'longtext';
        break;
      case 'LONG':
        if (c.acceptWord('VARBINARY')) dt.type = 'mediumblob';
        else {
          if (!c.acceptWord('VARCHAR')) c.acceptWord('VARCHARACTER');
          dt.type = 'mediumtext';
        }
        break;
      case 'ENUM':
      case 'SET':
        dt.type = w.toLowerCase();
        dt.values = labels(c);
        break;
      case 'VECTOR':
        dt.type = 'vector';
        dt.length = optLength(c) ?? c.fail('VECTOR needs a dimension');
        break;
      default:
        return c.fail(`unknown data type ${t.text}`, t);
    }
  }
  parseTypeModifiers(c, dt);
  return dt;
}

/**
 * Modifiers that follow a type: numeric UNSIGNED/SIGNED/ZEROFILL and, for
 * character types, CHARACTER SET/CHARSET, COLLATE, BINARY, ASCII, UNICODE,
 * BYTE. Also used when a COLLATE/CHARSET appears later among the attributes.
 */
export function parseTypeModifiers(c: Cursor, dt: Mutable<DataType>): void {
  for (;;) {
    if (c.acceptWord('UNSIGNED')) dt.unsigned = true;
    else if (c.acceptWord('SIGNED')) dt.unsigned = false;
    else if (c.acceptWord('ZEROFILL')) {
      dt.zerofill = true;
      dt.unsigned = true;
    } else if (c.acceptWords('CHARACTER', 'SET') || c.acceptWord('CHARSET') || c.acceptWords('CHAR', 'SET')) dt.charset = charsetName(c);
    else if (c.acceptWords('COLLATE', 'DEFAULT')) {
      dt.collationDefault = true;
      delete dt.collation;
    } else if (c.acceptWord('COLLATE')) dt.collation = c.anyName('collation').toLowerCase();
    else if (c.acceptWord('BINARY')) dt.binaryCollation = true;
    else if (c.acceptWord('ASCII')) dt.charset = 'latin1';
    else if (c.acceptWord('UNICODE')) dt.charset = 'ucs2';
    else if (isCharacterType(dt.type) && c.acceptWord('BYTE')) dt.charset = 'binary';
    else return;
  }
}

export function isCharacterType(type: string): boolean {
  return (
    type === 'char' || type === 'varchar' || type === 'tinytext' || type === 'text' || type === 'mediumtext' ||
    type === 'longtext' || type === 'enum' || type === 'set'
  );
}
