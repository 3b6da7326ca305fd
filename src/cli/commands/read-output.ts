/**
 * Where a read command's text goes: standard output (respecting backpressure,
 * ending quietly when the reader closes the pipe, as `| head` does), or a file
 * written whole or not at all — the text goes to a temporary file in the
 * target's directory, which is fsynced and renamed over the target only when
 * `commit` is called. `discard` (or a failure) removes it, so a failed export
 * never leaves a half-written file under the name the user gave.
 *
 * Text is buffered up to FLUSH_AT characters per write.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BinsnapError } from '../../core/errors.js';

const FLUSH_AT = 64 * 1024;

export interface TextSink {
  /**
   * Queues text. Returns nothing when the text was only buffered; otherwise a promise that
   * resolves once the buffer is handed on (awaiting 'drain' when needed). A caller writing many
   * small texts awaits only the promises: an `await` per row costs more than the row's text.
   */
  write(text: string): Promise<void> | undefined;
  /** True once the reader has gone away (EPIPE): stop producing, it is not an error. */
  readonly closed: boolean;
  /** Flushes and makes the output final (renames the temporary file into place). */
  commit(): Promise<void>;
  /** Drops everything not committed (removes the temporary file). Safe to call twice or after commit. */
  discard(): Promise<void>;
}

/** A sink onto a stream the command does not own (standard output): never ended, only flushed. */
export function streamSink(out: NodeJS.WritableStream, signal: AbortSignal): TextSink {
  let pending = '';
  let closed = false;
  let failure: Error | null = null;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') closed = true;
    else failure = err;
  };
  out.on('error', onError);
  const flush = async (): Promise<void> => {
    if (failure) throw failure;
    if (pending === '' || closed) return;
    const text = pending;
    pending = '';
    if (out.write(text)) return;
    await drained(out, signal);
    if (failure) throw failure;
  };
  const detach = (): void => {
    out.removeListener('error', onError);
  };
  return {
    get closed() {
      return closed;
    },
    write(text) {
      if (closed) return undefined;
      pending += text;
      return pending.length >= FLUSH_AT ? flush() : undefined;
    },
    async commit() {
      try {
        await flush();
      } finally {
        detach();
      }
    },
    async discard() {
      pending = '';
      detach();
    },
  };
}

/**
 * Resolves on 'drain', and also on 'close', 'error' (recorded by the sink's own
 * listener) or an abort: a destroyed pipe never drains. Removes its listeners.
 */
function drained(out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener('drain', done);
      out.removeListener('close', done);
      out.removeListener('error', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) return resolve();
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
    signal.addEventListener('abort', done);
  });
}

/** A sink onto `target` through a temporary file beside it; BINSNAP_E_CONFIG_INVALID when it cannot be written there. */
export async function fileSink(target: string): Promise<TextSink> {
  const dir = path.dirname(path.resolve(target));
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw outError(target, 'is a directory');
  const temp = path.join(dir, `.${path.basename(target)}.binsnap-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle | null;
  try {
    handle = await open(temp, 'wx');
  } catch (err) {
    throw outError(target, `cannot be written: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  let pending = '';
  let done = false;
  const flush = async (): Promise<void> => {
    if (pending === '' || handle === null) return;
    const bytes = Buffer.from(pending, 'utf8');
    pending = '';
    let at = 0;
    while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
  };
  const discard = async (): Promise<void> => {
    if (done) return;
    done = true;
    pending = '';
    const h = handle;
    handle = null;
    await h?.close().catch(() => undefined);
    await rm(temp, { force: true });
  };
  return {
    closed: false,
    write(text) {
      pending += text;
      return pending.length >= FLUSH_AT ? flush() : undefined;
    },
    async commit() {
      if (done || handle === null) return;
      try {
        await flush();
        await handle.sync();
        await handle.close();
        handle = null;
        await rename(temp, target);
        done = true;
      } catch (err) {
        await discard();
        throw outError(target, `cannot be written: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
      }
    },
    discard,
  };
}

function outError(target: string, why: string, cause?: unknown): BinsnapError {
  return new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--out ${target} ${why}`, { field: '--out', file: target }, { cause });
}
