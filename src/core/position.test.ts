import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from './errors.js';
import { BinlogPosition, comparePositions, maxPosition } from './position.js';

const MAX_U64 = (1n << 64n) - 1n;
const P = (text: string): BinlogPosition => BinlogPosition.parse(text);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isBinsnapError(err) ? err.code : `not a BinsnapError: ${String(err)}`;
  }
  return undefined;
}

describe('BinlogPosition.parse / format', () => {
  it('parses the SPEC example', () => {
    const p = P('mysql-bin.000042:1337');
    expect(p.file).toBe('mysql-bin.000042');
    expect(p.baseName).toBe('mysql-bin');
    expect(p.fileNumber).toBe(42);
    expect(p.offset).toBe(1337n);
    expect(p.format()).toBe('mysql-bin.000042:1337');
    expect(String(p)).toBe('mysql-bin.000042:1337');
    expect(JSON.stringify({ p })).toBe('{"p":"mysql-bin.000042:1337"}');
  });

  it('keeps offsets up to 2^64-1 exact', () => {
    expect(P(`mysql-bin.000001:${MAX_U64}`).offset).toBe(MAX_U64);
    expect(P('mysql-bin.000001:9007199254740993').format()).toBe('mysql-bin.000001:9007199254740993');
  });

  it('tolerates surrounding whitespace, keeps names with dots, drops directories', () => {
    expect(P('  mysql-bin.000002:4\n').format()).toBe('mysql-bin.000002:4');
    expect(P('host.example-relay-bin.000007:4').fileNumber).toBe(7);
    expect(P('/var/lib/mysql/mysql-bin.000003:120').format()).toBe('mysql-bin.000003:120');
  });

  it.each([
    ['no colon', 'mysql-bin.000001'],
    ['empty', ''],
    ['empty offset', 'mysql-bin.000001:'],
    ['empty file', ':4'],
    ['negative offset', 'mysql-bin.000001:-4'],
    ['non-digit offset', 'mysql-bin.000001:4a'],
    ['hex offset', 'mysql-bin.000001:0x10'],
    ['exponent offset', 'mysql-bin.000001:1e3'],
    ['fractional offset', 'mysql-bin.000001:4.0'],
    ['space inside offset', 'mysql-bin.000001: 4'],
    ['no numeric suffix', 'mysql-bin:4'],
    ['non-numeric suffix', 'mysql-bin.log:4'],
    ['suffix only', '.000001:4'],
    ['empty suffix', 'mysql-bin.:4'],
    ['offset 2^64', `mysql-bin.000001:${MAX_U64 + 1n}`],
    ['file number beyond 2^53', 'mysql-bin.99999999999999999:4'],
    ['two colons', 'mysql-bin.000001:4:5'],
  ])('rejects %s with BINSNAP_E_POSITION_INVALID', (_name, text) => {
    expect(codeOf(() => P(text))).toBe('BINSNAP_E_POSITION_INVALID');
  });

  it('of() checks its offset too', () => {
    expect(codeOf(() => BinlogPosition.of('mysql-bin.000001', -1))).toBe('BINSNAP_E_POSITION_INVALID');
    expect(codeOf(() => BinlogPosition.of('mysql-bin.000001', 2 ** 53))).toBe('BINSNAP_E_POSITION_INVALID');
    expect(codeOf(() => BinlogPosition.of('mysql-bin.000001', 1.5))).toBe('BINSNAP_E_POSITION_INVALID');
    expect(codeOf(() => BinlogPosition.of('mysql-bin.000001', MAX_U64 + 1n))).toBe('BINSNAP_E_POSITION_INVALID');
    expect(BinlogPosition.of('mysql-bin.000001', 4).offset).toBe(4n);
  });

  it('withOffset and nextFileName keep the file and its suffix width', () => {
    expect(P('mysql-bin.000009:4').withOffset(120n).format()).toBe('mysql-bin.000009:120');
    expect(BinlogPosition.nextFileName('mysql-bin.000009')).toBe('mysql-bin.000010');
    expect(BinlogPosition.nextFileName('mysql-bin.999999')).toBe('mysql-bin.1000000');
    expect(BinlogPosition.nextFileName('mysql-bin.000010', -1)).toBe('mysql-bin.000009');
    expect(codeOf(() => BinlogPosition.nextFileName('mysql-bin'))).toBe('BINSNAP_E_POSITION_INVALID');
  });
});

