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

const MIN_NORMAL = 1.1754943508222875e-38; // 2^-126

/** The number whose shortest text round-trips the float32 `x`. */
export function shortestFloat32(x: number): number {
  // Integers below 2^24 are exactly representable and nothing shorter maps to them.
  if (Number.isInteger(x) && x < 16777216 && x > -16777216) return x;
  if (x !== x || x === Infinity || x === -Infinity) return x; // cannot occur in MySQL
  if (x < MIN_NORMAL && x > -MIN_NORMAL) return shortestBySearch(x);
  let y = Number(x.toPrecision(6));
  if (Math.fround(y) === x) return y;
  y = Number(x.toPrecision(7));
  if (Math.fround(y) === x) return y;
  y = Number(x.toPrecision(8));
  if (Math.fround(y) === x) return y;
  return Number(x.toPrecision(9));
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
  return shortestFloat32(buf.readFloatLE(o));
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
