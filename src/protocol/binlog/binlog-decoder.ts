/**
 * The streaming binlog decoder: Buffer chunks in (any split, down to one byte
 * at a time), complete decoded events out. Pure: no I/O, timers or logging.
 *
 * Invariants:
 * - only the current, incomplete event is buffered (bounded memory); an
 *   event_size beyond `maxEventSize` or below the header length is a coded
 *   error, never an allocation;
 * - the magic `\xfebin` and then a format description (FDE, or START_EVENT_V3
 *   for v1/v3 files) come first; the checksum algorithm is the one the file's
 *   latest FDE declares, and CRC32 is verified on every event (the FDE with its
 *   in-use flag cleared);
 * - positions are file offsets: `pos` is where the event starts, `nextPos`
 *   where the next one starts (pos + event_size; the header's log_pos, which
 *   relay logs and MariaDB ≥ 11.4 large files do not keep equal, is reported
 *   as `logPos`);
 * - every failure is a BinsnapError naming file and offset.
 *
 * Reference: MySQL internals manual "Binary Log" (event structure, v1/v3/v4
 * headers), libbinlogevents/src/binlog_event.cpp.
 */
import { BinsnapError, isBinsnapError } from '../../core/errors.js';
import { BinlogPosition } from '../../core/position.js';
import { type EventSite, corruptEvent } from './body-reader.js';
import { crc32 } from './crc32.js';
import { decodeEventBody, type DecodeState, type TableEntry } from './event-body.js';
import { EventFlag, EventType, eventTypeName } from './event-types.js';
import type { DecodedEvent, EventBody, EventHeader } from './events.js';
import { parseFormatDescription, parseStartV3, V1_HEADER_LENGTH, V4_HEADER_LENGTH, DEFAULT_V4_FORMAT, type FormatDescription } from './format-description.js';
import type { SchemaLookup } from './table-schema.js';
import { parseTransactionPayload } from './transaction-payload.js';

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
/** MySQL's max_allowed_packet ceiling plus headroom for headers. */
export const DEFAULT_MAX_EVENT_SIZE = (1 << 30) + (1 << 16);

export interface DecoderOptions {
  /** The binlog file name (with its numeric suffix) the bytes come from; positions name it. */
  readonly fileName: string;
  /** Yield `{kind: 'unknown'}` for unknown event types instead of failing (the caller logs them). */
  readonly skipUnknownEvents?: boolean;
  /** The schema as of a position, for column names, signedness, charsets and labels. */
  readonly schema?: SchemaLookup;
  /** Verify CRC32 checksums (default true). */
  readonly verifyChecksum?: boolean;
  readonly maxEventSize?: number;
  /** The input starts with the 4-byte magic (default true; false for network streams). */
  readonly expectMagic?: boolean;
  /** File offset of the first byte pushed (default 0). */
  readonly startOffset?: number;
}

export class BinlogDecoder implements DecodeState {
  readonly fileName: string;
  readonly skipUnknownEvents: boolean;
  readonly schema: SchemaLookup | undefined;
  private readonly verify: boolean;
  readonly maxEventSize: number;
  private needMagic: boolean;
  private fmt: FormatDescription | undefined;
  /** The FDE's checksum applies to the following events. */
  private checksumLength = 0;
  /** File offset of the first buffered byte. */
  private offset: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private encrypted = false;
  readonly tables = new Map<number, TableEntry>();

  constructor(opts: DecoderOptions) {
    this.fileName = opts.fileName;
    // Validates the name once (numeric suffix); every position below derives from it.
    BinlogPosition.of(opts.fileName, 0);
    this.skipUnknownEvents = opts.skipUnknownEvents ?? false;
    this.schema = opts.schema;
    this.verify = opts.verifyChecksum ?? true;
    this.maxEventSize = opts.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.needMagic = opts.expectMagic ?? true;
    this.offset = opts.startOffset ?? 0;
    if (!this.needMagic) this.fmt = DEFAULT_V4_FORMAT;
  }

  /** The format description in force (undefined before the first FDE). */
  get format(): FormatDescription | undefined {
    return this.fmt;
  }

  /** File offset where the next event starts. */
  get nextOffset(): number {
    return this.offset;
  }

  /** Bytes held for an incomplete event. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Continue at `offset`: drops buffered bytes; the next byte pushed is the one at
   * `offset`. Used by file sources to seek after the format description. Table
   * maps are kept (a seek should land on a transaction boundary).
   */
  seek(offset: number): void {
    this.chunks = [];
    this.buffered = 0;
    this.offset = offset;
    this.needMagic = false;
  }

  /** Feeds bytes; returns the events completed by them, in order. */
  push(chunk: Buffer): DecodedEvent[] {
    return [...this.feed(chunk)];
  }

