/**
 * MySQL's packed DECIMAL (NEWDECIMAL, decimal2bin in strings/decimal.cc):
 * the integer part and the fraction part are each split into groups of nine
 * decimal digits stored as 4-byte big-endian integers; a shorter leading
 * integer group and a shorter trailing fraction group take
 * DIG2BYTES[digits] bytes. The sign is the top bit of the first byte (set for
 * non-negative); a negative value has every byte inverted.
 *
 * Output (SPEC §3): a string with exactly `scale` fraction digits, no leading
 * zeros but a single 0, a leading "-" only when some digit is non-zero.
 * Invariant: never reads outside [o, o + decimalBinSize(p, s)).
 */
import { corruptValue } from './value-errors.js';

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000] as const;
const ZEROS9 = '000000000';

/** Bytes a DECIMAL(precision, scale) value occupies. */
export function decimalBinSize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9]!
  );
}

function pad9(v: number, width: number): string {
  const s = String(v);
  return s.length >= width ? s : ZEROS9.slice(0, width - s.length) + s;
}

/** `n` big-endian bytes at `p` with negation (mask) and the sign bit (flip) undone. */
function groupAt(buf: Buffer, p: number, n: number, mask: number, flip: number, digits: number, column: string): number {
  let v = (buf[p]! ^ mask ^ flip);
  for (let i = 1; i < n; i++) v = v * 256 + (buf[p + i]! ^ mask);
  if (v >= POW10[digits]!) throw corruptValue(column, 'DECIMAL digit group out of range', p);
  return v;
}

/**
 * Decodes DECIMAL(precision, scale) at `o`. `column` names the cell in errors.
 * Returns the text and the end offset.
 */
export function readDecimal(
  buf: Buffer,
  o: number,
  precision: number,
  scale: number,
  column: string,
): { text: string; end: number } {
  if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
    throw corruptValue(column, `DECIMAL(${precision},${scale}) metadata is invalid`, o);
  }
  const size = decimalBinSize(precision, scale);
  if (o + size > buf.length) throw corruptValue(column, `DECIMAL needs ${size} bytes`, o);
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const intgx = intg % 9;
  const frac0 = Math.floor(scale / 9);
  const fracx = scale % 9;
  const negative = (buf[o]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  let p = o;
  let flip = 0x80; // the sign bit lives in the very first byte only

  let intText = '';
  if (intgx > 0) {
    const n = DIG2BYTES[intgx]!;
    const v = groupAt(buf, p, n, mask, flip, intgx, column);
    p += n;
    flip = 0;
    if (v !== 0) intText = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = groupAt(buf, p, 4, mask, flip, 9, column);
    p += 4;
    flip = 0;
    intText = intText === '' ? (v === 0 ? '' : String(v)) : intText + pad9(v, 9);
  }
  let nonZero = intText !== '';
  if (intText === '') intText = '0';
  let fracText = '';
  for (let i = 0; i < frac0; i++) {
    const v = groupAt(buf, p, 4, mask, flip, 9, column);
    p += 4;
    flip = 0;
    if (v !== 0) nonZero = true;
    fracText += pad9(v, 9);
  }
  if (fracx > 0) {
    const v = groupAt(buf, p, DIG2BYTES[fracx]!, mask, flip, fracx, column);
    if (v !== 0) nonZero = true;
    fracText += pad9(v, fracx);
  }
  const sign = negative && nonZero ? '-' : '';
  return { text: scale > 0 ? `${sign}${intText}.${fracText}` : sign + intText, end: o + size };
}
