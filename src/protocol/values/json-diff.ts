/**
 * MySQL partial JSON updates (binlog_row_value_options=PARTIAL_JSON): a
 * PARTIAL_UPDATE_ROWS after-image carries, for a JSON column, a list of diffs
 * instead of the whole document (MySQL sql/json_diff.h, Json_diff_vector):
 *
 *   diff      ::= operation path-length path [value-length value]
 *   operation ::= 0 REPLACE | 1 INSERT | 2 REMOVE      (1 byte)
 *   path      ::= JSON path text, e.g. $.a[2]."b c"     (length-encoded int + bytes)
 *   value     ::= binary JSON document (absent for REMOVE; length-encoded int + bytes)
 *
 * Semantics (MySQL apply_json_diffs): REPLACE sets an existing value (the
 * root included); INSERT adds an object member (replacing a same-named one)
 * or inserts into an array before the index (appending past the end); REMOVE
 * deletes an object member or array element. A path that does not resolve in
 * the before value means the before image and the diffs disagree:
 * BINSNAP_E_BINLOG_CORRUPT_EVENT.
 * Invariant: the before value is never mutated; changed containers are
 * copied along the path only (structural sharing for the rest).
 */
import type { JsonValue } from './column.js';
import { decodeBinaryJson } from './json-binary.js';
import { corruptValue, unknownType } from './value-errors.js';

export const JsonDiffOp = { REPLACE: 0, INSERT: 1, REMOVE: 2 } as const;

/** One step of a path: a member name, an array index, or `last`-relative index. */
export type PathLeg = { readonly key: string } | { readonly index: number; readonly fromLast: boolean };

const COLUMN = 'json diff';

/** Reads a MySQL length-encoded integer at `o` (1, 3, 4 or 9 bytes). */
function readLenEnc(buf: Buffer, o: number, end: number): { value: number; next: number } {
  if (o >= end) throw corruptValue(COLUMN, 'diff list ends inside a length', o);
  const b = buf[o]!;
  if (b < 0xfb) return { value: b, next: o + 1 };
  const n = b === 0xfc ? 2 : b === 0xfd ? 3 : b === 0xfe ? 8 : -1;
  if (n < 0 || o + 1 + n > end) throw corruptValue(COLUMN, 'diff list has a malformed length', o);
  const value = n === 8 ? Number(buf.readBigUInt64LE(o + 1)) : buf.readUIntLE(o + 1, n);
  return { value, next: o + 1 + n };
}

/** Applies the diff list in [offset, end) to `before`; returns the after value. */
export function applyJsonDiffs(before: JsonValue, diffs: Buffer, offset: number, end: number): JsonValue {
  if (end > diffs.length) throw corruptValue(COLUMN, 'diff list runs past the event', offset);
  let doc = before;
  let p = offset;
  while (p < end) {
    const op = diffs[p]!;
    if (op > JsonDiffOp.REMOVE) throw unknownType(COLUMN, op, 'JSON diff operation');
    const pathLen = readLenEnc(diffs, p + 1, end);
    const pathEnd = pathLen.next + pathLen.value;
    if (pathEnd > end) throw corruptValue(COLUMN, 'diff path runs past the list', pathLen.next);
    const path = parseJsonPath(diffs.toString('utf8', pathLen.next, pathEnd));
    p = pathEnd;
    let value: JsonValue = null;
    if (op !== JsonDiffOp.REMOVE) {
      const valueLen = readLenEnc(diffs, p, end);
      const valueEnd = valueLen.next + valueLen.value;
      if (valueEnd > end) throw corruptValue(COLUMN, 'diff value runs past the list', valueLen.next);
      value = decodeBinaryJson(diffs, valueLen.next, valueEnd, COLUMN);
      p = valueEnd;
    }
    doc = applyOne(doc, path, 0, op, value);
  }
  return doc;
}

/**
 * Parses a MySQL JSON path in the form the server writes: `$` then legs
 * `.name`, `."quoted name"` (JSON string escapes), `[N]`, `[last]`, `[last-N]`.
 * Wildcards and ranges never occur in diffs and are rejected.
 */