describe('BinlogPosition ordering (examples)', () => {
  it('compares file numbers numerically, not as text', () => {
    expect(P('mysql-bin.9:4').isBefore(P('mysql-bin.10:4'))).toBe(true);
    expect(P('mysql-bin.10:4').isAfter(P('mysql-bin.9:4'))).toBe(true);
    expect(P('mysql-bin.000122046:4').compare(P('mysql-bin.1215501:4'))).toBe(-1);
    expect(P('mysql-bin.122046:4').compare(P('mysql-bin.1215501:4'))).toBe(-1);
    expect(P('mysql-bin.1215501:4').compare(P('mysql-bin.000122046:4'))).toBe(1);
    expect(P('mysql-bin.000010:4').equals(P('mysql-bin.10:4'))).toBe(true);
  });

  it('orders by offset within a file, any later file after every offset', () => {
    expect(P('mysql-bin.000001:120').compare(P('mysql-bin.000001:4'))).toBe(1);
    expect(P(`mysql-bin.000001:${MAX_U64}`).isBefore(P('mysql-bin.000002:4'))).toBe(true);
  });

  it('compares offsets beyond 2^53 exactly', () => {
    const a = P('mysql-bin.000001:9007199254740992');
    const b = P('mysql-bin.000001:9007199254740993');
    expect(Number(a.offset) === Number(b.offset)).toBe(true); // as floats they collide
    expect(comparePositions(a, b)).toBe(-1);
    expect(a.equals(b)).toBe(false);
    expect(maxPosition(a, b)).toBe(b);
    expect(maxPosition(b, a)).toBe(b);
  });
});

// ── property tests ──────────────────────────────────────────────────────────

const baseName = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,15}$/);
const suffix = fc.stringMatching(/^\d{1,15}$/); // < 2^53: the file number stays exact
const offset = fc.bigInt({ min: 0n, max: MAX_U64 });
const position = fc
  .tuple(baseName, suffix, offset)
  .map(([b, s, o]) => ({ file: `${b}.${s}`, number: Number(s), offset: o }));

/** The reference order: file number numerically, then offset. */
function refCompare(a: { number: number; offset: bigint }, b: { number: number; offset: bigint }): number {
  if (a.number !== b.number) return a.number < b.number ? -1 : 1;
  return a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1;
}

// Few file numbers and offsets near 2^53, so that ties and float collisions are common.
const closePosition = fc
  .tuple(
    fc.constantFrom('mysql-bin', 'binlog', 'relay.bin'),
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 1, max: 9 }),
    fc.bigInt({ min: (1n << 53n) - 3n, max: (1n << 53n) + 3n }),
  )
  .map(([b, n, width, o]) => ({ file: `${b}.${String(n).padStart(width, '0')}`, number: n, offset: o }));
const anyPosition = fc.oneof(position, closePosition);

describe('BinlogPosition properties', () => {
  it('format/parse round-trips file names and offsets up to 2^64-1', () => {
    fc.assert(
      fc.property(position, ({ file, number, offset: o }) => {
        const text = `${file}:${o}`;
        const p = P(text);
        expect(p.format()).toBe(text);
        expect(p.file).toBe(file);
        expect(p.fileNumber).toBe(number);
        expect(p.offset).toBe(o);
        expect(P(p.format()).equals(p)).toBe(true);
      }),
    );
  });

  it('compare agrees with (file number, offset) and is a total order', () => {
    fc.assert(
      fc.property(anyPosition, anyPosition, anyPosition, (x, y, z) => {
        const [a, b, c] = [x, y, z].map((r) => BinlogPosition.of(r.file, r.offset)) as [
          BinlogPosition,
          BinlogPosition,
          BinlogPosition,
        ];
        expect(a.compare(b)).toBe(refCompare(x, y));
        expect(a.compare(b)).toBe(-b.compare(a) || 0); // antisymmetric
        expect(a.compare(a)).toBe(0); // reflexive
        expect(a.equals(b)).toBe(a.compare(b) === 0);
        if (a.compare(b) <= 0 && b.compare(c) <= 0) expect(a.compare(c)).toBeLessThanOrEqual(0); // transitive
        expect(a.isBefore(b)).toBe(a.compare(b) < 0);
        expect(a.isAfter(b)).toBe(a.compare(b) > 0);
      }),
    );
  });

  it('sorting with comparePositions matches the reference order', () => {
    fc.assert(
      fc.property(fc.array(anyPosition, { maxLength: 20 }), (rs) => {
        const sorted = rs.map((r) => BinlogPosition.of(r.file, r.offset)).sort(comparePositions);
        const expected = [...rs].sort(refCompare);
        expect(sorted.map((p) => [p.fileNumber, p.offset])).toEqual(expected.map((r) => [r.number, r.offset]));
      }),
    );
  });

  it('rejects any offset above 2^64-1 and any negative offset', () => {
    fc.assert(
      fc.property(baseName, suffix, fc.bigInt({ min: MAX_U64 + 1n, max: 1n << 80n }), (b, s, o) => {
        expect(codeOf(() => P(`${b}.${s}:${o}`))).toBe('BINSNAP_E_POSITION_INVALID');
        expect(codeOf(() => P(`${b}.${s}:-${o}`))).toBe('BINSNAP_E_POSITION_INVALID');
      }),
    );
  });

  it('rejects file names without a numeric suffix', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_-]{1,12}(\.[A-Za-z_-]{1,5})?$/), offset, (file, o) => {
        expect(codeOf(() => P(`${file}:${o}`))).toBe('BINSNAP_E_POSITION_INVALID');
      }),
    );
  });
});
