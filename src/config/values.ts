/**
 * Parsing of option values: each option type turns its text (from a flag, a
 * BINSNAP_* variable or a config file) into a typed value, or throws a
 * BINSNAP_E_CONFIG_INVALID error naming the field, where it came from and what
 * is accepted. Secrets never appear in these messages.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import { parseGtidSet, type GtidSet } from '../core/gtid.js';
import type { AsOf } from '../core/as-of.js';
import { redactText } from '../core/redact.js';
import type { OptionType } from './options.js';

export interface SourceUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly ssl: { readonly mode: 'disabled' | 'preferred' | 'required' | 'verify-ca' | 'verify-identity'; readonly ca?: string } | undefined;
  /** The URL with its password replaced by ***: the only form that is ever printed. */
  readonly redacted: string;
}

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string; readonly redacted: string };

export type SinkLocation = { readonly kind: 'kafka'; readonly brokers: readonly string[]; readonly topicPrefix: string; readonly params: Readonly<Record<string, string>>; readonly redacted: string };

export type { AsOf };

export interface TableName {
  readonly db: string;
  /** `*` for every table of the database in a table list. */
  readonly table: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type OptionValue =
  | string
  | boolean
  | number
  | SourceUrl
  | StoreLocation
  | SinkLocation
  | BinlogPosition
  | AsOf
  | GtidSet
  | HostPort
  | TableName
  | readonly TableName[]
  | Record<string, unknown>;

/** Where a value came from, for error messages. */
export type ValueOrigin = { readonly kind: 'flag' | 'env' | 'file' | 'default'; readonly name: string };

export function describeOrigin(origin: ValueOrigin): string {
  switch (origin.kind) {
    case 'flag':
      return `flag ${origin.name}`;
    case 'env':
      return `environment variable ${origin.name}`;
    case 'file':
      return `config file key "${origin.name}"`;
    case 'default':
      return `default of ${origin.name}`;
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseOptionValue(type: OptionType, raw: unknown, field: string, origin: ValueOrigin): OptionValue {
  const fail = (why: string): never => {
    throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `${field} (${describeOrigin(origin)}): ${why}`, {
      field,
      source: describeOrigin(origin),
    });
  };
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const t = String(raw).trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(t)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
    return fail(`"${String(raw)}" is not a boolean (true/false)`);
  }
  if (type === 'positive-int') {
    const t = typeof raw === 'number' ? String(raw) : String(raw).trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) return fail(`"${t}" is not a positive integer`);
    return Number(t);
  }
  if (type === 'name-case') {
    const t = typeof raw === 'number' ? String(raw) : String(raw).trim();
    if (t !== '0' && t !== '1' && t !== '2') return fail(`"${t}" is not one of 0, 1, 2`);
    return Number(t);
  }
  if (type === 'json' && typeof raw === 'object' && raw !== null) return raw as Record<string, unknown>;
  if (typeof raw !== 'string') return fail(`expected a string, got ${typeof raw}`);
  const text = raw.trim();
  if (text === '') return fail('is empty');
  try {
    switch (type) {
      case 'string':
        return text;
      case 'source-url':
        return parseSourceUrl(text, fail);
      case 'store':
        return parseStore(text, fail);
      case 'sink-url':
        return parseSink(text, fail);
      case 'position':
        return BinlogPosition.parse(text);
      case 'as-of':
        return parseAsOf(text, fail);
      case 'gtid-set':
        return parseGtidSet(text);
      case 'host-port':
        return parseHostPort(text, fail);
      case 'log-level':
        if (!(LOG_LEVELS as readonly string[]).includes(text)) return fail(`"${text}" is not one of ${LOG_LEVELS.join(', ')}`);
        return text;
      case 'table':
        return parseTable(text, false, fail);
      case 'table-list':
        return text.split(',').map((t) => parseTable(t.trim(), true, fail));
      case 'export-format':
        if (!['jsonl', 'csv', 'parquet'].includes(text)) return fail(`"${text}" is not one of jsonl, csv, parquet`);
        return text;
      case 'global-lock':
        if (!['auto', 'always', 'never'].includes(text)) return fail(`"${text}" is not one of auto, always, never`);
        return text;
      case 'json':
        return parseJsonObject(text, fail);
    }
  } catch (err) {
    if (isBinsnapError(err) && err.code !== 'BINSNAP_E_CONFIG_INVALID') return fail(err.message);
    throw err;
  }
}

