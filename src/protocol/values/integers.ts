/**
 * Integer cells: TINY(1), SHORT(2), INT24(3), LONG(4), LONGLONG(8), all
 * little-endian, signed or unsigned by the column's flag; BIT(n) big-endian.
 *
 * SPEC §3: a number when within ±(2^53−1), otherwise a string of its exact
 * digits. 64-bit values are assembled from two 32-bit halves (no bigint) and
 * fall back to bigint only when the result is not a safe integer.
 */
import { i32le, u32le } from './bytes.js';

const TWO_32 = 4294967296;

/** A 64-bit little-endian integer at `o` (caller checked 8 bytes are there). */
export function readInt64(buf: Buffer, o: number, unsigned: boolean): number | string {
  const lo = u32le(buf, o);
  const hi = unsigned ? u32le(buf, o + 4) : i32le(buf, o + 4);
  // hi * 2^32 is exact; the sum is exact whenever the true value is a safe
  // integer, and rounding cannot turn an unsafe value into a safe one.
  const v = hi * TWO_32 + lo;
  if (Number.isSafeInteger(v)) return v;
  return (unsigned ? buf.readBigUInt64LE(o) : buf.readBigInt64LE(o)).toString();
}

/**
 * An unsigned big-endian integer of `len` bytes (1..8), e.g. a BIT(n) cell or
 * a SET bitmask read big-endian. Number when safe, else decimal digits.
 */
export function readUIntBEExact(buf: Buffer, o: number, len: number): number | string {
  if (len <= 6) return len === 0 ? 0 : buf.readUIntBE(o, len);
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[o + i]!;
  if (Number.isSafeInteger(v)) return v;
  let b = 0n;
  for (let i = 0; i < len; i++) b = (b << 8n) | BigInt(buf[o + i]!);
  return b.toString();
}

/** An unsigned little-endian integer of `len` bytes (1..8): SET bitmasks. */
export function readUIntLEExact(buf: Buffer, o: number, len: number): number | string {
  if (len <= 6) return len === 0 ? 0 : buf.readUIntLE(o, len);
  let v = 0;
  for (let i = len - 1; i >= 0; i--) v = v * 256 + buf[o + i]!;
  if (Number.isSafeInteger(v)) return v;
  let b = 0n;
  for (let i = len - 1; i >= 0; i--) b = (b << 8n) | BigInt(buf[o + i]!);
  return b.toString();
}
