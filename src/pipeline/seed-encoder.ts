/**
 * The seed's encoding thread, seen from the writer's thread (the thread: seed-encoder-worker.ts).
 * A seed into the embedded store reads each batch of rows as raw row packets (readRowPackets),
 * hands them here, and gets them back encoded as store entries (EncodedRows), while its own
 * thread reads the next batch and writes the previous one's pages. Parsing and encoding, most of
 * a seed's CPU time, then run beside the reading and SQLite instead of between them (ADR 0019).
 *
 * Batches are encoded in the order they are sent; a failure of one (a malformed row packet) is
 * that batch's rejection, with the worker's error code.
 */
import type { Worker } from 'node:worker_threads';
import { BinsnapError, type ErrorCode } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import type { ColumnSchema } from '../core/schema.js';
import { startModuleWorker } from '../core/worker-module.js';
import type { ServerFlavor } from '../source/binlog-connection.js';
import type { RowPackets } from '../source/seed-reader.js';
import type { EncodedRows, EncodingIds } from '../store/index.js';

export type EncoderMessage =
  | {
      readonly type: 'table';
      readonly key: number;
      readonly table: string;
      readonly columns: readonly ColumnSchema[];
      readonly flavor: ServerFlavor;
      readonly keyColumns: readonly string[];
      readonly numericKeyColumns: readonly string[];
      /** The column whose last value marks how far a batch read (a unit read in key order), if any. */
      readonly markColumn: string | null;
      readonly tableId: number;
      readonly shapes: EncodingIds['shapes'];
    }
  | {
      readonly type: 'batch';
      readonly seq: number;
      readonly key: number;
      readonly packets: RowPackets;
      readonly fileNumber: number;
      readonly offset: bigint;
    }
  | { readonly type: 'close' };

export type EncoderReply =
  | {
      readonly type: 'encoded';
      readonly seq: number;
      readonly bytes: Uint8Array;
      readonly starts: Int32Array;
      readonly ends: Int32Array;
      readonly last: number | string | null;
    }
  | { readonly type: 'error'; readonly seq: number; readonly code: string; readonly message: string; readonly context: Record<string, string | number> };

/** A table as the encoder knows it (`SeedEncoder.addTable`). */
export interface EncoderTable {
  readonly key: number;
  readonly tableId: number;
}

export interface EncodedBatch {
  /** Row indexes are given when the batch is added to the seed (SeedWriter.addEncoded). */
  readonly rows: Omit<EncodedRows, 'firstIndex'>;
  /** The mark column's value in the batch's last row (null without a mark column). */
  readonly last: number | string | null;
}

export class SeedEncoder {
  private readonly worker: Worker;
  private seq = 0;
  private nextKey = 0;
  private readonly tables = new Map<string, EncoderTable>();
  private readonly waiting = new Map<number, { resolve: (b: EncoderReply) => void; reject: (e: unknown) => void }>();
  private failure: unknown;
  private readonly exited: Promise<void>;

  constructor() {
    this.worker = startModuleWorker(import.meta.url, './seed-encoder-worker', null);
    this.worker.on('message', (m: EncoderReply) => {
      const w = this.waiting.get(m.seq);
      if (w === undefined) return;
      this.waiting.delete(m.seq);
      w.resolve(m);
    });
    this.worker.once('error', (err) => this.failAll(new BinsnapError('BINSNAP_E_INTERNAL', `the seed's encoding thread stopped: ${err.message}`, {}, { cause: err })));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.failAll(new BinsnapError('BINSNAP_E_INTERNAL', "the seed's encoding thread exited"));
        resolve();
      }),
    );
  }

  /** Registers a table's columns and store ids (once per table name); returns its handle for `encode`. */
  addTable(t: Omit<Extract<EncoderMessage, { type: 'table' }>, 'type' | 'key'>): EncoderTable {
    const known = this.tables.get(t.table);
    if (known !== undefined) return known;
    const key = this.nextKey++;
    this.worker.postMessage({ type: 'table', key, ...t } satisfies EncoderMessage);
    const handle = { key, tableId: t.tableId };
    this.tables.set(t.table, handle);
    return handle;
  }

  /** Encodes one batch of row packets (their buffer moves to the thread) as versions at `at`. */
  async encode(t: EncoderTable, packets: RowPackets, at: BinlogPosition): Promise<EncodedBatch> {
    if (this.failure !== undefined) throw this.failure;
    const seq = ++this.seq;
    const reply = new Promise<EncoderReply>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
    // The position crosses to the thread as its two numbers (a class does not survive the copy).
    this.worker.postMessage({ type: 'batch', seq, key: t.key, packets, fileNumber: at.fileNumber, offset: at.offset } satisfies EncoderMessage, [
      packets.bytes.buffer as ArrayBuffer,
    ]);
    const m = await reply;
    if (m.type === 'error') throw new BinsnapError(m.code as ErrorCode, m.message, m.context);
    return { rows: { tableId: t.tableId, bytes: m.bytes, starts: m.starts, ends: m.ends, position: at }, last: m.last };
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' } satisfies EncoderMessage);
    await this.exited;
  }

  private failAll(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
