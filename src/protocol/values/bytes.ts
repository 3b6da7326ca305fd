/**
 * Fixed-width reads for the hot decoders, where the caller has already checked
 * that the bytes exist. Buffer's own readUInt32LE & co. validate their offset
 * argument through a wrapper that V8 does not inline (a call per read, which
 * shows in profiles at millions of cells); these are plain byte arithmetic.
 * Values are identical to Buffer's methods for in-range offsets.
 */

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function i16le(b: Uint8Array, o: number): number {
  return ((b[o]! | (b[o + 1]! << 8)) << 16) >> 16;
}

export function u24le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
}

export function i24le(b: Uint8Array, o: number): number {
  return ((b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) << 8) >> 8;
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

export function i32le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u24be(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

export function u32be(b: Uint8Array, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
/** The typed arrays above use the platform's byte order; binlog values are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function f32le(b: Uint8Array, o: number): number {
  if (LITTLE_ENDIAN) {
    F32_BYTES[0] = b[o]!;
    F32_BYTES[1] = b[o + 1]!;
    F32_BYTES[2] = b[o + 2]!;
    F32_BYTES[3] = b[o + 3]!;
  } else {
    for (let i = 0; i < 4; i++) F32_BYTES[3 - i] = b[o + i]!;
  }
  return F32[0]!;
}

export function f64le(b: Uint8Array, o: number): number {
  if (LITTLE_ENDIAN) {
    F64_BYTES[0] = b[o]!;
    F64_BYTES[1] = b[o + 1]!;
    F64_BYTES[2] = b[o + 2]!;
    F64_BYTES[3] = b[o + 3]!;
    F64_BYTES[4] = b[o + 4]!;
    F64_BYTES[5] = b[o + 5]!;
    F64_BYTES[6] = b[o + 6]!;
    F64_BYTES[7] = b[o + 7]!;
  } else {
    for (let i = 0; i < 8; i++) F64_BYTES[7 - i] = b[o + i]!;
  }
  return F64[0]!;
}
