import { describe, expect, it } from 'vitest';
import { isBinsnapError } from './errors.js';
import {
  emptyGtidSet,
  formatGtidSet,
  gtidSetsEqual,
  isGtidSetEmpty,
  MariadbGtidPos,
  MysqlGtidSet,
  parseGtidSet,
  type GtidSet,
} from './gtid.js';

const U1 = '3E11FA47-71CA-11E1-9E33-C80AA9429562';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isBinsnapError(err) ? err.code : `not a BinsnapError: ${String(err)}`;
  }
  return undefined;
}

describe('parseGtidSet', () => {
  it('detects the MySQL form', () => {
    const g = parseGtidSet(`${U1}:1-3:4-6`);
    expect(g.flavor).toBe('mysql');
    expect(formatGtidSet(g)).toBe(`${U1.toLowerCase()}:1-6`);
  });

  it('detects the MariaDB form', () => {
    const g = parseGtidSet('1-2-5,0-1-100');
    expect(g.flavor).toBe('mariadb');
    expect(formatGtidSet(g)).toBe('0-1-100,1-2-5');
  });

  it('honours an explicit flavour, which makes empty text valid', () => {
    expect(isGtidSetEmpty(parseGtidSet('', 'mysql'))).toBe(true);
    expect(parseGtidSet('', 'mariadb').flavor).toBe('mariadb');
    expect(formatGtidSet(emptyGtidSet('mysql'))).toBe('');
    expect(codeOf(() => parseGtidSet('0-1-100', 'mysql'))).toBe('BINSNAP_E_GTID_INVALID');
    expect(codeOf(() => parseGtidSet(`${U1}:1`, 'mariadb'))).toBe('BINSNAP_E_GTID_INVALID');
  });

  it.each(['', '   ', 'hello', '42', `${U1}`, `${U1}:x`])('rejects %j without a flavour', (text) => {
    expect(codeOf(() => parseGtidSet(text))).toBe('BINSNAP_E_GTID_INVALID');
  });

  it('returns frozen values and compares by flavour and content', () => {
    const a = parseGtidSet(`${U1}:1-2`);
    expect(Object.isFrozen(a)).toBe(true);
    expect(gtidSetsEqual(a, { flavor: 'mysql', set: MysqlGtidSet.parse(`${U1}:2:1`) })).toBe(true);
    expect(gtidSetsEqual(emptyGtidSet('mysql'), emptyGtidSet('mariadb'))).toBe(false);
    const m: GtidSet = { flavor: 'mariadb', pos: MariadbGtidPos.parse('0-1-1') };
    expect(gtidSetsEqual(m, parseGtidSet('0-1-1'))).toBe(true);
  });
});
