/**
 * Binlog files on disk as a pull stream of decoded events
 * (`AsyncIterable<DecodedEvent>`): the "files" source of ARCHITECTURE.md.
 *
 * Invariants:
 * - bounded memory: each file is read with positional reads of `chunkSize`
 *   bytes into the streaming decoder; only the current event is buffered
 *   (a 1 GB file is never read whole);
 * - each file is decoded with its own format description (checksum
 *   algorithm included), read first even when starting at `from`;
 * - `from`: files before from's file are skipped; in from's file, after the
 *   format description, reading seeks to from's offset; only events starting
 *   at or after `from` are yielded; an offset that is not where an event
 *   starts is BINSNAP_E_POSITION_INVALID;
 * - `to` is an end position: events that start before `to` are yielded and
 *   reading stops at the first event that starts at or after it — so `--to`
 *   set to a commit position includes the transaction that commits there;
 * - `follow`: at the end of the last file, wait (polling) for more bytes or a
 *   next file instead of ending; without it, the end of the last file ends the
 *   stream, and a file that ends inside an event is BINSNAP_E_BINLOG_TRUNCATED;
 * - the AbortSignal ends the stream (between reads/events), without error.
 *
 * Speed: the events of a read are decoded in small batches (one
 * async-generator step per batch, `readBinlogBatches`); `readBinlogFiles`
 * hands them out one at a time through a plain async iterator, whose `next()`
 * is an already-resolved promise while a batch lasts — an async generator
 * costs several promise jobs per event.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { changesSchema, EventStream } from './event-stream.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { BinlogDecoder } from '../protocol/binlog/binlog-decoder.js';
import type { DecodedEvent } from '../protocol/binlog/events.js';
import type { SchemaLookup } from '../protocol/binlog/table-schema.js';
import { listBinlogDir, sortBinlogFiles } from './file-list.js';

export interface FileSourceOptions {
  /** Binlog files, read in numeric-suffix order. */
  readonly files?: readonly string[];
  /** A directory of binlog files (its `.index` file honoured). */
  readonly binlogDir?: string;
  readonly from?: BinlogPosition;
  readonly to?: BinlogPosition;
  /** Keep waiting for a file still being written, and for the next file. */
  readonly follow?: boolean;
  readonly pollIntervalMs?: number;
  readonly chunkSize?: number;
  readonly skipUnknownEvents?: boolean;
  readonly schema?: SchemaLookup;
  readonly verifyChecksum?: boolean;
  readonly signal?: AbortSignal;
}

/** Reads before the seek to `from` (few events decoded that the caller did not ask for). */
const DEFAULT_CHUNK = 64 * 1024;
/** Reads once positioned: events are decoded in small batches (BATCH), so a large read costs no extra live objects. */
const STREAM_CHUNK = 1024 * 1024;

async function resolveFiles(opts: FileSourceOptions): Promise<string[]> {
  if (opts.files && opts.files.length > 0) return sortBinlogFiles(opts.files);
  if (opts.binlogDir) return listBinlogDir(opts.binlogDir);
  throw new BinsnapError('BINSNAP_E_BINLOG_FILE_NOT_FOUND', 'no binlog files or directory given', {});
}

async function openFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_BINLOG_FILE_NOT_FOUND', `cannot open binlog file ${file}`, { file }, { cause: err });
  }
}

