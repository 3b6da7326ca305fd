import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from './errors.js';
import {
  decodeMysqlGtidSet,
  encodeMysqlGtidSet,
  MAX_TRANSACTION_ID,
  MysqlGtid,
  MysqlGtidSet,
  type MysqlGtidSetEntry,
} from './gtid-mysql.js';

const U1 = '3E11FA47-71CA-11E1-9E33-C80AA9429562';
const u1 = U1.toLowerCase();
const U2 = '896e7882-18fe-11ef-ab88-22222d34d411';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isBinsnapError(err) ? err.code : `not a BinsnapError: ${String(err)}`;
  }
  return undefined;
}

describe('MysqlGtid', () => {
  it('parses and formats the manual examples', () => {
    const g = MysqlGtid.parse(`${U1}:23`);
    expect(g.uuid).toBe(u1);
    expect(g.tag).toBeUndefined();
    expect(g.transactionId).toBe(23n);
    expect(g.format()).toBe(`${u1}:23`);
    const t = MysqlGtid.parse(`${U2}:Domain_1:7`);
    expect(t.tag).toBe('domain_1');
    expect(t.format()).toBe(`${U2}:domain_1:7`);
    expect(MysqlGtid.parse(` ${U2} : 9223372036854775807 `).transactionId).toBe(MAX_TRANSACTION_ID);
  });

  it('accepts a uuid without dashes and prints it dashed', () => {
    expect(MysqlGtid.parse('3E11FA4771CA11E19E33C80AA9429562:1').uuid).toBe(u1);
  });

  it.each([
    '',
    `${U1}`,
    `${U1}:0`,
    `${U1}:-1`,
    `${U1}:9223372036854775808`,
    `${U1}:1-5`,
    `${U1}:tag:x:1`,
    `${U1}:9tag:1`,
    `${U1}:${'a'.repeat(33)}:1`,
    'not-a-uuid:1',
    '3E11FA47-71CA-11E1-9E33-C80AA942956:1',
  ])('rejects %j with BINSNAP_E_GTID_INVALID', (text) => {
    expect(codeOf(() => MysqlGtid.parse(text))).toBe('BINSNAP_E_GTID_INVALID');
  });

  it('puts the offending text in the error context', () => {
    try {
      MysqlGtid.parse('nope:1');
      expect.unreachable();
    } catch (err) {
      expect(isBinsnapError(err) && err.context['gtid']).toBe('nope:1');
    }
  });
});

describe('MysqlGtidSet.parse / format', () => {
  it.each([
    [`${U1}:1-5`, `${u1}:1-5`],
    [`${U1}:1-3:4-6`, `${u1}:1-6`],
    [`${U1}:1-3:5`, `${u1}:1-3:5`],
    [`${U1}:1-3:11:47-49`, `${u1}:1-3:11:47-49`],
    [`${U1}:5-9:1-3`, `${u1}:1-3:5-9`],
    [`${U1}:1-5:3-4`, `${u1}:1-5`],
    [`${U1}:1-1`, `${u1}:1`],
    [`${U1}:3,${U1}:1-2`, `${u1}:1-3`],
    [`${U2}:1-3:Tag:5-6`, `${U2}:1-3:tag:5-6`],
    [`${U2}:tag:5-6:1-3`, `${U2}:tag:1-3:5-6`],
    [`${U2}:zz:1:aa:2,${U2}:7`, `${U2}:7:aa:2:zz:1`],
    [`${U2}:1-4:aaaa:1:abc:1-3:bbbbb:1:x:1`, `${U2}:1-4:aaaa:1:abc:1-3:bbbbb:1:x:1`],
    ['', ''],
    ['  \n ', ''],
  ])('%j → %j', (text, canonical) => {
    expect(MysqlGtidSet.parse(text).format()).toBe(canonical);
  });

  it('sorts uuids and tolerates MySQL’s ",\\n" separators', () => {
    const text = `${U2}:1-2,\n${U1}:1-5 ,\n  ${U2}:t:3`;
    expect(MysqlGtidSet.parse(text).format()).toBe(`${u1}:1-5,${U2}:1-2:t:3`);
  });

  it('keeps bounds up to 2^63-1 exact', () => {
    const s = MysqlGtidSet.parse(`${U1}:9223372036854775806-9223372036854775807`);
    expect(s.entries[0]?.intervals[0]).toEqual({ start: MAX_TRANSACTION_ID - 1n, end: MAX_TRANSACTION_ID });
  });

  it.each([
    `${U1}`,
    `${U1}:`,
    `${U1}::1`,
    `${U1}:0-5`,
    `${U1}:5-3`,
    `${U1}:1-9223372036854775808`,
    `${U1}:1-2-3`,
    `${U1}:1-`,
    `${U1}:a b:1`,
    `${U1}:tag`,
    `${U1}:1:tag`,
    `${U1}:t1:t2:1`,
    `${U1}:1,`,
    `${U1}:1,,${U2}:1`,
    `${U1}:0x10`,
    `${U1}:1e3`,
    'abc:1-5',
    '0-1-100',
  ])('rejects %j with BINSNAP_E_GTID_INVALID', (text) => {
    expect(codeOf(() => MysqlGtidSet.parse(text))).toBe('BINSNAP_E_GTID_INVALID');
  });
});

