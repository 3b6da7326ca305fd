import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRecord, jsonlLine } from './read-csv.js';
import { formatDuration } from './read-common.js';

describe('csv fields (RFC 4180)', () => {
  it('NULL and absent are empty, the empty string is "", quotes double, separators and line breaks are quoted', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('cr\rlf\n')).toBe('"cr\rlf\n"');
    expect(csvField(' spaced ')).toBe(' spaced ');
  });

  it('numbers and booleans as in JSON, objects and arrays as JSON text', () => {
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(1e21)).toBe('1e+21');
    expect(csvField(true)).toBe('true');
    expect(csvField([1.5, 2])).toBe('"[1.5,2]"');
    expect(csvField({ a: 'x' })).toBe('"{""a"":""x""}"');
    expect(csvField([])).toBe('[]');
  });

  it('records end with CRLF and follow the column order; jsonl ends with LF', () => {
    expect(csvHeader(['id', 'a,b'])).toBe('id,"a,b"\r\n');
    expect(csvRecord({ b: 2, a: 1 }, ['a', 'b', 'c'])).toBe('1,2,\r\n');
    expect(jsonlLine({ id: '18446744073709551615', v: null })).toBe('{"id":"18446744073709551615","v":null}\n');
  });
});

describe('formatDuration', () => {
  it('gives the two largest units', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(3_000)).toBe('3s');
    expect(formatDuration(63_000)).toBe('1m 3s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d');
  });
});
