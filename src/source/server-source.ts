/**
 * The server source: decoded binlog events read from a live MySQL/MariaDB
 * server through the replication protocol, with the same decoder as the file
 * source, so both yield the same events for the same range.
 *
 * Positions: the stream names its file in an artificial ROTATE at connect and
 * in each real ROTATE; every event then sits at `log_pos - event_size` of that
 * file (when log_pos is 0, as MariaDB ≥ 11.4 writes in large files, the
 * position follows from the previous event). Artificial events and heartbeats
 * are decoded apart so they never move a file position; a heartbeat is yielded
 * (it tells an idle stream where the server is).
 *
 * Reconnects: a transient failure (network, stall, server restart) reconnects
 * with backoff from the last committed transaction boundary — never mid-
 * transaction, so table maps are read again — and events already yielded are
 * skipped by position: the consumer sees no gap and no duplicate. Definite
 * errors (auth, privilege, purged position) end the stream, and so does
 * another replica taking binsnap's server id (see binlog-connection.ts): one
 * instance id for all of this source's connections tells its own lingering
 * dump threads from another replica's.
 *
 * `to` closes the range: events that start before it are yielded, then the
 * stream ends cleanly (the file source's rule).
 */
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import { BinlogDecoder } from '../protocol/binlog/binlog-decoder.js';
import { EventFlag, EventType } from '../protocol/binlog/event-types.js';
import type { DecodedEvent } from '../protocol/binlog/events.js';
import type { SchemaLookup } from '../protocol/binlog/table-schema.js';
import { abortableSleep, backoffDelay, retry, type RetryOptions } from '../runtime/retry.js';
import { newInstanceId, openBinlogConnection, type BinlogConnectionOptions, type StartAt } from './binlog-connection.js';
import { changesSchema, EventStream } from './event-stream.js';

export interface ServerSourceOptions extends Omit<BinlogConnectionOptions, 'start'> {
  readonly start: StartAt;
  /** End of a closed range: stop before the first event that starts at or after it. */
  readonly to?: BinlogPosition;
  readonly schema?: SchemaLookup;
  readonly skipUnknownEvents?: boolean;
  readonly retry?: Omit<RetryOptions, 'signal'>;
  /** Told about each reconnect (for a log line and metrics); `from` is undefined while resuming by GTID. */
  readonly onReconnect?: (info: { readonly from: BinlogPosition | undefined; readonly attempt: number; readonly error: unknown }) => void;
  readonly signal?: AbortSignal;
}

const HEADER = 19;

export function readServerBinlog(opts: ServerSourceOptions): AsyncGenerator<DecodedEvent, void, undefined> {
  return new EventStream(readServerBatches(opts), opts.signal);
}

/**
 * `readServerBinlog` as batches of events (never empty): the events of the
 * packets already received, up to a DDL statement (event-stream.ts).
 */
