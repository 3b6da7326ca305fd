/**
 * FLOAT (4 bytes) and DOUBLE (8 bytes), little-endian IEEE 754, and VECTOR
 * (MySQL 9: a length-prefixed run of little-endian float32).
 *
 * SPEC §3: FLOAT becomes the shortest decimal that reads back as the same
 * 32-bit value (so 0.1f prints 0.1, not 0.10000000149011612).
 * Why trying 6, 7, 8, 9 digits in turn finds the shortest: for normal floats
 * one ulp is under 0.12 of the gap between neighbouring 6-significant-digit
 * decimals, so at most one decimal of ≤ 6 digits reads back as x — and if one
 * does, it is x.toPrecision(6) (its trailing zeros vanish in the JS number).
 * Above 6 digits the nearest p-digit decimal is the one to try; 9 always
 * round-trips. Subnormals (ulp fixed at 2^-149) break the first argument and
 * take a binary search over 1..9 instead (more digits never stop round-tripping).
 */

import { f32le } from './bytes.js';

const MIN_NORMAL = 1.1754943508222875e-38; // 2^-126

/** The number whose shortest text round-trips the float32 `x`. */
export function shortestFloat32(x: number): number {
  // Integers below 2^24 are exactly representable and nothing shorter maps to them.
  if (Number.isInteger(x) && x < 16777216 && x > -16777216) return x;
  if (x !== x || x === Infinity || x === -Infinity) return x; // cannot occur in MySQL
  if (x < MIN_NORMAL && x > -MIN_NORMAL) return shortestBySearch(x);
  const fast = shortestByScaling(x);
  if (fast === fast) return fast;
  let y = Number(x.toPrecision(6));
  if (Math.fround(y) === x) return y;
  y = Number(x.toPrecision(7));
  if (Math.fround(y) === x) return y;
  y = Number(x.toPrecision(8));
  if (Math.fround(y) === x) return y;
  return Number(x.toPrecision(9));
}

/** Exact powers of ten (10^0..10^22 are exact doubles). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * The nearest p-digit decimal (p = 6..9) as a number: x·10^k rounded to an
 * integer m, then m / 10^k — both steps exact or correctly rounded while the
 * power is an exact double, so the result is Number(x.toPrecision(p)) unless
 * x·10^k lies within rounding error of a tie (then NaN: use toPrecision).
 * NaN also when the needed power is beyond 10^22.
 */
function shortestByScaling(x: number): number {
  const a = x < 0 ? -x : x;
  let e = Math.floor(Math.log10(a));
  // log10 may be off by one next to a power of ten: fix e so that 10^e <= a < 10^(e+1).
  if (e + 1 <= 22 && e + 1 >= -22 && a >= (e + 1 >= 0 ? POW10[e + 1]! : 1 / POW10[-e - 1]!)) e++;
  for (let p = 6; p <= 9; p++) {
    const k = p - 1 - e; // a·10^k has p digits before the point
    let y: number;
    if (k >= 0) {
      if (k > 22) return NaN;
      const scaled = a * POW10[k]!;
      const m = Math.round(scaled);
      const frac = scaled - Math.floor(scaled);
      if (frac > 0.4999 && frac < 0.5001) return NaN;
      y = m / POW10[k]!;
    } else {
      if (-k > 22) return NaN;
      const scaled = a / POW10[-k]!;
      const m = Math.round(scaled);
      const frac = scaled - Math.floor(scaled);
      if (frac > 0.4999 && frac < 0.5001) return NaN;
      y = m * POW10[-k]!;
    }
    if (x < 0) y = -y;
    if (p === 9 || Math.fround(y) === x) return y;
  }
  return NaN;
}

function shortestBySearch(x: number): number {
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(x.toPrecision(mid))) === x) hi = mid;
    else lo = mid + 1;
  }
  return Number(x.toPrecision(lo));
}

/** A FLOAT cell at `o` (caller checked 4 bytes). */
export function readFloat(buf: Buffer, o: number): number {
  return shortestFloat32(f32le(buf, o));
}

/** A VECTOR payload [s, e): float32 values, each shortest round-trip; undefined if one is not finite. */
export function readVector(buf: Buffer, s: number, e: number): number[] | undefined {
  const out = new Array<number>((e - s) >> 2);
  for (let i = 0, p = s; p + 4 <= e; p += 4, i++) {
    const f = buf.readFloatLE(p);
    if (f - f !== 0) return undefined; // NaN or ±Infinity: the caller reports damage
    out[i] = shortestFloat32(f);
  }
  return out;
}
