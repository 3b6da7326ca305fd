import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from './errors.js';
import { MariadbGtid, MariadbGtidPos } from './gtid-mariadb.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isBinsnapError(err) ? err.code : `not a BinsnapError: ${String(err)}`;
  }
  return undefined;
}

const MAX_U64 = (1n << 64n) - 1n;

describe('MariadbGtid', () => {
  it('parses and formats the Knowledge Base examples', () => {
    const g = MariadbGtid.parse('0-1-100');
    expect([g.domain, g.serverId, g.seq]).toEqual([0, 1, 100n]);
    expect(g.format()).toBe('0-1-100');
    expect(MariadbGtid.parse(' 1-1222-1011 ').format()).toBe('1-1222-1011');
  });

  it('keeps full-range values exact', () => {
    const g = MariadbGtid.parse(`4294967295-4294967295-${MAX_U64}`);
    expect(g.domain).toBe(4294967295);
    expect(g.serverId).toBe(4294967295);
    expect(g.seq).toBe(MAX_U64);
    expect(g.format()).toBe(`4294967295-4294967295-${MAX_U64}`);
  });

  it.each([
    '',
    '0-1',
    '0-1-2-3',
    '0-1-',
    '-1-1-1',
    '0--1-1',
    'a-1-1',
    '0-1-1.5',
    '0-1-0x10',
    '4294967296-1-1',
    '0-4294967296-1',
    `0-1-${MAX_U64 + 1n}`,
    '0 - 1 - 100',
    '3e11fa47-71ca-11e1-9e33-c80aa9429562:1',
  ])('rejects %j with BINSNAP_E_GTID_INVALID', (text) => {
    expect(codeOf(() => MariadbGtid.parse(text))).toBe('BINSNAP_E_GTID_INVALID');
  });

  it('checks ranges in of()', () => {
    expect(codeOf(() => MariadbGtid.of(-1, 1, 1n))).toBe('BINSNAP_E_GTID_INVALID');
    expect(codeOf(() => MariadbGtid.of(0, 1.5, 1n))).toBe('BINSNAP_E_GTID_INVALID');
    expect(codeOf(() => MariadbGtid.of(0, 1, -1n))).toBe('BINSNAP_E_GTID_INVALID');
  });
});

describe('MariadbGtidPos', () => {
  it.each([
    ['0-1-100', '0-1-100'],
    ['0-1-100,1-2-5', '0-1-100,1-2-5'],
    ['1-2-5,0-1-100', '0-1-100,1-2-5'],
    ['10-1-1,\n2-1-1, 0-3-7', '0-3-7,2-1-1,10-1-1'],
    ['', ''],
    [' \n', ''],
  ])('%j → %j', (text, canonical) => {
    expect(MariadbGtidPos.parse(text).format()).toBe(canonical);
  });

  it('refuses a domain listed twice, naming the right variable', () => {
    try {
      MariadbGtidPos.parse('0-1-100,0-2-50');
      expect.unreachable();
    } catch (err) {
      expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_GTID_INVALID');
      expect(String(err)).toMatch(/domain 0 appears twice/);
      expect(String(err)).toMatch(/gtid_binlog_pos/);
      expect(isBinsnapError(err) && err.context['gtid']).toBe('0-1-100,0-2-50');
    }
    expect(codeOf(() => MariadbGtidPos.of([MariadbGtid.parse('1-1-1'), MariadbGtid.parse('1-2-2')]))).toBe(
      'BINSNAP_E_GTID_INVALID',
    );
  });

  it.each(['0-1-100,', ',0-1-100', '0-1-100,,1-1-1', '0-1-100;1-1-1', '0-1-100 1-1-1'])(
    'rejects %j with BINSNAP_E_GTID_INVALID',
    (text) => {
      expect(codeOf(() => MariadbGtidPos.parse(text))).toBe('BINSNAP_E_GTID_INVALID');
    },
  );

  it('advance replaces the domain entry; contains compares sequence numbers in the domain', () => {
    const p = MariadbGtidPos.parse('0-1-100,1-2-5');
    const q = p.advance(MariadbGtid.parse('0-3-101'));
    expect(q.format()).toBe('0-3-101,1-2-5');
    expect(p.format()).toBe('0-1-100,1-2-5');
    expect(q.advance(MariadbGtid.parse('7-1-1')).format()).toBe('0-3-101,1-2-5,7-1-1');
    expect(p.contains(MariadbGtid.parse('0-9-100'))).toBe(true);
    expect(p.contains(MariadbGtid.parse('0-1-101'))).toBe(false);
    expect(p.contains(MariadbGtid.parse('1-2-1'))).toBe(true);
    expect(p.contains(MariadbGtid.parse('2-1-1'))).toBe(false);
    expect(p.get(1)?.format()).toBe('1-2-5');
    expect(p.get(2)).toBeUndefined();
    expect(p.advance(MariadbGtid.parse('0-1-100'))).toBe(p);
  });

  it('equals, isEmpty, immutability', () => {
    expect(MariadbGtidPos.parse('1-2-5,0-1-100').equals(MariadbGtidPos.parse('0-1-100,1-2-5'))).toBe(true);
    expect(MariadbGtidPos.parse('0-1-100').equals(MariadbGtidPos.parse('0-2-100'))).toBe(false);
    expect(MariadbGtidPos.empty().isEmpty).toBe(true);
    expect(MariadbGtidPos.parse('0-1-1').isEmpty).toBe(false);
    expect(Object.isFrozen(MariadbGtidPos.parse('0-1-1,2-2-2').gtids)).toBe(true);
  });
});

