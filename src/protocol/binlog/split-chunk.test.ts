/**
 * The decoder is indifferent to how its input is cut: fixtures fed split at
 * every byte boundary (two pieces) and in one-byte chunks give the same events
 * as the whole file at once.
 */
import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from './binlog-decoder.js';
import type { DecodedEvent } from './events.js';
import { corpusAvailable, loadFixture } from './fixtures.test-util.js';

const FIXTURES = [
  'mysql-binlog-connector-java/mysql-bin.compressed',
  'rust_mysql_common/binlog_transaction_with_GTID_TAG.000001',
  'go-mysql-server-base64/binlog_transaction_multi_ops.txt',
  'mariadb-poc/domain_id_1/mariadb-repl-bin.000002',
  'mariadb-test-data/std_data/master-bin.000001',
];

function decodeChunks(chunks: Iterable<Buffer>): DecodedEvent[] {
  const d = new BinlogDecoder({ fileName: 'fixture.000001' });
  const out: DecodedEvent[] = [];
  for (const c of chunks) for (const e of d.push(c)) out.push(e);
  d.end();
  return out;
}

function* splitAt(bytes: Buffer, at: number): Generator<Buffer> {
  yield bytes.subarray(0, at);
  yield bytes.subarray(at);
}

function* oneByte(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

describe.skipIf(!corpusAvailable)('split chunks', () => {
  for (const file of FIXTURES) {
    it(`${file}: every split point and one-byte chunks give the same events`, () => {
      const bytes = loadFixture(file);
      const whole = decodeChunks([bytes]);
      expect(whole.length).toBeGreaterThan(0);
      for (let at = 0; at <= bytes.length; at++) expect(decodeChunks(splitAt(bytes, at))).toEqual(whole);
      expect(decodeChunks(oneByte(bytes))).toEqual(whole);
    });
  }
});
