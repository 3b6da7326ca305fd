import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../core/position.js';
import { addDone, complementRanges, decodeSeedProgress, encodeSeedProgress, mergeRanges, type KeyRange, type TableDone } from './seed-progress.js';

const covers = (ranges: readonly KeyRange[], k: bigint): boolean => ranges.some(([a, b]) => (a === null || k >= a) && (b === null || k < b));

describe('seed progress: key ranges and the stored document', () => {
  it('merges overlapping and touching ranges, keeps gaps', () => {
    expect(mergeRanges([[5n, 10n], [null, 3n], [10n, 12n], [20n, null], [2n, 4n]])).toEqual([[null, 4n], [5n, 12n], [20n, null]]);
    expect(mergeRanges([[1n, 1n]])).toEqual([]);
  });

  it('the complement covers exactly the keys no range covers', () => {
    expect(complementRanges([])).toEqual([[null, null]]);
    expect(complementRanges([[null, null]])).toEqual([]);
    expect(complementRanges([[null, 100n]])).toEqual([[100n, null]]);
    expect(complementRanges([[5n, 10n], [20n, null]])).toEqual([[null, 5n], [10n, 20n]]);
    const range = fc.tuple(fc.option(fc.bigInt(-50n, 50n), { nil: null }), fc.option(fc.bigInt(-50n, 50n), { nil: null })) as fc.Arbitrary<KeyRange>;
    fc.assert(
      fc.property(fc.array(range, { maxLength: 6 }), fc.bigInt(-60n, 60n), (ranges, k) => {
        const rest = complementRanges(ranges);
        expect(covers(rest, k)).toBe(!covers(ranges, k));
        expect(covers(mergeRanges(ranges), k)).toBe(covers(ranges, k));
      }),
    );
  });

  it('adds stored parts: ranges grow into the whole table, a part of another column starts over', () => {
    const done = new Map<string, TableDone>();
    addDone(done, 'd.t', { kind: 'ranges', column: 'id', ranges: [[null, 10n]] });
    addDone(done, 'd.t', { kind: 'ranges', column: 'id', ranges: [[20n, null]] });
    expect(done.get('d.t')).toEqual({ kind: 'ranges', column: 'id', ranges: [[null, 10n], [20n, null]] });
    addDone(done, 'd.t', { kind: 'ranges', column: 'id', ranges: [[10n, 20n]] });
    expect(done.get('d.t')).toEqual({ kind: 'all' });
    addDone(done, 'd.u', { kind: 'ranges', column: 'a', ranges: [[1n, 2n]] });
    addDone(done, 'd.u', { kind: 'ranges', column: 'b', ranges: [[5n, 6n]] });
    expect(done.get('d.u')).toEqual({ kind: 'ranges', column: 'b', ranges: [[5n, 6n]] });
  });

  it('round-trips the document, big keys exact; a damaged one is BINSNAP_E_STORE_CORRUPT', () => {
    const p = {
      request: 'shop.*',
      firstPosition: BinlogPosition.of('mysql-bin.000002', 400n),
      position: BinlogPosition.of('mysql-bin.000003', 4n),
      done: new Map<string, TableDone>([
        ['shop.a', { kind: 'all' }],
        ['shop.b', { kind: 'ranges', column: 'id', ranges: [[null, 18446744073709551615n]] }],
      ]),
      startedAt: 1_700_000_000_000,
      attempts: 2,
      nextIndex: 4_000_000_000,
    };
    const back = decodeSeedProgress(encodeSeedProgress(p));
    expect(back.position.format()).toBe('mysql-bin.000003:4');
    expect(back.firstPosition.format()).toBe('mysql-bin.000002:400');
    expect([...back.done]).toEqual([...p.done]);
    expect({ ...back, done: undefined, position: undefined, firstPosition: undefined }).toEqual({ ...p, done: undefined, position: undefined, firstPosition: undefined });
    expect(() => decodeSeedProgress('{"format":9}')).toThrow(expect.objectContaining({ code: 'BINSNAP_E_STORE_CORRUPT' }));
    // A record without the index (an earlier binsnap's) reads as 0; a bad one is a corrupt record.
    const doc = JSON.parse(encodeSeedProgress(p)) as Record<string, unknown>;
    expect(decodeSeedProgress(JSON.stringify({ ...doc, nextIndex: undefined })).nextIndex).toBe(0);
    for (const bad of [-1, 1.5, 2 ** 32 + 1, '7']) {
      expect(() => decodeSeedProgress(JSON.stringify({ ...doc, nextIndex: bad }))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_STORE_CORRUPT' }));
    }
  });
});
