import { describe, expect, it } from 'vitest';
import type { JsonValue } from './column.js';
import { applyJsonDiffs } from './decode-value.js';
import { parseJsonPath } from './json-diff.js';
import { encodeBinaryJson, type EncodableJson } from './test-support/binary-json-encoder.js';

type Diff = [op: 0 | 1 | 2, path: string, value?: EncodableJson];

function lenenc(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  const b = Buffer.alloc(3);
  b[0] = 0xfc;
  b.writeUInt16LE(n, 1);
  return b;
}

function diffList(diffs: Diff[]): Buffer {
  const parts: Buffer[] = [];
  for (const [op, path, value] of diffs) {
    const p = Buffer.from(path, 'utf8');
    parts.push(Buffer.from([op]), lenenc(p.length), p);
    if (op !== 2) {
      const v = encodeBinaryJson(value ?? null);
      parts.push(lenenc(v.length), v);
    }
  }
  return Buffer.concat(parts);
}

const apply = (before: JsonValue, diffs: Diff[]): JsonValue => {
  const b = Buffer.concat([Buffer.from([0xee]), diffList(diffs), Buffer.from([0xee])]);
  return applyJsonDiffs(before, b, 1, b.length - 1);
};

describe('applyJsonDiffs', () => {
  const before: JsonValue = { a: 1, b: [10, 20, 30], c: { 'd e': 'x' } };

  it('REPLACE sets an existing value, the root included', () => {
    expect(apply(before, [[0, '$.a', 'one']])).toEqual({ a: 'one', b: [10, 20, 30], c: { 'd e': 'x' } });
    expect(apply(before, [[0, '$.b[1]', { n: 2 }]])).toEqual({ a: 1, b: [10, { n: 2 }, 30], c: { 'd e': 'x' } });
    expect(apply(before, [[0, '$.c."d e"', 300]])).toEqual({ a: 1, b: [10, 20, 30], c: { 'd e': 300 } });
    expect(apply(before, [[0, '$', [1]]])).toEqual([1]);
    expect(apply(before, [[0, '$.b[last]', 0]])).toEqual({ a: 1, b: [10, 20, 0], c: { 'd e': 'x' } });
  });

  it('INSERT adds members and array elements', () => {
    expect(apply(before, [[1, '$.z', true]])).toEqual({ a: 1, b: [10, 20, 30], c: { 'd e': 'x' }, z: true });
    expect(apply(before, [[1, '$.b[0]', 5]])).toEqual({ a: 1, b: [5, 10, 20, 30], c: { 'd e': 'x' } });
    expect(apply(before, [[1, '$.b[9]', 40]])).toEqual({ a: 1, b: [10, 20, 30, 40], c: { 'd e': 'x' } });
  });

  it('REMOVE deletes members and elements', () => {
    expect(apply(before, [[2, '$.a']])).toEqual({ b: [10, 20, 30], c: { 'd e': 'x' } });
    expect(apply(before, [[2, '$.b[1]']])).toEqual({ a: 1, b: [10, 30], c: { 'd e': 'x' } });
  });

  it('applies a list in order and never mutates the before value', () => {
    const snapshot = JSON.stringify(before);
    const after = apply(before, [
      [0, '$.a', 2],
      [1, '$.b[3]', 40],
      [2, '$.c."d e"'],
      [1, '$.c.new', 'v'.repeat(300)],
    ]);
    expect(after).toEqual({ a: 2, b: [10, 20, 30, 40], c: { new: 'v'.repeat(300) } });
    expect(JSON.stringify(before)).toBe(snapshot);
  });

  it('a path missing from the before value is a corrupt event', () => {
    expect(() => apply(before, [[0, '$.nope', 1]])).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => apply(before, [[2, '$.b[7]']])).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => apply(before, [[0, '$.a.b', 1]])).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
  });

  it('rejects unknown operations and truncated lists with coded errors', () => {
    const b = Buffer.from([7, 1, 0x24]);
    expect(() => applyJsonDiffs(null, b, 0, b.length)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_UNKNOWN_COLUMN_TYPE' }));
    const good = diffList([[0, '$.a', 5]]);
    for (let cut = 1; cut < good.length; cut++) {
      expect(() => applyJsonDiffs(before, good, 0, cut)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    }
  });
});

describe('parseJsonPath', () => {
  it('parses the forms MySQL writes', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.a[2]."b \\"c"[last-1].d')).toEqual([
      { key: 'a' },
      { index: 2, fromLast: false },
      { key: 'b "c' },
      { index: 1, fromLast: true },
      { key: 'd' },
    ]);
    expect(() => parseJsonPath('$.*')).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => parseJsonPath('a')).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
  });
});