// ── property tests ──────────────────────────────────────────────────────────

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const anyGtid = fc
  .tuple(u32, u32, fc.bigInt({ min: 0n, max: MAX_U64 }))
  .map(([d, s, n]) => MariadbGtid.of(d, s, n));
const smallGtid = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.bigInt({ min: 0n, max: 20n }))
  .map(([d, s, n]) => MariadbGtid.of(d, s, n));
const posOf = (gs: MariadbGtid[]): MariadbGtidPos => gs.reduce((p, g) => p.advance(g), MariadbGtidPos.empty());

describe('MariadbGtidPos properties', () => {
  it('GTID format/parse round-trips', () => {
    fc.assert(
      fc.property(anyGtid, (g) => {
        expect(MariadbGtid.parse(g.format()).equals(g)).toBe(true);
      }),
    );
  });

  it('format is a fixed point of parse, whatever the input order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyGtid, { selector: (g) => g.domain, maxLength: 6 }), (gs) => {
        const text = gs.map((g) => g.format()).join(',');
        const p = MariadbGtidPos.parse(text);
        expect(MariadbGtidPos.parse(p.format()).format()).toBe(p.format());
        expect(p.gtids.map((g) => g.domain)).toEqual(gs.map((g) => g.domain).sort((a, b) => a - b));
        expect(p.equals(MariadbGtidPos.of(gs))).toBe(true);
      }),
    );
  });

  it('after advance(g): contains(g), the domain entry is g, other domains untouched', () => {
    fc.assert(
      fc.property(fc.array(smallGtid, { maxLength: 8 }), smallGtid, (history, g) => {
        const before = posOf(history);
        const after = before.advance(g);
        expect(after.contains(g)).toBe(true);
        expect(after.get(g.domain)?.equals(g)).toBe(true);
        for (const other of before.gtids) if (other.domain !== g.domain) expect(after.get(other.domain)).toBe(other);
      }),
    );
  });

  it('contains agrees with a model: last GTID per domain, seq ≤ it', () => {
    fc.assert(
      fc.property(fc.array(smallGtid, { maxLength: 8 }), smallGtid, (history, probe) => {
        const last = new Map<number, bigint>();
        for (const g of history) last.set(g.domain, g.seq);
        const seq = last.get(probe.domain);
        expect(posOf(history).contains(probe)).toBe(seq !== undefined && probe.seq <= seq);
      }),
    );
  });
});
