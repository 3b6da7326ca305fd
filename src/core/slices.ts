/**
 * Buffer → string for the hot decoders: Buffer's own `utf8Slice`,
 * `latin1Slice` and `base64Slice` (what `toString(encoding, s, e)` calls after
 * its argument and encoding checks), with `toString` as the fallback on a
 * runtime without them. Callers pass in-range offsets (s <= e <= length).
 */
type Slice = (start: number, end: number) => string;
interface SlicingBuffer {
  utf8Slice: Slice;
  latin1Slice: Slice;
  base64Slice: Slice;
}

const proto = Buffer.prototype as unknown as Partial<SlicingBuffer>;
const FAST = typeof proto.utf8Slice === 'function' && typeof proto.latin1Slice === 'function' && typeof proto.base64Slice === 'function';

export const utf8Text: (buf: Buffer, s: number, e: number) => string = FAST
  ? (buf, s, e) => (buf as unknown as SlicingBuffer).utf8Slice(s, e)
  : (buf, s, e) => buf.toString('utf8', s, e);

export const latin1Text: (buf: Buffer, s: number, e: number) => string = FAST
  ? (buf, s, e) => (buf as unknown as SlicingBuffer).latin1Slice(s, e)
  : (buf, s, e) => buf.toString('latin1', s, e);

export const base64Text: (buf: Buffer, s: number, e: number) => string = FAST
  ? (buf, s, e) => (buf as unknown as SlicingBuffer).base64Slice(s, e)
  : (buf, s, e) => buf.toString('base64', s, e);