function suffixOf(file: string): number {
  const m = /\.(\d+)$/.exec(path.basename(file));
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * A batch ends at this many events or event bytes, whichever comes first:
 * enough small events to amortise a generator step, yet few decoded rows alive
 * at a time (a batch of large rows events would keep thousands of rows alive,
 * and the garbage collector then copies and promotes them).
 */
const BATCH = 64;
const BATCH_BYTES = 16 * 1024;

/** Reads the given binlog files (or directory) as decoded events. */
export function readBinlogFiles(opts: FileSourceOptions): AsyncGenerator<DecodedEvent, void, undefined> {
  return new EventStream(readBinlogBatches(opts), opts.signal);
}

/**
 * Reads the given binlog files (or directory) as batches of decoded events, in
 * order (never empty): `readBinlogFiles` without the per-event step, for
 * consumers that loop over a batch themselves.
 */
export async function* readBinlogBatches(opts: FileSourceOptions): AsyncGenerator<DecodedEvent[], void, undefined> {
  const signal = opts.signal;
  const poll = opts.pollIntervalMs ?? 500;
  let files = await resolveFiles(opts);
  const from = opts.from;
  const to = opts.to;
  let index = 0;
  if (from) {
    const at = files.findIndex((f) => suffixOf(f) >= from.fileNumber);
    index = at < 0 ? files.length : at;
  }
  while (index < files.length || opts.follow) {
    if (signal?.aborted) return;
    if (index >= files.length) {
      // follow: wait for a next file to appear in the directory.
      if (!(await pause(poll, signal))) return;
      if (opts.binlogDir) files = await listBinlogDir(opts.binlogDir);
      continue;
    }
    const file = files[index]!;
    const number = suffixOf(file);
    if (to && number > to.fileNumber) return;
    const startAt = from && number === from.fileNumber ? from.offset : undefined;
    // One file, inline (not a nested generator: every event would pass through two).
    const handle = await openFile(file);
    try {
      const decoder = new BinlogDecoder({
        fileName: path.basename(file),
        skipUnknownEvents: opts.skipUnknownEvents ?? false,
        verifyChecksum: opts.verifyChecksum ?? true,
        // Read chunks are never reused while an event is held: rows may stay undecoded until read.
        deferRows: true,
        ...(opts.schema ? { schema: opts.schema } : {}),
      });
      const start = startAt === undefined ? 0 : Number(startAt);
      const toOffset = to && number === to.fileNumber ? Number(to.offset) : Infinity;
      let readAt = 0;
      let sought = start <= 4;
      /** No event decoded yet since the seek: a failure now means `from` is not an event start. */
      let afterSeek = false;
      let startChecked = false;
      let spare: Buffer | undefined;
      for (;;) {
        if (signal?.aborted) return;
        const size = opts.chunkSize ?? (sought ? STREAM_CHUNK : DEFAULT_CHUNK);
        const buf = spare !== undefined && spare.length === size ? spare : Buffer.allocUnsafe(size);
        spare = undefined;
        const { bytesRead } = await handle.read(buf, 0, buf.length, readAt);
        if (bytesRead === 0) {
          // Nothing of this buffer is held anywhere: the next read may use it.
          spare = buf;
          if (opts.follow && index + 1 >= files.length) {
            let hasNext = false;
            if (opts.binlogDir) {
              files = await listBinlogDir(opts.binlogDir);
              hasNext = index + 1 < files.length;
            }
            if (!hasNext) {
              if (!(await pause(poll, signal))) return;
              continue;
            }
          }
          try {
            decoder.end();
          } catch (err) {
            throw afterSeek ? notAnEventStart(file, start, err) : err;
          }
          break;
        }
        readAt += bytesRead;
        decoder.append(buf.subarray(0, bytesRead));
        let batch: DecodedEvent[] = [];
        let batchBytes = 0;
        try {
          for (let e = decoder.pull(); e !== undefined; e = decoder.pull()) {
            if (!sought && decoder.format !== undefined && decoder.nextOffset < start && Number(e.pos.offset) < start) {
              // The format description is known: jump to the start position now, so that no event
              // before it is decoded (a row event there would be decoded with the wrong schema).
              break;
            }
            afterSeek = false;
            const off = Number(e.pos.offset);
            if (off >= toOffset) {
              if (batch.length > 0) yield batch;
              return;
            }
            if (off < start) continue;
            if (!startChecked) {
              startChecked = true;
              if (start > 4 && off !== start) {
                throw new BinsnapError('BINSNAP_E_POSITION_INVALID', `${path.basename(file)}:${start} is not the start of an event`, {
                  file: path.basename(file),
                  offset: start,
                });
              }
            }
            batch.push(e);
            batchBytes += e.eventSize;
            if (batch.length === BATCH || batchBytes >= BATCH_BYTES || changesSchema(e)) {
              const full = batch;
              batch = [];
              batchBytes = 0;
              yield full;
              if (signal?.aborted) return;
            }
          }
        } catch (err) {
          // The events decoded before the failure come first.
          if (batch.length > 0) {
            const before = batch;
            batch = [];
            yield before;
          }
          throw afterSeek ? notAnEventStart(file, start, err) : err;
        }
        if (batch.length > 0) {
          yield batch;
          if (signal?.aborted) return;
        }
        if (!sought && decoder.format !== undefined && decoder.nextOffset < start) {
          // The format description is known: jump to the start position.
          decoder.seek(start);
          readAt = start;
          sought = true;
          afterSeek = true;
        } else if (!sought && decoder.format !== undefined) {
          sought = true;
        }
      }
    } finally {
      await handle.close();
    }
    index++;
  }
}

/** A decoding failure on the first event after seeking to `from`: the offset is not where an event starts. */
function notAnEventStart(file: string, offset: number, cause: unknown): unknown {
  if (!isBinsnapError(cause) || !SEEK_FAILURES.has(cause.code)) return cause;
  return new BinsnapError(
    'BINSNAP_E_POSITION_INVALID',
    `${path.basename(file)}:${offset} is not the start of an event (${cause.code}: ${cause.message})`,
    { file: path.basename(file), offset },
    { cause },
  );
}

const SEEK_FAILURES = new Set<string>(['BINSNAP_E_BINLOG_CHECKSUM', 'BINSNAP_E_BINLOG_CORRUPT_EVENT', 'BINSNAP_E_BINLOG_UNKNOWN_EVENT', 'BINSNAP_E_BINLOG_TRUNCATED']);

/** Waits `ms`; false when aborted meanwhile. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
    return true;
  } catch (err) {
    if (signal?.aborted) return false;
    throw err;
  }
}
