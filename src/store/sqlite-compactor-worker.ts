/**
 * The background compactor's thread (sqlite-compactor.ts starts it): its own connection to the
 * store file, merging the runs of the tables the writer reports after each commit, and
 * checkpointing the WAL.
 *
 * Input pages are read and merged outside any write transaction (runs are immutable and the
 * inputs of a merge are claimed first), so the writer's commits wait at most for one short
 * transaction of page inserts. The writer's own transactions can hold the write lock for long
 * (a streamed transaction of millions of rows): a busy store is retried, never an error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isBinsnapError } from '../core/errors.js';
import { storeError } from './sqlite-errors.js';
import { DEFAULT_TUNING, RunWrites, type RunTuning } from './sqlite-runs.js';
import type { CompactorMessage, CompactorReply } from './sqlite-compactor.js';

interface Setup {
  readonly path: string;
  readonly tuning: Partial<RunTuning>;
  /** false: this thread only checkpoints the WAL (the writer merges its runs itself). */
  readonly merge: boolean;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-compactor-worker runs as a worker thread');
const setup = workerData as Setup;
const reply = (m: CompactorReply): void => port.postMessage(m);

const db = new Database(setup.path);
db.pragma('busy_timeout = 1000');
db.pragma('cache_size = -32768');
const tuning = { ...DEFAULT_TUNING, ...setup.tuning };
const runs = new RunWrites(db, tuning);
const write = <T>(fn: () => T): T => db.transaction(fn).immediate();

/**
 * The writer leaves WAL checkpoints to this thread (it opens with wal_autocheckpoint = 0): copying
 * the WAL back into the database file, about every second, costs the writer's thread nothing.
 * PASSIVE never waits for the writer or for readers; what it cannot copy now is copied next time.
 */
const CHECKPOINT_EVERY_MS = 1000;
const checkpointTimer = setInterval(checkpoint, CHECKPOINT_EVERY_MS);
let checkpointSoon = false;

function checkpoint(): void {
  checkpointSoon = false;
  if (closing || failed) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (!isBusy(err)) fail(err);
  }
}

const tables = new Set<number>();
/** The highest touch sequence number received; reported with `idle`. */
let seq = 0;
let scheduled = false;
let closing = false;
let failed = false;

function schedule(delayMs = 0): void {
  if (scheduled || failed) return;
  scheduled = true;
  if (delayMs > 0) setTimeout(work, delayMs);
  else setImmediate(work);
}

/** SQLITE_BUSY / SQLITE_LOCKED, as storeError classifies them. */
function isBusy(err: unknown): boolean {
  const e = storeError(err, setup.path);
  return isBinsnapError(e) && e.code === 'BINSNAP_E_STORE_BUSY';
}

function errorReply(err: unknown): CompactorReply {
  const e = storeError(err, setup.path);
  return { type: 'error', code: isBinsnapError(e) ? e.code : 'BINSNAP_E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** One unit of work per turn of the event loop, so `close` is seen between units. */
function work(): void {
  scheduled = false;
  if (closing) return;
  try {
    if (runs.backgroundUnit(tables, tuning.stepVersions, write)) {
      schedule();
      return;
    }
    reply({ type: 'idle', seq });
  } catch (err) {
    // The writer holds the lock (a long transaction): try again a little later.
    if (isBusy(err)) {
      schedule(50);
      return;
    }
    fail(err);
  }
}

function fail(err: unknown): void {
  failed = true;
  reply(errorReply(err));
}

function close(): void {
  closing = true;
  clearInterval(checkpointTimer);
  let error: CompactorReply | undefined;
  // What a merge under way wrote is dropped; its inputs stay, and a later merge starts over.
  // (A checkpoint-only thread never merges.)
  if (setup.merge) {
    for (let attempt = 0; ; attempt++) {
      try {
        runs.dropBackgroundMerge(write);
        break;
      } catch (err) {
        if (isBusy(err) && attempt < 20) continue;
        // Left as it is, the merge is dropped by the next writer that starts one (sqlite-runs.ts).
        error = errorReply(err);
        break;
      }
    }
  }
  db.close();
  if (error !== undefined) reply(error);
  reply({ type: 'closed' });
  port?.close();
}

port.on('message', (m: CompactorMessage) => {
  if (m.type === 'touch') {
    for (const t of m.tables) tables.add(t);
    seq = m.seq;
    schedule();
  } else if (m.type === 'committed') {
    // A bulk writer's commit (tens of MB of WAL): copy it back while the writer goes on.
    if (!checkpointSoon) {
      checkpointSoon = true;
      setImmediate(checkpoint);
    }
  } else if (m.type === 'close') {
    close();
  }
});
