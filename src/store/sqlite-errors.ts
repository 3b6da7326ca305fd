/**
 * Turns better-sqlite3 errors into coded BinsnapErrors where the user can act
 * on them (locked, damaged, cannot open); anything else is rethrown as it is,
 * never swallowed.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';

export function storeError(err: unknown, path: string): unknown {
  if (isBinsnapError(err)) return err;
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const message = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BinsnapError('BINSNAP_E_STORE_BUSY', `the store is locked: ${message}`, { file: path }, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the store file is damaged: ${message}`, { file: path }, { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new BinsnapError('BINSNAP_E_STORE_OPEN', `the store cannot be opened for writing: ${message}`, { file: path }, { cause: err });
  }
  return err;
}

/** Runs `fn`, mapping its SQLite errors. */
export function mapped<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeError(err, path);
  }
}

/** Iterates `items`, mapping the SQLite errors its steps throw. */
export function* mappedIterable<T>(path: string, items: Iterable<T>): Generator<T> {
  const it = mapped(path, () => items[Symbol.iterator]());
  for (;;) {
    const next = mapped(path, () => it.next());
    if (next.done === true) return;
    yield next.value;
  }
}
