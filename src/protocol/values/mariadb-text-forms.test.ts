import { describe, expect, it } from 'vitest';
import { formatTextForm } from './mariadb-text-forms.js';

describe('formatTextForm', () => {
  it('writes INET6 as MariaDB 10.11 and 11.4 SELECT it (HEX() of the stored value → text)', () => {
    const seen: Array<[string, string]> = [
      ['00000000000000000000000000000000', '::'],
      ['00000000000000000000000000000001', '::1'],
      ['00000000000000000000000000000002', '::2'],
      ['0000000000000000000000000000FFFF', '::ffff'],
      ['00000000000000000000000001020304', '::1.2.3.4'],
      ['00000000000000000000FFFF01020304', '::ffff:1.2.3.4'],
      ['00000000000000000000FFFF00000000', '::ffff:0.0.0.0'],
      ['00000000000000000000000100000000', '::1:0:0'],
      ['00010000000200030004000500060007', '1::2:3:4:5:6:7'],
      ['00010000000000020000000000000003', '1:0:0:2::3'],
      ['20010DB8000000000001000000000001', '2001:db8::1:0:0:1'],
      ['00010000000000000000000000000000', '1::'],
      ['FFFF0000000000000000000000000000', 'ffff::'],
      ['00010002000300040005000600070000', '1:2:3:4:5:6:7::'],
      ['00000002000300040005000600070008', '::2:3:4:5:6:7:8'],
      ['0064FF9B000000000000000001020304', '64:ff9b::102:304'],
      ['FE800000000000000000000000000001', 'fe80::1'],
      ['20010DB80001000200030004000500FF', '2001:db8:1:2:3:4:5:ff'],
    ];
    for (const [hex, text] of seen) expect(formatTextForm('inet6', Buffer.from(hex, 'hex')), hex).toBe(text);
  });

  it('writes INET4 dotted and UUID as 8-4-4-4-12 lower-case digits in byte order', () => {
    expect(formatTextForm('inet4', Buffer.from([192, 168, 0, 1]))).toBe('192.168.0.1');
    expect(formatTextForm('inet4', Buffer.from([0, 0, 0, 0]))).toBe('0.0.0.0');
    expect(formatTextForm('uuid', Buffer.from('123E4567E89B12D3A456426655440000', 'hex'))).toBe('123e4567-e89b-12d3-a456-426655440000');
    expect(formatTextForm('uuid', Buffer.alloc(16))).toBe('00000000-0000-0000-0000-000000000000');
  });
});