export function parseJsonPath(text: string): PathLeg[] {
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  skipSpace();
  if (text[i] !== '$') throw badPath(text);
  i++;
  const legs: PathLeg[] = [];
  for (;;) {
    skipSpace();
    if (i >= n) return legs;
    const c = text[i];
    if (c === '.') {
      i++;
      skipSpace();
      if (text[i] === '"') {
        // A JSON string literal: find its closing quote, honouring escapes.
        let j = i + 1;
        while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (j >= n) throw badPath(text);
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i, j + 1));
        } catch (err) {
          throw corruptValue(COLUMN, `JSON path has a bad quoted member: ${text}`, 0, err);
        }
        legs.push({ key: key as string });
        i = j + 1;
      } else {
        const s = i;
        while (i < n && text[i] !== '.' && text[i] !== '[' && text[i] !== ' ') i++;
        if (i === s || text.slice(s, i) === '*') throw badPath(text);
        legs.push({ key: text.slice(s, i) });
      }
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw badPath(text);
      const inner = text.slice(i + 1, close).trim();
      i = close + 1;
      if (/^\d+$/.test(inner)) legs.push({ index: Number(inner), fromLast: false });
      else {
        const m = /^last(?:\s*-\s*(\d+))?$/.exec(inner);
        if (!m) throw badPath(text);
        legs.push({ index: m[1] === undefined ? 0 : Number(m[1]), fromLast: true });
      }
    } else throw badPath(text);
  }
}

function badPath(text: string): never {
  throw corruptValue(COLUMN, `JSON path cannot be parsed: ${text}`, 0);
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function notFound(path: readonly PathLeg[]): never {
  throw corruptValue(COLUMN, `JSON diff path ${formatPath(path)} does not exist in the before value`, 0);
}

export function formatPath(path: readonly PathLeg[]): string {
  let s = '$';
  for (const leg of path) s += 'key' in leg ? `.${JSON.stringify(leg.key)}` : leg.fromLast ? `[last-${leg.index}]` : `[${leg.index}]`;
  return s;
}

function setOwn(obj: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function copyObject(src: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(src)) setOwn(out, k, src[k]!);
  return out;
}

function resolveIndex(leg: { index: number; fromLast: boolean }, length: number): number {
  return leg.fromLast ? length - 1 - leg.index : leg.index;
}

function applyOne(node: JsonValue, path: readonly PathLeg[], i: number, op: number, value: JsonValue): JsonValue {
  if (i === path.length) {
    if (op === JsonDiffOp.REPLACE) return value;
    // INSERT or REMOVE of the root itself is not something MySQL writes.
    return notFound(path);
  }
  const leg = path[i]!;
  const last = i === path.length - 1;
  if ('key' in leg) {
    if (!isObject(node)) return notFound(path);
    const has = Object.prototype.hasOwnProperty.call(node, leg.key);
    const out = copyObject(node);
    if (!last) {
      if (!has) return notFound(path);
      setOwn(out, leg.key, applyOne(node[leg.key]!, path, i + 1, op, value));
    } else if (op === JsonDiffOp.REMOVE) {
      if (!has) return notFound(path);
      delete out[leg.key];
    } else if (op === JsonDiffOp.REPLACE) {
      if (!has) return notFound(path);
      setOwn(out, leg.key, value);
    } else setOwn(out, leg.key, value);
    return out;
  }
  if (!Array.isArray(node)) {
    // MySQL auto-wraps a scalar as a one-element array for index 0 / [last].
    if (last && op === JsonDiffOp.REPLACE && resolveIndex(leg, 1) === 0) return value;
    return notFound(path);
  }
  const idx = resolveIndex(leg, node.length);
  const out = node.slice();
  if (!last) {
    if (idx < 0 || idx >= node.length) return notFound(path);
    out[idx] = applyOne(node[idx]!, path, i + 1, op, value);
  } else if (op === JsonDiffOp.INSERT) {
    out.splice(Math.max(0, Math.min(idx, node.length)), 0, value);
  } else {
    if (idx < 0 || idx >= node.length) return notFound(path);
    if (op === JsonDiffOp.REMOVE) out.splice(idx, 1);
    else out[idx] = value;
  }
  return out;
}
