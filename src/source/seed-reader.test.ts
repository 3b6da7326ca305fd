import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { sourceError, splitRange } from './seed-reader.js';

const source = { host: 'h', port: 3306, user: 'u', password: 'secret', ssl: undefined, redacted: 'mysql://u:***@h:3306' };

describe('splitRange', () => {
  it('covers every key with unbounded ends and no overlap', () => {
    expect(splitRange('id', 1n, 100n, 4)).toEqual([
      { column: 'id', to: 26n },
      { column: 'id', from: 26n, to: 51n },
      { column: 'id', from: 51n, to: 76n },
      { column: 'id', from: 76n },
    ]);
    expect(splitRange('id', 5n, 5n, 3)).toEqual([{ column: 'id' }]);
    expect(splitRange('id', 1n, 2n, 8)).toEqual([{ column: 'id', to: 2n }, { column: 'id', from: 2n }]);
    const big = splitRange('id', -9223372036854775808n, 18446744073709551615n, 2);
    expect(big).toHaveLength(2);
  });
});

describe('sourceError', () => {
  it('maps a refused privilege to exit 3, other server errors to exit 1', () => {
    const denied = sourceError(Object.assign(new Error('Access denied; you need RELOAD'), { code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' }), source, 'locking');
    expect(denied).toBeInstanceOf(BinsnapError);
    expect((denied as BinsnapError).code).toBe('BINSNAP_E_SOURCE_PRIVILEGE');
    expect((denied as BinsnapError).exitCode).toBe(3);
    const other = sourceError(Object.assign(new Error('Table definition has changed'), { code: 'ER_TABLE_DEF_CHANGED' }), source, 'reading d.t');
    expect((other as BinsnapError).exitCode).toBe(1);
    expect((other as BinsnapError).message).not.toContain('secret');
  });
});
