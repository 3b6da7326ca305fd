/**
 * The one error type binsnap throws for anything a user can meet. Every
 * instance carries a stable code from the registry (error-codes.ts), the object
 * it concerns (file, position, table, field) and what to do about it.
 *
 * Invariants: messages never contain secrets (callers pass redacted URLs);
 * `transient` decides, alone, whether the retry module may try again.
 */
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** What an error concerns; every field optional, printed in this order. */
export interface ErrorContext {
  readonly file?: string;
  readonly offset?: bigint | number;
  readonly position?: string;
  readonly table?: string;
  readonly field?: string;
  readonly statement?: string;
  readonly [key: string]: unknown;
}

export class BinsnapError extends Error {
  override readonly name = 'BinsnapError';
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = context;
  }

  get exitCode(): 1 | 2 | 3 {
    return ERROR_CODES[this.code].exitCode;
  }

  get transient(): boolean {
    return ERROR_CODES[this.code].transient;
  }

  get remedy(): string {
    return ERROR_CODES[this.code].remedy;
  }

  /** The full text shown to a user: code, cause, where, what to do. */
  describe(): string {
    const where = formatContext(this.context);
    return `${this.code}: ${this.message}${where ? ` (${where})` : ''}\n  what to do: ${this.remedy}`;
  }

  toJSON(): Record<string, unknown> {
    const ctx: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.context)) ctx[k] = typeof v === 'bigint' ? v.toString() : v;
    return { code: this.code, message: this.message, context: ctx, remedy: this.remedy, exitCode: this.exitCode };
  }
}

function formatContext(ctx: ErrorContext): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(ctx)) {
    if (v === undefined) continue;
    const text = typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? v.toString() : JSON.stringify(v);
    parts.push(`${k}=${k === 'statement' && text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
  }
  return parts.join(', ');
}

export function isBinsnapError(err: unknown): err is BinsnapError {
  return err instanceof BinsnapError;
}

/** For exhaustive switches over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