function parseSourceUrl(text: string, fail: (why: string) => never): SourceUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(`"${redactText(text)}" is not a URL like mysql://user:password@host:3306`);
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    return fail(`scheme "${u.protocol}" is not mysql: or mariadb:`);
  }
  if (!u.hostname) return fail('has no host');
  const port = u.port ? Number(u.port) : 3306;
  const sslParam = u.searchParams.get('ssl') ?? u.searchParams.get('ssl-mode') ?? u.searchParams.get('sslmode');
  const ca = u.searchParams.get('ssl-ca') ?? undefined;
  let ssl: SourceUrl['ssl'];
  if (sslParam !== null || ca !== undefined) {
    const mode = (sslParam ?? 'verify-ca').toLowerCase().replace('_', '-');
    const modes = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity', 'true', 'false'];
    if (!modes.includes(mode)) return fail(`ssl mode "${sslParam}" is not one of disabled, preferred, required, verify-ca, verify-identity`);
    const norm = mode === 'true' ? 'required' : mode === 'false' ? 'disabled' : mode;
    ssl = ca === undefined ? { mode: norm as NonNullable<SourceUrl['ssl']>['mode'] } : { mode: norm as NonNullable<SourceUrl['ssl']>['mode'], ca };
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ssl,
    redacted: redactText(text),
  };
}

function parseStore(text: string, fail: (why: string) => never): StoreLocation {
  if (/^rediss?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      return fail(`"${redactText(text)}" is not a valid redis:// URL`);
    }
    return { kind: 'redis', url: text, redacted: redactText(text) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return fail(`store URL scheme must be redis:// or rediss:// (or give a file path)`);
  return { kind: 'sqlite', path: text };
}

function parseSink(text: string, fail: (why: string) => never): SinkLocation {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(`"${redactText(text)}" is not a URL like kafka://host:9092?topicPrefix=binsnap`);
  }
  if (u.protocol !== 'kafka:') return fail(`scheme "${u.protocol}" is not kafka:`);
  const brokers = u.host.split(',').filter((b) => b !== '');
  if (brokers.length === 0) return fail('names no broker');
  const params: Record<string, string> = {};
  u.searchParams.forEach((v, k) => {
    params[k] = v;
  });
  return { kind: 'kafka', brokers, topicPrefix: params['topicPrefix'] ?? 'binsnap', params, redacted: redactText(text) };
}

function parseAsOf(text: string, fail: (why: string) => never): AsOf {
  if (text === 'latest') return { kind: 'latest' };
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) return fail(`"${text}" is not a valid ISO-8601 instant`);
    if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) return fail(`instant "${text}" needs a time zone (Z or ±hh:mm)`);
    return { kind: 'instant', at };
  }
  return { kind: 'position', position: BinlogPosition.parse(text) };
}

function parseHostPort(text: string, fail: (why: string) => never): HostPort {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text);
  if (!m) return fail(`"${text}" is not HOST:PORT or PORT`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return fail(`port ${port} is outside 1..65535`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

function parseTable(text: string, allowWildcard: boolean, fail: (why: string) => never): TableName {
  const m = /^`?([^`.]+)`?\.`?([^`.]+)`?$/.exec(text);
  if (!m) return fail(`"${text}" is not database.table`);
  const table = m[2] as string;
  if (table === '*' && !allowWildcard) return fail(`"${text}" names no single table`);
  return { db: m[1] as string, table };
}

function parseJsonObject(text: string, fail: (why: string) => never): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail(`"${text}" is not valid JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`"${text}" is not a JSON object`);
  return v as Record<string, unknown>;
}