  /**
   * Feeds bytes and yields the events they complete, one at a time: a consumer
   * that handles each event before pulling the next keeps few objects alive
   * (much less garbage-collector work than a whole chunk's worth of events).
   * The decoder's state advances as events are pulled; pull them all before
   * feeding the next chunk.
   */
  *feed(chunk: Buffer): Generator<DecodedEvent, void, undefined> {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: DecodedEvent[] = [];
    for (;;) {
      if (this.needMagic) {
        if (this.buffered < 4) return;
        const head = this.take(4);
        if (!head.equals(BINLOG_MAGIC)) {
          throw new BinsnapError('BINSNAP_E_BINLOG_BAD_MAGIC', `not a binlog: starts with ${head.toString('hex')}`, { file: this.fileName, offset: 0 });
        }
        this.needMagic = false;
        continue;
      }
      if (this.buffered < V1_HEADER_LENGTH) return;
      const head = this.peek(V1_HEADER_LENGTH);
      const size = head.readUInt32LE(9);
      this.checkSize(size, head[4]!);
      if (this.buffered < size) return;
      const event = this.take(size);
      const at = this.offset - size;
      this.decodeFramed(event, at, out);
      if (out.length === 1) {
        yield out.pop()!;
      } else {
        for (const e of out) yield e;
        out.length = 0;
      }
    }
  }

  /** Declares the end of input: fails when an event is incomplete. */
  end(): void {
    if (this.needMagic && this.buffered === 0 && this.offset === 0) {
      throw new BinsnapError('BINSNAP_E_BINLOG_BAD_MAGIC', 'the file is empty', { file: this.fileName, offset: 0 });
    }
    if (this.buffered > 0) {
      throw new BinsnapError('BINSNAP_E_BINLOG_TRUNCATED', `the binlog ends ${this.buffered} bytes into an event`, {
        file: this.fileName,
        offset: this.offset,
      });
    }
  }

  private checkSize(size: number, type: number): void {
    const minimum = this.fmt ? this.fmt.headerLength : type === EventType.START_V3 ? V1_HEADER_LENGTH : V4_HEADER_LENGTH;
    if (size < minimum + (this.fmt ? this.checksumLength : 0) || size > this.maxEventSize) {
      throw corruptEvent(this.site(this.offset), `event_size ${size} is impossible (type ${type})`);
    }
  }

  private site(offset: number): EventSite {
    return { file: this.fileName, offset };
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const buf = this.peek(n);
    let out: Buffer;
    if (buf.length === n) {
      out = buf;
      this.chunks.shift();
    } else {
      out = buf.subarray(0, n);
      this.chunks[0] = buf.subarray(n);
    }
    this.buffered -= n;
    this.offset += n;
    return out;
  }

  /** Decodes one complete event read from the file at `at`. */
  private decodeFramed(event: Buffer, at: number, out: DecodedEvent[]): void {
    const site = this.site(at);
    try {
      if (this.encrypted) {
        throw new BinsnapError('BINSNAP_E_BINLOG_ENCRYPTED', 'the rest of this binlog is encrypted', { ...site });
      }
      const type = event[4]!;
      if (this.fmt === undefined) {
        this.readFirstEvent(event, type, at, out);
        return;
      }
      if (type === EventType.FORMAT_DESCRIPTION) {
        this.readFde(event, at, out);
        return;
      }
      const csum = this.checksumLength;
      if (csum > 0 && this.verify) this.checkCrc(event, at, false);
      this.decodeEvent(event, at, at + event.length, csum, false, out);
    } catch (err) {
      throw locate(err, site);
    }
  }

  private readFirstEvent(event: Buffer, type: number, at: number, out: DecodedEvent[]): void {
    const site = this.site(at);
    if (type === EventType.FORMAT_DESCRIPTION) {
      this.readFde(event, at, out);
      return;
    }
    if (type === EventType.START_V3) {
      const headerLength = event.length < V4_HEADER_LENGTH + 56 ? V1_HEADER_LENGTH : V4_HEADER_LENGTH;
      const { format, body } = parseStartV3(event, headerLength, site);
      this.fmt = format;
      this.checksumLength = 0;
      out.push(this.makeEvent(event, at, at + event.length, body, false, format));
      return;
    }
    throw new BinsnapError('BINSNAP_E_BINLOG_NO_FORMAT_DESCRIPTION', `the first event is ${eventTypeName(type)}, not FORMAT_DESCRIPTION`, { ...site });
  }

  private readFde(event: Buffer, at: number, out: DecodedEvent[]): void {
    const site = this.site(at);
    const { format, body, checksumInFde } = parseFormatDescription(event, site);
    if (checksumInFde && this.verify) this.checkCrc(event, at, true);
    this.fmt = format;
    this.checksumLength = format.checksum === 'crc32' ? 4 : 0;
    // A new FDE starts a new format: table ids of the previous one are void.
    this.tables.clear();
    out.push(this.makeEvent(event, at, at + event.length, body, false, format));
  }