describe('MysqlGtidSet operations (examples)', () => {
  const s = MysqlGtidSet.parse(`${U1}:1-3:5,${U2}:t:10`);

  it('contains', () => {
    expect(s.contains(MysqlGtid.parse(`${U1}:3`))).toBe(true);
    expect(s.contains(MysqlGtid.parse(`${U1}:4`))).toBe(false);
    expect(s.contains(MysqlGtid.parse(`${U1}:5`))).toBe(true);
    expect(s.contains(MysqlGtid.parse(`${U2}:10`))).toBe(false);
    expect(s.contains(MysqlGtid.parse(`${U2}:T:10`))).toBe(true);
  });

  it('add fills gaps and merges, leaving the original unchanged', () => {
    const t = s.add(MysqlGtid.parse(`${U1}:4`));
    expect(t.format()).toBe(`${u1}:1-5,${U2}:t:10`);
    expect(s.format()).toBe(`${u1}:1-3:5,${U2}:t:10`);
    expect(s.add(MysqlGtid.parse(`${U1}:2`))).toBe(s);
    expect(MysqlGtidSet.empty().add(MysqlGtid.of(U2, 1n, 'x')).format()).toBe(`${U2}:x:1`);
  });

  it('union, subset, equals, isEmpty', () => {
    const o = MysqlGtidSet.parse(`${U1}:4`);
    expect(s.union(o).format()).toBe(`${u1}:1-5,${U2}:t:10`);
    expect(o.isSubsetOf(s)).toBe(false);
    expect(MysqlGtidSet.parse(`${U1}:2-3`).isSubsetOf(s)).toBe(true);
    expect(MysqlGtidSet.parse(`${U1}:3-5`).isSubsetOf(s)).toBe(false);
    expect(MysqlGtidSet.empty().isSubsetOf(s)).toBe(true);
    expect(s.equals(MysqlGtidSet.parse(`${U2}:T:10,${U1}:5:1-2:3`))).toBe(true);
    expect(s.equals(o)).toBe(false);
    expect(MysqlGtidSet.parse('').isEmpty).toBe(true);
    expect(s.isEmpty).toBe(false);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(s.entries)).toBe(true);
    expect(Object.isFrozen(s.entries[0])).toBe(true);
    expect(Object.isFrozen(s.entries[0]?.intervals)).toBe(true);
  });
});

