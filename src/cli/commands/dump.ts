/**
 * `binsnap dump FILE...|--binlog-dir DIR [--from POS] [--to POS]`: every event
 * of a binlog range as one JSON object per line — `file`, `pos`, `nextPos`,
 * `type`, `typeCode`, `timestamp`, `serverId`, then the decoded fields. Rows
 * events carry `table` (`db.table`) and `rows`: `{after}` / `{before, after}`
 * / `{before}` images keyed by column name with SPEC §3 values; columns a
 * MINIMAL/NOBLOB image leaves out are omitted, NULL is null. bigints print as
 * strings, byte strings as base64. Output respects backpressure.
 */
import { once } from 'node:events';
import { assertNever } from '../../core/errors.js';
import type { BinlogPosition } from '../../core/position.js';
import type { DecodedEvent, RowImage } from '../../protocol/binlog/events.js';
import type { JsonValue } from '../../protocol/values/column.js';
import { readBinlogFiles } from '../../source/file-source.js';

export interface DumpOptions {
  readonly files?: string[];
  readonly binlogDir?: string;
  readonly from?: BinlogPosition;
  readonly to?: BinlogPosition;
  readonly skipUnknownEvents?: boolean;
}

/** Header fields printed first, or not at all (they are in other fields). */
const SKIP = new Set(['type', 'typeCode', 'timestamp', 'serverId', 'pos', 'nextPos', 'kind', 'inPayload', 'columnNames', 'rows', 'raw', 'database', 'table']);

/** bigint → string, Buffer → base64, recursively; everything else as JSON has it. */
export function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}

function imageObject(image: RowImage, names: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v !== undefined) out[names[i] ?? `@${i + 1}`] = v;
  }
  return out;
}

/** The JSON object `dump` prints for one event. */
export function eventToJson(e: DecodedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    file: e.pos.file,
    pos: Number(e.pos.offset),
    nextPos: Number(e.nextPos.offset),
    type: e.type,
    typeCode: e.typeCode,
    timestamp: e.timestamp,
    serverId: e.serverId,
  };
  if (e.inPayload) out.inPayload = true;
  for (const [k, v] of Object.entries(e)) {
    if (SKIP.has(k) || v === undefined) continue;
    out[k] = toPlain(v);
  }
  switch (e.kind) {
    case 'rows':
      out.table = `${e.database}.${e.table}`;
      out.rows = e.rows.map((r) => {
        const row: Record<string, unknown> = {};
        if (r.before) row.before = imageObject(r.before, e.columnNames);
        if (r.after) row.after = imageObject(r.after, e.columnNames);
        if ('jsonDiffs' in r && r.jsonDiffs) row.jsonDiffs = toPlain(r.jsonDiffs.map((d) => ({ column: e.columnNames[d.column], diffs: d.diffs })));
        return row;
      });
      break;
    case 'table_map':
      out.table = `${e.database}.${e.table}`;
      break;
    case 'query':
      out.database = e.database;
      break;
    case 'format_description':
    case 'start_v3':
    case 'rotate':
    case 'stop':
    case 'xid':
    case 'intvar':
    case 'rand':
    case 'user_var':
    case 'gtid':
    case 'previous_gtids':
    case 'maria_gtid':
    case 'maria_gtid_list':
    case 'binlog_checkpoint':
    case 'annotate_rows':
    case 'rows_query':
    case 'transaction_payload':
    case 'heartbeat':
    case 'incident':
    case 'xa_prepare':
    case 'load':
    case 'opaque':
    case 'unknown':
      break;
    default:
      assertNever(e, 'event kind');
  }
  return out;
}

const FLUSH_AT = 64 * 1024;

export async function runDump(opts: DumpOptions, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const ok = out.write(pending);
    pending = '';
    if (!ok && !signal.aborted) await once(out, 'drain', { signal });
  };
  const events = readBinlogFiles({
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.binlogDir ? { binlogDir: opts.binlogDir } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    skipUnknownEvents: opts.skipUnknownEvents ?? false,
    signal,
  });
  try {
    for await (const e of events) {
      pending += `${JSON.stringify(eventToJson(e))}\n`;
      if (pending.length >= FLUSH_AT) await flush();
    }
  } finally {
    // Whatever was decoded before a failure is still printed: it is what a user debugging needs.
    await flush();
  }
}
