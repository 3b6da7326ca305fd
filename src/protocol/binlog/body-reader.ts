/**
 * A bounds-checked cursor over one event body, for the non-hot parts of event
 * decoding (headers, status variables, TABLE_MAP). Every read checks against
 * `end` (the body end, before any checksum) and throws
 * BINSNAP_E_BINLOG_CORRUPT_EVENT naming the file and the event's offset, so a
 * damaged length can never read another event's bytes or allocate without
 * bound.
 *
 * Integers are little-endian; "packed" integers are the protocol's
 * length-encoded integers (MySQL internals manual, "Protocol::LengthEncodedInteger").
 */
import { BinsnapError } from '../../core/errors.js';
import { u16le, u24le, u32le } from '../values/bytes.js';
import { utf8Text } from '../../core/slices.js';

/** Where the event being decoded sits; every error names it. */
export interface EventSite {
  readonly file: string;
  readonly offset: number;
}

export function corruptEvent(site: EventSite, what: string, extra: Record<string, unknown> = {}): BinsnapError {
  return new BinsnapError('BINSNAP_E_BINLOG_CORRUPT_EVENT', `malformed event: ${what}`, {
    file: site.file,
    offset: site.offset,
    ...extra,
  });
}

export class BodyReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    readonly site: EventSite,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw corruptEvent(this.site, `${what} needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = u16le(this.buf, this.pos);
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = u24le(this.buf, this.pos);
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = u32le(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  /** An unsigned little-endian integer of 1..6 bytes as a number. */
  uint(n: number, what = 'uint'): number {
    this.need(n, what);
    const p = this.pos;
    const v = n === 4 ? u32le(this.buf, p) : n === 6 ? u32le(this.buf, p) + u16le(this.buf, p + 4) * 4294967296 : this.buf.readUIntLE(p, n);
    this.pos += n;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-encoded integer as a bigint (0xfb, NULL, is refused). */
  packedBig(what = 'packed integer'): bigint {
    const first = this.u8(what);
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfc) return BigInt(this.u16(what));
    if (first === 0xfd) return BigInt(this.u24(what));
    if (first === 0xfe) return this.u64(what);
    throw corruptEvent(this.site, `${what}: invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  /** A length-encoded integer that must fit a safe number (counts, lengths). */
  packed(what = 'packed integer'): number {
    const v = this.packedBig(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corruptEvent(this.site, `${what} ${v} is out of range`);
    return Number(v);
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A copy, for values that outlive the chunk buffer. */
  copy(n: number, what = 'bytes'): Buffer {
    return Buffer.from(this.bytes(n, what));
  }

  str(n: number, what = 'string', encoding: BufferEncoding = 'utf8'): string {
    this.need(n, what);
    const s = encoding === 'utf8' ? utf8Text(this.buf, this.pos, this.pos + n) : this.buf.toString(encoding, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** The rest of the body as a string. */
  rest(encoding: BufferEncoding = 'utf8'): string {
    const s =
      this.pos >= this.end ? '' : encoding === 'utf8' ? utf8Text(this.buf, this.pos, this.end) : this.buf.toString(encoding, this.pos, this.end);
    this.pos = this.end;
    return s;
  }

  /** A zero-terminated string (the terminator is consumed). */
  cstr(what = 'string'): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw corruptEvent(this.site, `${what} is not zero-terminated`);
    const s = utf8Text(this.buf, this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  skip(n: number, what = 'skip'): void {
    this.need(n, what);
    this.pos += n;
  }
}