describe('binary form (PREVIOUS_GTIDS / COM_BINLOG_DUMP_GTID)', () => {
  it('encodes an untagged set with an exclusive end', () => {
    const buf = encodeMysqlGtidSet(MysqlGtidSet.parse(`${U1}:1-5:7`));
    const expected = Buffer.concat([
      Buffer.from('0100000000000000', 'hex'), // n_sids = 1, format byte 0
      Buffer.from('3e11fa4771ca11e19e33c80aa9429562', 'hex'),
      Buffer.from('0200000000000000', 'hex'), // n_intervals = 2
      Buffer.from('0100000000000000' + '0600000000000000', 'hex'), // [1, 6)
      Buffer.from('0700000000000000' + '0800000000000000', 'hex'), // [7, 8)
    ]);
    expect(buf.toString('hex')).toBe(expected.toString('hex'));
    expect(decodeMysqlGtidSet(buf, 0, buf.length).format()).toBe(`${u1}:1-5:7`);
  });

  it('encodes the empty set as n_sids = 0', () => {
    expect(encodeMysqlGtidSet(MysqlGtidSet.empty()).toString('hex')).toBe('0000000000000000');
    expect(decodeMysqlGtidSet(Buffer.alloc(8)).isEmpty).toBe(true);
  });

  it('encodes a tagged set in the MySQL 8.4 tagged format', () => {
    const buf = encodeMysqlGtidSet(MysqlGtidSet.parse(`${U2}:1-4:aaaa:1`));
    const expected = Buffer.concat([
      Buffer.from('0102000000000001', 'hex'), // format 1, n_sids = 2 in bytes 1..6, format 1
      Buffer.from('896e788218fe11efab8822222d34d411', 'hex'),
      Buffer.from('00', 'hex'), // empty tag
      Buffer.from('0100000000000000' + '0100000000000000' + '0500000000000000', 'hex'),
      Buffer.from('896e788218fe11efab8822222d34d411', 'hex'),
      Buffer.from('08', 'hex'), // tag length 4, varlen (4 << 1)
      Buffer.from('aaaa', 'latin1'),
      Buffer.from('0100000000000000' + '0100000000000000' + '0200000000000000', 'hex'),
    ]);
    expect(buf.toString('hex')).toBe(expected.toString('hex'));
    expect(decodeMysqlGtidSet(buf).format()).toBe(`${U2}:1-4:aaaa:1`);
  });

  it('decodes from a slice of a larger buffer and merges what it reads', () => {
    const body = encodeMysqlGtidSet(MysqlGtidSet.parse(`${U1}:1-3`));
    // Two intervals that touch, as an older server might have written them.
    const raw = Buffer.concat([
      Buffer.from('0100000000000000', 'hex'),
      Buffer.from(u1.replace(/-/g, ''), 'hex'),
      Buffer.from('0200000000000000' + '0100000000000000' + '0300000000000000', 'hex'),
      Buffer.from('0300000000000000' + '0600000000000000', 'hex'),
    ]);
    const framed = Buffer.concat([Buffer.from('ffff', 'hex'), raw, Buffer.from('deadbeef', 'hex')]);
    expect(decodeMysqlGtidSet(framed, 2, 2 + raw.length).format()).toBe(`${u1}:1-5`);
    expect(decodeMysqlGtidSet(body).format()).toBe(`${u1}:1-3`);
  });

  it('keeps the exclusive end 2^63 of the largest interval exact', () => {
    const s = MysqlGtidSet.parse(`${U1}:1-9223372036854775807`);
    const buf = encodeMysqlGtidSet(s);
    expect(buf.readBigUInt64LE(buf.length - 8)).toBe(1n << 63n);
    expect(decodeMysqlGtidSet(buf).equals(s)).toBe(true);
  });

  it.each([
    ['truncated header', '01000000'],
    ['n_sids beyond the buffer', '0500000000000000'],
    ['unknown format byte', '0000000000000002'],
    ['tagged header with a bad low byte', '0001000000000001'],
    ['truncated intervals', `0100000000000000${'00'.repeat(16)}0100000000000000010000000000`],
    ['empty interval', `0100000000000000${'00'.repeat(16)}0100000000000000${'0500000000000000'.repeat(2)}`],
    ['interval starting at 0', `0100000000000000${'00'.repeat(16)}01000000000000000000000000000000${'0500000000000000'}`],
    ['trailing bytes', '000000000000000000'],
  ])('rejects %s with BINSNAP_E_BINLOG_CORRUPT_EVENT', (_name, hex) => {
    const buf = Buffer.from(hex, 'hex');
    expect(codeOf(() => decodeMysqlGtidSet(buf, 0, buf.length))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
  });

  it('rejects a range outside the buffer', () => {
    expect(codeOf(() => decodeMysqlGtidSet(Buffer.alloc(8), 0, 16))).toBe('BINSNAP_E_BINLOG_CORRUPT_EVENT');
  });
});

// ── property tests ──────────────────────────────────────────────────────────

// Few uuids and tags and small ids, so that generated sets overlap often.
const UUIDS = [u1, U2, '00000000-0000-0000-0000-000000000001'];
const TAGS = ['', 'a', 'tag_2', '_x'];
const SMALL = 40n;

const smallInterval = fc
  .tuple(fc.bigInt({ min: 1n, max: SMALL }), fc.bigInt({ min: 0n, max: 6n }))
  .map(([start, len]) => ({ start, end: start + len }));

const smallEntry: fc.Arbitrary<MysqlGtidSetEntry> = fc.record({
  uuid: fc.constantFrom(...UUIDS),
  tag: fc.constantFrom(...TAGS),
  intervals: fc.array(smallInterval, { maxLength: 4 }),
});
const smallSet = fc.array(smallEntry, { maxLength: 5 }).map((es) => MysqlGtidSet.fromEntries(es));

const anyInterval = fc
  .tuple(fc.bigInt({ min: 1n, max: MAX_TRANSACTION_ID }), fc.bigInt({ min: 1n, max: MAX_TRANSACTION_ID }))
  .map(([a, b]) => (a <= b ? { start: a, end: b } : { start: b, end: a }));
const tagArb = fc.oneof(fc.constant(''), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,31}$/));
const anySet = fc
  .array(fc.record({ uuid: fc.uuid(), tag: tagArb, intervals: fc.array(anyInterval, { maxLength: 4 }) }), { maxLength: 5 })
  .map((es) => MysqlGtidSet.fromEntries(es));

