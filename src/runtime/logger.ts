/**
 * The structured logger (pino), writing JSON lines to standard error so that
 * standard output stays free for command output (dump, export). Fields first,
 * message last; child loggers per component. Secrets never reach the output:
 * fields named like passwords are redacted and every URL password is masked
 * (`mysql://u:***@h`) in messages and fields alike.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import { redactSecrets, redactText } from '../core/redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Defaults to standard error, written synchronously so nothing is lost on exit. */
  readonly destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'binsnap',
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactSecrets(obj),
      },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
      serializers: {
        err: (err: unknown) => serializeError(err),
      },
    },
    opts.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const base = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) out[k] = typeof v === 'string' ? redactText(v) : typeof v === 'bigint' ? v.toString() : v;
  return out;
}
