/**
 * MariaDB's data type plugins INET4 (10.10), INET6 (10.5) and UUID (10.7) are fixed-length
 * binary columns in the binlog (TABLE_MAP type STRING, binary collation); SELECT shows them as
 * text. A column the schema history knows as one of them (ColumnDecodeInfo.textForm) is decoded
 * to that text, so replayed rows equal seeded ones and SELECT:
 * - INET4: dotted decimal;
 * - INET6: lower-case hex groups without leading zeros, the longest run of zero groups (even a
 *   single one; the first of equal runs) written `::`, and an IPv4-compatible (`::a.b.c.d`, the
 *   six leading groups zero) or IPv4-mapped (`::ffff:a.b.c.d`) address in mixed form;
 * - UUID: 8-4-4-4-12 lower-case hex digits of the 16 bytes in their order.
 * Checked against SELECT on MariaDB 10.11 (test/integration/replay-edge-cases.test.ts, j).
 */
export type TextForm = 'inet4' | 'inet6' | 'uuid';

/** Bytes a column of the form holds. */
export const TEXT_FORM_BYTES: Readonly<Record<TextForm, number>> = { inet4: 4, inet6: 16, uuid: 16 };

const HEX = '0123456789abcdef';

function dotted(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const x = b[i] as number;
    s += HEX[x >> 4]! + HEX[x & 15]!;
  }
  return s;
}

function inet6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  let base = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > len) {
      base = i;
      len = j - i;
    }
    i = j;
  }
  if (base === 0 && (len === 6 || (len === 5 && words[5] === 0xffff))) return `::${len === 5 ? 'ffff:' : ''}${dotted(b, 12)}`;
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === base) {
      parts.push(i === 0 ? ':' : '');
      i += len - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push((words[i] as number).toString(16));
  }
  return parts.join(':');
}

/** The text of `b` (exactly TEXT_FORM_BYTES[form] bytes) as MariaDB shows it. */
export function formatTextForm(form: TextForm, b: Uint8Array): string {
  switch (form) {
    case 'inet4':
      return dotted(b, 0);
    case 'inet6':
      return inet6(b);
    case 'uuid':
      return `${hex(b, 0, 4)}-${hex(b, 4, 6)}-${hex(b, 6, 8)}-${hex(b, 8, 10)}-${hex(b, 10, 16)}`;
  }
}
