/**
 * Removes secrets from anything that may be printed or logged: the password in
 * a URL's user-info (`mysql://user:secret@host` → `mysql://user:***@host`), URL
 * query parameters named like secrets (`kafka://h:9092?password=x` → `password=***`), and
 * the values of fields whose name says they hold a secret. Pure; used by the
 * logger's formatter, by error messages and by `--json` output of settings.
 */

const SECRET_KEY = /pass(word)?|secret|token|credential|sasl|api[-_]?key/i;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@:\s]*):([^@/\s]*)@/gi;
/** A query parameter whose name says it holds a secret (`?password=…`, `&sasl-password=…`). */
const SECRET_PARAM = /([?&])([^=&\s]*(?:pass(?:word)?|secret|token|credential|api[-_]?key)[^=&\s]*)=([^&\s#]*)/gi;

export const REDACTED = '***';

/** The text with every URL password replaced by `***`. */
export function redactText(text: string): string {
  if (!text.includes('://')) return text;
  return text
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_PARAM, (_m, sep: string, name: string) => `${sep}${name}=${REDACTED}`);
}

/** A deep copy of `value` with secret fields and URL passwords redacted. */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v != null && typeof v !== 'object' ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}