  private checkCrc(event: Buffer, at: number, isFde: boolean): void {
    const n = event.length - 4;
    let actual: number;
    if (isFde && event[17]! & EventFlag.BINLOG_IN_USE) {
      const copy = Buffer.from(event.subarray(0, n));
      copy[17] = copy[17]! & ~EventFlag.BINLOG_IN_USE;
      actual = crc32(copy);
    } else {
      actual = crc32(event.subarray(0, n));
    }
    const expected = event.readUInt32LE(n);
    if (actual !== expected) {
      throw new BinsnapError('BINSNAP_E_BINLOG_CHECKSUM', `CRC32 mismatch: stored ${hex(expected)}, computed ${hex(actual)}`, {
        file: this.fileName,
        offset: at,
        type: eventTypeName(event[4]!),
      });
    }
  }

  /**
   * Decodes one event (header at `event[0]`) whose positions are `at`..`next`;
   * `csum` trailing bytes are not body. Payload events expand into their inner events.
   */
  private decodeEvent(event: Buffer, at: number, next: number, csum: number, inPayload: boolean, out: DecodedEvent[]): void {
    const fmt = this.fmt!;
    const site = this.site(at);
    const type = event[4]!;
    const flags = fmt.headerLength >= V4_HEADER_LENGTH ? event.readUInt16LE(17) : 0;
    const bodyStart = fmt.headerLength;
    const bodyEnd = event.length - csum;
    if (bodyEnd < bodyStart) throw corruptEvent(site, 'event shorter than its header');
    if (type === EventType.MARIA_START_ENCRYPTION) {
      this.encrypted = true;
      throw new BinsnapError('BINSNAP_E_BINLOG_ENCRYPTED', 'START_ENCRYPTION: the rest of this binlog is encrypted', { ...site });
    }
    if (type === EventType.TRANSACTION_PAYLOAD && !inPayload) {
      const payload = parseTransactionPayload(event, bodyStart, bodyEnd, site, this.maxEventSize);
      const inner: DecodedEvent[] = [];
      const events = payload.events;
      let p = 0;
      while (p < events.length) {
        if (p + V4_HEADER_LENGTH > events.length) throw corruptEvent(site, 'truncated event header inside the transaction payload');
        const size = events.readUInt32LE(p + 9);
        if (size < V4_HEADER_LENGTH || p + size > events.length) throw corruptEvent(site, `inner event of ${size} bytes does not fit the payload`);
        this.decodeEvent(events.subarray(p, p + size), at, next, 0, true, inner);
        p += size;
      }
      const body: EventBody = {
        kind: 'transaction_payload',
        compression: payload.compression,
        payloadSize: payload.payloadSize,
        uncompressedSize: payload.uncompressedSize,
        eventCount: inner.length,
      };
      out.push(this.makeEvent(event, at, next, body, false, fmt));
      for (const e of inner) out.push(e);
      return;
    }
    const body = decodeEventBody(this, event, bodyStart, bodyEnd, type, flags, fmt, site, () => this.position(at));
    const decoded = this.makeEvent(event, at, next, body, inPayload, fmt);
    if (decoded.kind === 'table_map') {
      const entry = this.tables.get(decoded.tableId);
      if (entry) entry.event = decoded;
    }
    out.push(decoded);
  }

  /** The last position built: an event's nextPos is the next event's pos, built once. */
  private lastPosition: BinlogPosition | undefined;

  private position(offset: number): BinlogPosition {
    const last = this.lastPosition;
    if (last !== undefined && last.offset === BigInt(offset)) return last;
    const p = BinlogPosition.of(this.fileName, offset);
    this.lastPosition = p;
    return p;
  }

  private makeEvent(event: Buffer, at: number, next: number, body: EventBody, inPayload: boolean, fmt: FormatDescription): DecodedEvent {
    const v4 = fmt.headerLength >= V4_HEADER_LENGTH;
    const header: EventHeader = {
      type: eventTypeName(event[4]!),
      typeCode: event[4]!,
      timestamp: event.readUInt32LE(0),
      serverId: event.readUInt32LE(5),
      eventSize: event.length,
      logPos: v4 ? event.readUInt32LE(13) : 0,
      flags: v4 ? event.readUInt16LE(17) : 0,
      pos: this.position(at),
      nextPos: this.position(next),
      inPayload,
    };
    return Object.assign(header, body) as DecodedEvent;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Gives every failure a code and the event's file and offset (value decoders do not know them). */
function locate(err: unknown, site: EventSite): BinsnapError {
  if (isBinsnapError(err)) {
    if (err.context.file !== undefined) return err;
    return new BinsnapError(err.code, err.message, { ...err.context, file: site.file, offset: site.offset }, { cause: err });
  }
  const why = err instanceof Error ? err.message : String(err);
  return new BinsnapError('BINSNAP_E_BINLOG_CORRUPT_EVENT', `malformed event: ${why}`, { file: site.file, offset: site.offset }, { cause: err });
}
