/**
 * Property: over mutated fixtures (bytes flipped, overwritten, cut, inserted)
 * the decoder either decodes or throws a BinsnapError with a code and the
 * file it concerns — never another exception, never a hang, and never an
 * allocation beyond its limit (maxEventSize bounds buffering and every
 * decompressed size).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { BinlogDecoder } from './binlog-decoder.js';
import { corpusAvailable, loadFixture } from './fixtures.test-util.js';

const FIXTURES = [
  'mysql-binlog-connector-java/mysql-bin.compressed',
  'rust_mysql_common/json.binlog.000001',
  'rust_mysql_common/vector.binlog',
  'rust_mysql_common/mysql-enum-string-set.000001',
  'mariadb-poc/domain_id_1/mariadb-repl-bin.000002',
  'mysql-binlog-connector-rust/mysql-bin.000057',
  'rust_mysql_common/binlog_transaction_with_GTID_TAG.000001',
  'mariadb-test-data/suite/binlog/std_data/binlog_old_version_4_1.000001',
];

type Mutation =
  | { op: 'set'; at: number; value: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'cut'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function apply(input: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'set') b[at] = m.value;
    else if (m.op === 'flip') b[at] = b[at]! ^ (1 << m.bit);
    else if (m.op === 'cut') b = b.subarray(0, at);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
  }
  return b;
}

describe.skipIf(!corpusAvailable)('fuzzed fixtures', () => {
  const inputs = corpusAvailable ? FIXTURES.map((f) => loadFixture(f)) : [];
  it('decode or fail with a coded BinsnapError', () => {
    fc.assert(
      fc.property(fc.nat({ max: FIXTURES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (i, ms, verify) => {
        const bytes = apply(inputs[i]!, ms);
        // Checksums would catch most mutations first; half the runs skip them to reach the event parsers.
        const d = new BinlogDecoder({ fileName: 'fuzz.000001', verifyChecksum: verify, maxEventSize: 1 << 22 });
        try {
          d.push(bytes);
          d.end();
        } catch (err) {
          if (!isBinsnapError(err)) throw err;
          expect(err.code).toMatch(/^BINSNAP_E_/);
          expect(err.context.file).toBe('fuzz.000001');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a rows event whose column bitmap names no column is an error, not an endless row loop (found by this fuzzer)', () => {
    // Images of no columns take no bytes: the decoder looped, allocating rows until the heap ran out.
    const bytes = apply(inputs[6]!, [{ op: 'set', at: 1453434180, value: 133 }, { op: 'flip', at: 1714710196, bit: 0 }, { op: 'set', at: 481831643, value: 5 }]);
    const d = new BinlogDecoder({ fileName: 'fuzz.000001', verifyChecksum: false, maxEventSize: 1 << 22 });
    expect(() => {
      d.push(bytes);
      d.end();
    }).toThrow(/row images hold no columns/);
  });
});