/** The naive model: the set of "uuid:tag:n" strings. */
function model(s: MysqlGtidSet): Set<string> {
  const out = new Set<string>();
  for (const e of s.entries) for (const iv of e.intervals) for (let n = iv.start; n <= iv.end; n++) out.add(`${e.uuid}:${e.tag}:${n}`);
  return out;
}

function gtidOf(uuid: string, tag: string, n: bigint): MysqlGtid {
  return MysqlGtid.of(uuid, n, tag === '' ? undefined : tag);
}

describe('MysqlGtidSet properties', () => {
  it('format is a fixed point of parse', () => {
    fc.assert(
      fc.property(anySet, (s) => {
        const text = s.format();
        const again = MysqlGtidSet.parse(text);
        expect(again.format()).toBe(text);
        expect(again.equals(s)).toBe(true);
      }),
    );
  });

  it('the canonical form survives whitespace and newlines between tokens', () => {
    fc.assert(
      fc.property(anySet, fc.constantFrom(' ', '\n', ' \n  ', '\t'), (s, ws) => {
        const spaced = s.format().replace(/,/g, `${ws},${ws}`).replace(/:/g, `${ws}:${ws}`);
        expect(MysqlGtidSet.parse(`${ws}${spaced}${ws}`).format()).toBe(s.format());
      }),
    );
  });

  it('binary encode/decode round-trips', () => {
    fc.assert(
      fc.property(anySet, (s) => {
        const buf = encodeMysqlGtidSet(s);
        expect(decodeMysqlGtidSet(buf, 0, buf.length).equals(s)).toBe(true);
      }),
    );
  });

  it('union is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(smallSet, smallSet, smallSet, (a, b, c) => {
        expect(a.union(b).equals(b.union(a))).toBe(true);
        expect(a.union(b).union(c).equals(a.union(b.union(c)))).toBe(true);
        expect(a.union(a).equals(a)).toBe(true);
        expect(a.union(MysqlGtidSet.empty()).equals(a)).toBe(true);
      }),
    );
  });

  it('union, add and contains agree with a naive set model', () => {
    fc.assert(
      fc.property(
        smallSet,
        smallSet,
        fc.constantFrom(...UUIDS),
        fc.constantFrom(...TAGS),
        fc.bigInt({ min: 1n, max: SMALL + 8n }),
        (a, b, uuid, tag, n) => {
          const g = gtidOf(uuid, tag, n);
          const key = `${uuid}:${tag}:${n}`;
          expect(a.contains(g)).toBe(model(a).has(key));
          expect([...model(a.union(b))].sort()).toEqual([...new Set([...model(a), ...model(b)])].sort());
          const added = a.add(g);
          expect(added.contains(g)).toBe(true);
          expect([...model(added)].sort()).toEqual([...new Set([...model(a), key])].sort());
        },
      ),
    );
  });

  it('isSubsetOf agrees with the model, and a ⊆ a ∪ b', () => {
    fc.assert(
      fc.property(smallSet, smallSet, (a, b) => {
        expect(a.isSubsetOf(a.union(b))).toBe(true);
        expect(b.isSubsetOf(a.union(b))).toBe(true);
        const mb = model(b);
        expect(a.isSubsetOf(b)).toBe([...model(a)].every((k) => mb.has(k)));
      }),
    );
  });

  it('equals agrees with the model', () => {
    fc.assert(
      fc.property(smallSet, smallSet, (a, b) => {
        const ma = model(a);
        const mb = model(b);
        expect(a.equals(b)).toBe(ma.size === mb.size && [...ma].every((k) => mb.has(k)));
      }),
    );
  });
});
