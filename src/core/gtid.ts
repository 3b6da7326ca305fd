/**
 * A GTID set of either flavour, tagged by `flavor` (SPEC §1: checkpoints record
 * the GTID set next to the file position). The flavour-specific types live in
 * gtid-mysql.ts (MySQL Reference Manual, "GTID Format and Storage") and
 * gtid-mariadb.ts (MariaDB Knowledge Base, "Global Transaction ID").
 *
 * Invariant: text becomes a `GtidSet` only through `parseGtidSet`, and goes
 * back to text only through `formatGtidSet`, so one canonical form is stored.
 * Flavour detection is unambiguous: a MySQL set always has a `:` (uuid:interval)
 * and a MariaDB position never does. An empty text has no flavour to detect.
 */
import { assertNever, BinsnapError } from './errors.js';
import { MariadbGtidPos } from './gtid-mariadb.js';
import { MysqlGtidSet } from './gtid-mysql.js';

export { MysqlGtid, MysqlGtidSet, MAX_TRANSACTION_ID, encodeMysqlGtidSet, decodeMysqlGtidSet } from './gtid-mysql.js';
export type { GtidInterval, MysqlGtidSetEntry } from './gtid-mysql.js';
export { MariadbGtid, MariadbGtidPos } from './gtid-mariadb.js';

export type GtidFlavor = 'mysql' | 'mariadb';

export type GtidSet =
  | { readonly flavor: 'mysql'; readonly set: MysqlGtidSet }
  | { readonly flavor: 'mariadb'; readonly pos: MariadbGtidPos };

const MARIADB_FORM = /^\s*\d+-\d+-\d+/;

/**
 * Parses a MySQL GTID set or a MariaDB GTID position. Without `flavor`, the
 * form decides; an empty text then throws, since it could be either.
 */
export function parseGtidSet(text: string, flavor?: GtidFlavor): GtidSet {
  const f = flavor ?? detectFlavor(text);
  switch (f) {
    case 'mysql':
      return Object.freeze({ flavor: 'mysql', set: MysqlGtidSet.parse(text) });
    case 'mariadb':
      return Object.freeze({ flavor: 'mariadb', pos: MariadbGtidPos.parse(text) });
    default:
      return assertNever(f, 'GTID flavour');
  }
}

export function formatGtidSet(gtids: GtidSet): string {
  switch (gtids.flavor) {
    case 'mysql':
      return gtids.set.format();
    case 'mariadb':
      return gtids.pos.format();
    default:
      return assertNever(gtids, 'GTID set');
  }
}

export function emptyGtidSet(flavor: GtidFlavor): GtidSet {
  return parseGtidSet('', flavor);
}

export function isGtidSetEmpty(gtids: GtidSet): boolean {
  return gtids.flavor === 'mysql' ? gtids.set.isEmpty : gtids.pos.isEmpty;
}

export function gtidSetsEqual(a: GtidSet, b: GtidSet): boolean {
  if (a.flavor === 'mysql') return b.flavor === 'mysql' && a.set.equals(b.set);
  return b.flavor === 'mariadb' && a.pos.equals(b.pos);
}

function detectFlavor(text: string): GtidFlavor {
  if (text.includes(':')) return 'mysql';
  if (MARIADB_FORM.test(text)) return 'mariadb';
  if (text.trim() === '') {
    throw new BinsnapError('BINSNAP_E_GTID_INVALID', 'an empty GTID set has no flavour to detect; say mysql or mariadb', {
      gtid: text,
    });
  }
  throw new BinsnapError(
    'BINSNAP_E_GTID_INVALID',
    `"${text.trim()}" is neither a MySQL GTID set (uuid:1-5) nor a MariaDB GTID position (0-1-100)`,
    { gtid: text },
  );
}
