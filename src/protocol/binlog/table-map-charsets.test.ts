import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from './binlog-decoder.js';
import type { TableMapEvent } from './events.js';
import { corpusAvailable, loadFixture } from './fixtures.test-util.js';

describe.skipIf(!corpusAvailable)('TABLE_MAP charset metadata', () => {
  // dtb.bar (id SERIAL, vector_column VECTOR(2), foo TEXT, vector_column2 VECTOR(4)) on MySQL 9:
  // the server counts VECTOR (and GEOMETRY) among the charset-carrying columns, so the
  // DEFAULT_CHARSET exceptions (binary for the vectors) must not land on the TEXT column.
  it('counts VECTOR and GEOMETRY columns when mapping DEFAULT_CHARSET to columns', () => {
    const d = new BinlogDecoder({ fileName: 'vector.000001' });
    d.append(loadFixture('rust_mysql_common/vector.binlog'));
    let bar: TableMapEvent | undefined;
    for (let e = d.pull(); e !== undefined; e = d.pull()) if (e.kind === 'table_map' && e.table === 'bar') bar ??= e;
    expect(bar?.columns.map((c) => [c.name, c.collation])).toEqual([
      ['id', undefined],
      ['vector_column', 63],
      ['foo', 255],
      ['vector_column2', 63],
    ]);
  });
});
