import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { count, duration, progressLine } from './progress.js';

describe('progress line', () => {
  it('formats its text only when it draws: never off a terminal, at most four times a second', () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (b: Buffer) => (written += b.toString()));
    let formatted = 0;
    const text = (): string => `rows ${++formatted}`;

    const off = progressLine(out, false);
    for (let i = 0; i < 1000; i++) off.update(text);
    expect(formatted).toBe(0);

    const on = progressLine(out, true);
    for (let i = 0; i < 1000; i++) on.update(text);
    expect(formatted).toBe(1);
    on.update(text, true);
    expect(formatted).toBe(2);
    on.update('plain', true);
    on.done();
    expect(written).toBe('\r\u001b[2Krows 1\r\u001b[2Krows 2\r\u001b[2Kplain\r\u001b[2K');
  });

  it('counts and durations read as people write them', () => {
    expect([count(1234567.4), count(0), count(999), count(1000), count(-1234.6), count(123456789012)]).toEqual(['1,234,567', '0', '999', '1,000', '-1,235', '123,456,789,012']);
    expect([duration(62), duration(3723), duration(Number.NaN)]).toEqual(['1:02', '1:02:03', '?']);
  });
});
