/**
 * Big-endian 32-bit reads and writes for the embedded store's page and cell
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