export async function* readServerBatches(opts: ServerSourceOptions): AsyncGenerator<DecodedEvent[], void, undefined> {
  /** Where to resume: the end of the last committed transaction (or the start). */
  let resume: StartAt = opts.start;
  /** The position just after the last event handed out: events before it are not handed out again. */
  let yieldedUpTo: BinlogPosition | undefined;
  let attempt = 0;
  // A range that ends where it starts (a daemon resumed at its --until) holds nothing.
  if (opts.to && resume.kind === 'position' && !resume.position.isBefore(opts.to)) return;
  const instanceId = opts.instanceId ?? newInstanceId();
  let warned = false;
  const onWarning = (message: string): void => {
    // Once per source: the same cause would repeat at every reconnect.
    if (warned) return;
    warned = true;
    if (opts.onWarning) opts.onWarning(message);
    else process.emitWarning(message, { code: 'BINSNAP_SERVER_ID_CHECK' });
  };
  for (;;) {
    // Events decoded and accounted for (resume, yieldedUpTo) but not yet handed out.
    let out: DecodedEvent[] = [];
    try {
      const conn = await retry(() => openBinlogConnection({ ...opts, start: resume, instanceId, onWarning }, opts.signal), {
        ...opts.retry,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const state = new StreamState(opts, resume.kind === 'position' ? resume.position : undefined, conn.server.checksum);
      for await (const raws of conn.batches()) {
        for (const raw of raws) {
          for (const ev of state.decode(raw)) {
            if (opts.to && !ev.pos.isBefore(opts.to)) {
              // An event at or after `to`, or a heartbeat (the server has sent everything up to its
              // position) at or after it: the range is complete.
              conn.close();
              if (out.length > 0) yield out;
              return;
            }
            const boundary = state.track(ev);
            if (yieldedUpTo && ev.kind !== 'heartbeat' && ev.pos.isBefore(yieldedUpTo)) {
              if (boundary) resume = { kind: 'position', position: boundary };
              continue;
            }
            attempt = 0;
            out.push(ev);
            if (ev.kind !== 'heartbeat') yieldedUpTo = ev.nextPos;
            if (boundary) resume = { kind: 'position', position: boundary };
            if (opts.to && ev.kind !== 'heartbeat' && !ev.inPayload && !ev.nextPos.isBefore(opts.to)) {
              // The next event would start at or after `to`: the range is complete.
              conn.close();
              yield out;
              return;
            }
            if (changesSchema(ev)) {
              // The consumer applies it before anything after it is decoded.
              const o = out;
              out = [];
              yield o;
            }
          }
        }
        if (out.length > 0) {
          const o = out;
          out = [];
          yield o;
        }
      }
      // A non-blocking stream ends at the end of the binlog.
      return;
    } catch (err) {
      // What was decoded before the failure is sound: it goes out first.
      if (out.length > 0) yield out;
      // Asked to stop (while connecting, reconnecting or waiting to): the stream ends, as it
      // does when the signal comes while streaming.
      if (opts.signal?.aborted) return;
      if (!(err instanceof BinsnapError) || !err.transient) throw err;
      attempt++;
      // Before anything committed was seen on a GTID start, the same GTID set is used again.
      opts.onReconnect?.({ from: resume.kind === 'position' ? resume.position : undefined, attempt, error: err });
      try {
        await abortableSleep(backoffDelay(attempt, opts.retry), opts.signal);
      } catch (sleepErr) {
        if (opts.signal?.aborted) return;
        throw sleepErr;
      }
    }
  }
}

/**
 * Per-connection decoding state: the current file's decoder, a second decoder
 * for out-of-band events (artificial rotate, heartbeats), the checksum length,
 * and the transaction boundary tracker. Exported for unit tests.
 */
export class StreamState {
  private decoder: BinlogDecoder | undefined;
  private oob: BinlogDecoder;
  private checksumLength = 0;
  private inTransaction = false;
  /** Events before this position of the first file are not yielded (the file source skips them too). */
  private skipBefore: BinlogPosition | undefined;

  constructor(
    private readonly opts: ServerSourceOptions,
    start: BinlogPosition | undefined,
    serverChecksum: 'CRC32' | 'NONE',
  ) {
    // Until a format description says otherwise, events carry the checksum the server uses.
    this.checksumLength = serverChecksum === 'CRC32' ? 4 : 0;
    this.skipBefore = start && start.offset > 4n ? start : undefined;
    this.oob = this.newDecoder('stream.000000', 0);
  }

  private newDecoder(fileName: string, offset: number): BinlogDecoder {
    return new BinlogDecoder({
      fileName,
      expectMagic: false,
      startOffset: offset,
      // Each packet is a buffer of its own, never reused while an event is held: rows may stay
      // undecoded until read (a replay's or the daemon's large insert transactions, ADR 0021).
      deferRows: true,
      skipUnknownEvents: this.opts.skipUnknownEvents ?? false,
      ...(this.opts.schema ? { schema: this.opts.schema } : {}),
    });
  }

  /** Decodes one raw event (header + body + checksum) into zero or more events (payloads unpack). */
  *decode(raw: Buffer): Generator<DecodedEvent, void, undefined> {
    if (raw.length < HEADER) {
      throw new BinsnapError('BINSNAP_E_BINLOG_CORRUPT_EVENT', `stream event of ${raw.length} bytes is shorter than a header`, {});
    }
    const type = raw[4] as number;
    const size = raw.readUInt32LE(9);
    const logPos = raw.readUInt32LE(13);
    const flags = raw.readUInt16LE(17);
    const artificial = (flags & EventFlag.ARTIFICIAL) !== 0 || (type === EventType.ROTATE && logPos === 0);

    if (type === EventType.ROTATE && artificial) {
      // Names the file the next events come from, and where in it.
      const { file, position } = parseRotate(raw, this.checksumLength);
      this.decoder = this.newDecoder(file, Number(position));
      return;
    }
    if (type === EventType.HEARTBEAT || type === EventType.HEARTBEAT_V2) {
      for (const hb of this.oob.feed(raw)) {
        if (hb.kind !== 'heartbeat') continue;
        // A heartbeat is not in any file: its position is where the server is now.
        const at = BinlogPosition.of(hb.logFile, hb.logPosition ?? BigInt(hb.logPos));
        yield { ...hb, pos: at, nextPos: at };
      }
      return;
    }
    if (!this.decoder) {
      throw new BinsnapError('BINSNAP_E_SOURCE_PROTOCOL', 'the server sent an event before naming its binlog file', {});
    }
    if (type === EventType.FORMAT_DESCRIPTION) {
      // The checksum algorithm of the events that follow; the out-of-band
      // decoder learns it too so heartbeats are checked and parsed right.
      this.oob.seek(0);
      for (const _ of this.oob.feed(raw)) {
        // Only the decoder's state matters here.
      }
      this.checksumLength = this.oob.format?.checksum === 'crc32' ? 4 : 0;
    }
    if (type === EventType.FORMAT_DESCRIPTION && logPos === 0) {
      // Sent at connect when the stream starts mid-file: it is the file's own,
      // from offset 4 (so, like the file source, it is not yielded past a start offset).
      this.decoder.seek(4);
    } else if (logPos !== 0 && (logPos - size) >>> 0 !== this.decoder.nextOffset % 0x1_0000_0000) {
      // The stream jumped (after the format description, to the requested position). log_pos is
      // 32 bits: past 4 GB of a file it is the offset modulo 2^32 (MariaDB ≥ 11.4 writes such
      // files), which still agrees with a position that follows from the previous event.
      this.decoder.seek(logPos - size);
    }
    for (const ev of this.decoder.feed(raw)) {
      if (this.skipBefore) {
        if (ev.pos.fileNumber === this.skipBefore.fileNumber && ev.pos.isBefore(this.skipBefore)) continue;
        this.skipBefore = undefined;
      }
      yield ev;
      if (ev.kind === 'rotate' && !ev.inPayload) {
        // A real rotate ends the file; the next file starts with its format description at 4.
        this.decoder = this.newDecoder(ev.nextFile, Number(ev.nextOffset));
      }
    }
  }

  /** Returns the position to resume from when `ev` ends a committed unit, else undefined. */
  track(ev: DecodedEvent): BinlogPosition | undefined {
    switch (ev.kind) {
      case 'query': {
        const sql = ev.statement.trim().toUpperCase();
        if (sql === 'BEGIN' || sql.startsWith('XA START') || sql.startsWith('XA BEGIN')) {
          this.inTransaction = true;
          return undefined;
        }
        if (sql === 'COMMIT' || sql.startsWith('ROLLBACK') || sql.startsWith('XA COMMIT') || sql.startsWith('XA ROLLBACK')) {
          this.inTransaction = false;
          return ev.nextPos;
        }
        // DDL and other statements outside a transaction commit on their own.
        return this.inTransaction ? undefined : ev.nextPos;
      }
      case 'xid':
      case 'xa_prepare':
        this.inTransaction = false;
        return ev.nextPos;
      case 'format_description':
        return this.inTransaction ? undefined : ev.nextPos;
      default:
        return undefined;
    }
  }
}

function parseRotate(raw: Buffer, checksumLength: number): { file: string; position: bigint } {
  const position = raw.readBigUInt64LE(HEADER);
  const file = raw.toString('utf8', HEADER + 8, raw.length - checksumLength);
  return { file, position };
}
