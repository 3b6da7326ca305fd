/**
 * The one place binsnap retries anything: exponential backoff with jitter
 * (half fixed, half random), a deadline, an AbortSignal, and only for transient errors
 * (BinsnapError.transient). A definite error, an abort or a passed deadline
 * ends the retries and the last error is thrown as it is.
 */
import { isBinsnapError } from '../core/errors.js';

export interface RetryOptions {
  /** First delay before a retry, in ms. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly factor?: number;
  /** Give up when the next attempt would start after this many ms since the first. Infinity = never. */
  readonly deadlineMs?: number;
  /** Give up after this many retries (attempts - 1). */
  readonly maxRetries?: number;
  readonly signal?: AbortSignal;
  /** Which errors may be retried; default: BinsnapErrors marked transient. */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Called before each wait (for a log line such as "reconnecting in 800 ms"). */
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly error: unknown }) => void;
  /** For tests: random in [0, 1) and sleep. */
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export function isTransient(err: unknown): boolean {
  return isBinsnapError(err) && err.transient;
}

/** Runs `fn` until it succeeds, retrying transient failures with backoff. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const initial = opts.initialDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 30_000;
  const factor = opts.factor ?? 2;
  const deadline = opts.deadlineMs ?? Infinity;
  const maxRetries = opts.maxRetries ?? Infinity;
  const retryable = opts.isRetryable ?? isTransient;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? abortableSleep;
  const now = opts.now ?? Date.now;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retryable(err) || attempt > maxRetries || opts.signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, { initialDelayMs: initial, maxDelayMs: max, factor, random });
      if (now() + delayMs - start > deadline) throw err;
      opts.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, opts.signal);
    }
  }
}

/** The wait before retry number `attempt` (1-based): half the ceiling plus a random half ("equal jitter"). */
export function backoffDelay(
  attempt: number,
  opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'random'> = {},
): number {
  const ceiling = Math.min(opts.maxDelayMs ?? 30_000, (opts.initialDelayMs ?? 200) * (opts.factor ?? 2) ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + ((opts.random ?? Math.random)() * ceiling) / 2);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
