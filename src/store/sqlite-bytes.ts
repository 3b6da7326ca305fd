/**
 * Big-endian 32-bit reads and writes, and unsigned varints, for the embedded store's page and cell
 * formats (sqlite-pages.ts, sqlite-cells.ts): plain byte arithmetic, as
 * Buffer's own methods validate their offset through a call V8 does not
 * inline. The caller has checked the bytes exist.
 */

export function u32(b: Uint8Array, at: number): number {
  return ((b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number))) >>> 0;
}

/** Signed. */
export function i32(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number);
}

/** Writes the low 32 bits of `v` (signed or unsigned). */
export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/**
 * Unsigned LEB128 (7 bits a byte, low bits first, high bit = more), for lengths and ids below 2^32
 * in the page format of layout 5. Always the shortest form, so `uvarintSize(uvarint(b, at))` is the
 * number of bytes read.
 */
export function uvarint(b: Uint8Array, at: number): number {
  const x = b[at] as number;
  if (x < 0x80) return x;
  let v = x & 0x7f;
  let scale = 0x80;
  for (let i = at + 1; i < at + 5; i++) {
    const y = b[i] as number;
    v += (y & 0x7f) * scale;
    if (y < 0x80) return v;
    scale *= 0x80;
  }
  return Number.NaN;
}

export function uvarintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

/** Writes `v` (0 ≤ v < 2^32) at `at`; returns the byte after it. */
export function putUvarint(b: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    b[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  b[at++] = v;
  return at;
}
