/**
 * Cells cut from real binlogs in ../shared/fixtures/binlogs (bytes copied as
 * hex, with the expectation recorded by the fixture's README):
 *   rust_mysql_common/json-opaque.binlog — MySQL 9.0.1 JSON opaque scalars
 *   rust_mysql_common/time_issue.000001  — MySQL 8.0.40 TIME2 -507:48:27
 */
import { describe, expect, it } from 'vitest';
import { ColumnType as T } from './column.js';
import { decodeBinaryJson, readValue } from './decode-value.js';

const JSON_OPAQUE: [hex: string, expected: unknown][] = [
  ['0001000f000b0001000f0c00610f0155', { a: 'base64:type15:VQ==' }],
  ['00010016000b0001000f0c00620a080000000000e48b19', { b: '2012-03-18' }],
  ['00010016000b0001000f0c00630c08000000adb7e48b19', { c: '2012-03-18 11:30:45.000000' }],
  ['00010016000b0001000f0c00630b08f1fb09ee77050000', { c: '87:31:46.654321' }],
  // The README shows DECIMAL as "123.456" / "9.00"; binsnap maps an exact decimal to a JSON number.
  ['00010014000b0001000f0c0064f6060603807b01c8', { d: 123.456 }],
  ['00010015000b0001000f0c0065f6070b028000000900', { e: 9 }],
  ['0001001c000b000100020c006504001000050000050100040100040200', { e: [0, 1, true, false] }],
  ['0001000c000b00010004000065', { e: null }],
];

describe('real binlog cells', () => {
  it('decodes the MySQL 9.0.1 JSON opaque documents', () => {
    for (const [hex, expected] of JSON_OPAQUE) {
      const b = Buffer.from(hex, 'hex');
      expect(decodeBinaryJson(b, 0, b.length)).toEqual(expected);
    }
  });

  it('decodes the MySQL 8.0.40 negative TIME2 with hours over 24', () => {
    const cell = Buffer.from('6043e5', 'hex');
    expect(readValue(cell, 0, { type: T.TIME2, meta: 0, unsigned: false, collation: undefined, name: 't' })).toEqual({
      value: '-507:48:27',
      end: 3,
    });
  });
});
