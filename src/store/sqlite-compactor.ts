/**
 * Background compaction for the embedded store (ADR 0015): merges of runs (sqlite-runs.ts) run
 * on a worker thread with a connection of its own, instead of after each commit on the writer's
 * thread. The daemon (`binsnap run`) uses it, so a merge never holds back the next batch and its
 * CPU time is not taken from decoding and applying.
 *
 * The writer reports the tables it wrote after each commit (`touch`); the worker merges them
 * whenever it has a core. A failure of the worker is reported by the writer's next commit or by
 * `close`. Closing drops a merge under way (its inputs stay; a later merge starts over).
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/worker-module.js';
import { BinsnapError } from '../core/errors.js';
import type { RunTuning } from './sqlite-runs.js';

export type CompactorMessage =
  | { readonly type: 'touch'; readonly tables: readonly number[]; readonly seq: number }
  | { readonly type: 'committed' }
  | { readonly type: 'close' };

export type CompactorReply =
  | { readonly type: 'idle'; readonly seq: number }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  | { readonly type: 'closed' };

function startWorker(workerData: unknown): Worker {
  return startModuleWorker(import.meta.url, './sqlite-compactor-worker', workerData);
}

export class BackgroundCompactor {
  private readonly worker: Worker;
  private seq = 0;
  private idleSeq = 0;
  private failure: BinsnapError | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly exited: Promise<void>;
  private closed = false;

  /**
   * `merge: false`: the thread only checkpoints the WAL, after each `committed()` and about every
   * second, so a bulk writer (seed, replay) does not copy its WAL back itself when it closes.
   */
  constructor(
    private readonly path: string,
    tuning: Partial<RunTuning>,
    readonly merge = true,
  ) {
    this.worker = startWorker({ path, tuning, merge });
    // A process that exits without closing the store loses nothing: an unfinished merge is only dropped.
    this.worker.unref();
    this.worker.on('message', (m: CompactorReply) => {
      if (m.type === 'idle') {
        this.idleSeq = m.seq;
        this.wake();
      } else if (m.type === 'error') {
        this.failure ??= new BinsnapError(m.code as BinsnapError['code'], `background compaction of the store failed: ${m.message}`, { file: this.path });
        this.wake();
      }
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => {
        this.closed = true;
        this.wake();
        resolve();
      });
      this.worker.once('error', (err) => {
        this.failure ??= new BinsnapError('BINSNAP_E_INTERNAL', `the store's background compaction thread stopped: ${err.message}`, { file: this.path }, { cause: err });
      });
    });
  }

  /** Reports tables with new runs; throws what the worker failed with, if it did. */
  touch(tables: readonly number[]): void {
    this.check();
    if (tables.length === 0) return;
    this.worker.postMessage({ type: 'touch', tables, seq: ++this.seq } satisfies CompactorMessage);
  }

  /** Reports a commit: the thread checkpoints the WAL as soon as it can (not waiting for its timer). */
  committed(): void {
    this.check();
    this.worker.postMessage({ type: 'committed' } satisfies CompactorMessage);
  }

  /** Throws what the worker failed with, if it did. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves once the worker has nothing left to merge of what was reported so far (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.idleSeq < this.seq && this.failure === undefined && !this.closed) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    this.check();
  }

  /** Stops the worker (a merge under way is dropped) and reports a failure it had. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies CompactorMessage);
      await this.exited;
    }
    this.check();
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
