/**
 * How the embedded store writes a row's values (and a key's columns) inside a
 * version page: not as JSON text but as typed cells after a shape id, the
 * shape being the list of column names, stored once in `value_shapes`. Column
 * names are then not repeated in every version, and no JSON text is built per
 * row (measured: JSON.stringify was the largest single cost of a replay).
 *
 * Cells (layout 5; big-endian; the smallest form that holds the value):
 *   uvarint shapeId, then per column in shape order one of
 *   NULL | FALSE | TRUE | INT8 i8 | INT16 i16 | INT i32 | DOUBLE f64
 *   | STR8 u8 length, utf8 | STRING u32 length, utf8 | JSON u32 length, utf8 | ABSENT
 * (Layouts 3 and 4 had a u32 shape id and only INT, STRING: sqlite-legacy-v4.ts.)
 * Values read back equal what JSON would give: integers and doubles as the
 * same numbers (-0 as 0, NaN and ±Infinity as null, as JSON.stringify does),
 * nested objects and arrays through JSON, a property holding `undefined`
 * left out. The encoding of equal content is equal bytes, which the store
 * uses to tell a version written again from a conflicting one.
 */
import { isUtf8 } from 'node:buffer';
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import { objectMaker, setOwn, type ObjectMaker } from '../core/row-object.js';
import { utf8Text } from '../core/slices.js';
import { i32, putU32, putUvarint, u32, uvarint, uvarintSize } from './sqlite-bytes.js';
import type { JsonValue } from './snapshot-store.js';

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const INT = 3;
const DOUBLE = 4;
const STRING = 5;
const JSON_TEXT = 6;
const ABSENT = 7;
const INT8 = 8;
const INT16 = 9;
const STR8 = 10;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Obj = Readonly<Record<string, JsonValue>>;

interface Utf8Writable {
  utf8Write(text: string, at: number): number;
}
/** Buffer#utf8Write is what Buffer#write(text, at, 'utf8') ends in, minus its argument checks. */
const HAS_UTF8_WRITE = typeof (Buffer.prototype as unknown as Partial<Utf8Writable>).utf8Write === 'function';

/**
 * Writes `text` as utf8 at `at` (room reserved by the caller); returns the bytes written, or -1
 * for text with a lone surrogate, which utf8 cannot carry (the caller writes it as JSON, which can).
 */
function writeText(b: Buffer, text: string, at: number): number {
  const n = text.length;
  if (n <= 16) {
    // Short ASCII text byte by byte: cheaper than a native call (measured: up to ~16 characters;
    // at 40, the loop takes 2.6× the native path).
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      b[at + i] = c;
    }
    if (i === n) return n;
  }
  if (!isWellFormed(text)) return -1;
  return HAS_UTF8_WRITE ? (b as unknown as Utf8Writable).utf8Write(text, at) : b.write(text, at, 'utf8');
}

/** Where cells are written: a buffer the writer may grow (`room` returns the buffer to write to). */
export interface CellSink {
  room(at: number, bytes: number): Buffer;
}

/**
 * Writes the cells of `obj` (shape `shapeId`, whose names are `names`, in that order) at `at`
 * and returns the end. `names` must be exactly the object's own keys in order (ShapeWrites.shapeOf).
 */
export function writeCells(sink: CellSink, at: number, shapeId: number, names: readonly string[], obj: Obj): number {
  let p = putUvarint(sink.room(at, 5), at, shapeId);
  let count = 0;
  // for…in walks the object's own keys in `names` order (its shape) and makes the loads cheap.
  for (const name in obj) {
    count++;
    p = writeCell(sink, p, obj[name]);
  }
  if (count !== names.length) throw new BinsnapError('BINSNAP_E_INTERNAL', 'row values do not match their shape');
  return p;
}

/**
 * One cell of `v` at `at` (writeCells writes one per value; a writer that walks a row's values
 * itself calls it after the shape id); returns the end. `undefined` is ABSENT.
 */
export function writeCell(sink: CellSink, at: number, v: JsonValue | undefined): number {
  let b: Buffer;
  if (typeof v === 'string') {
    b = sink.room(at, 5 + 3 * v.length);
    return writeString(sink, b, at, v);
  }
  if (typeof v === 'number') {
    b = sink.room(at, 9);
    if ((v | 0) === v) return putInt(b, at, v);
    if (!Number.isFinite(v)) {
      b[at] = NULL;
      return at + 1;
    }
    b[at] = DOUBLE;
    f64[0] = v;
    for (let k = 0; k < 8; k++) b[at + 1 + k] = f64Bytes[littleEndian ? 7 - k : k] as number;
    return at + 9;
  }
  b = sink.room(at, 1);
  if (v === null) {
    b[at] = NULL;
    return at + 1;
  }
  if (v === true || v === false) {
    b[at] = v ? TRUE : FALSE;
    return at + 1;
  }
  if (v === undefined) {
    b[at] = ABSENT;
    return at + 1;
  }
  return writeJson(sink, at, v);
}

/**
 * The string cell of the text whose utf8 bytes are `[s, e)` of `src`, copied without making a
 * string of them: the same bytes writeCell writes for that string, since valid utf8 decodes and
 * encodes back to itself. Returns -1, having written nothing that counts, when the bytes are not
 * valid utf8 (the caller writes the decoded string instead, with its replacement characters).
 */
export function putUtf8Cell(sink: CellSink, at: number, src: Buffer, s: number, e: number): number {
  const n = e - s;
  const b = sink.room(at, 5 + n);
  const p = n <= 0xff ? at + 2 : at + 5;
  // Copied while checking for ASCII, which needs no further check (most text).
  let high = 0;
  for (let i = 0; i < n; i++) {
    const c = src[s + i] as number;
    high |= c;
    b[p + i] = c;
  }
  if (high >= 0x80 && !isUtf8(src.subarray(s, e))) return -1;
  if (n <= 0xff) {
    b[at] = STR8;
    b[at + 1] = n;
  } else {
    b[at] = STRING;
    putU32(b, at + 1, n);
  }
  return p + n;
}

/** An integer cell of a 32-bit signed `v` in its smallest form (room for 5 bytes reserved); returns the end. */
export function putInt(b: Buffer, p: number, v: number): number {
  if (v >= -0x80 && v < 0x80) {
    b[p] = INT8;
    b[p + 1] = v & 0xff;
    return p + 2;
  }
  if (v >= -0x8000 && v < 0x8000) {
    b[p] = INT16;
    b[p + 1] = (v >> 8) & 0xff;
    b[p + 2] = v & 0xff;
    return p + 3;
  }
  b[p] = INT;
  putU32(b, p + 1, v | 0);
  return p + 5;
}

/**
 * A string cell (room for 5 + 3 × length bytes reserved in `b`): STR8 when its utf8 fits 255
 * bytes, else STRING; a string utf8 cannot carry (a lone surrogate) as JSON. Returns the end.
 */
function writeString(sink: CellSink, b: Buffer, p: number, v: string): number {
  if (v.length <= 0xff) {
    // Written for a one-byte length; moved up for the u32 one when its utf8 needs more than 255 bytes.
    const n = writeText(b, v, p + 2);
    if (n < 0) return writeJson(sink, p, v);
    if (n <= 0xff) {
      b[p] = STR8;
      b[p + 1] = n;
      return p + 2 + n;
    }
    b.copyWithin(p + 5, p + 2, p + 2 + n);
    b[p] = STRING;
    putU32(b, p + 1, n);
    return p + 5 + n;
  }
  // More than 255 characters: more than 255 utf8 bytes.
  const n = writeText(b, v, p + 5);
  if (n < 0) return writeJson(sink, p, v);
  b[p] = STRING;
  putU32(b, p + 1, n);
  return p + 5 + n;
}

/** A string or JSON cell of `n` utf8 bytes copied from `from` at `start` (for the upgrade from layout 4); returns the end. */
export function putTextCell(sink: CellSink, p: number, json: boolean, from: Uint8Array, start: number, n: number): number {
  const b = sink.room(p, 5 + n);
  if (!json && n <= 0xff) {
    b[p] = STR8;
    b[p + 1] = n;
    b.set(from.subarray(start, start + n), p + 2);
    return p + 2 + n;
  }
  b[p] = json ? JSON_TEXT : STRING;
  putU32(b, p + 1, n);
  b.set(from.subarray(start, start + n), p + 5);
  return p + 5 + n;
}

/** The one-byte cells, by what they hold (for the upgrade from layout 4). */
export const CELL = { NULL, FALSE, TRUE, DOUBLE, ABSENT } as const;

/** A JSON cell: the value's JSON text (always well-formed: JSON.stringify escapes lone surrogates). */
function writeJson(sink: CellSink, p: number, v: JsonValue): number {
  const text = JSON.stringify(v);
  const b = sink.room(p, 5 + 3 * text.length);
  b[p] = JSON_TEXT;
  const n = writeText(b, text, p + 5);
  putU32(b, p + 1, n);
  return p + 5 + n;
}


const makers = new WeakMap<readonly string[], ObjectMaker<JsonValue>>();

/** Reads cells [start, end) back into an object, with the names of their shape. */
export function readCells(b: Buffer, start: number, end: number, names: (shapeId: number) => readonly string[]): Record<string, JsonValue> {
  const id = uvarint(b, start);
  if (Number.isNaN(id)) throw damaged('a shape id that does not end');
  const shape = names(id);
  // The values in shape order, then one object literal per shape (core/row-object.ts); a row with
  // an absent cell is built property by property instead, without that property.
  const values = new Array<JsonValue | undefined>(shape.length);
  let absent = false;
  let p = start + uvarintSize(id);
  for (let i = 0; i < shape.length; i++) {
    if (p >= end) throw damaged('cells end before their shape');
    const tag = b[p] as number;
    switch (tag) {
      case NULL:
        values[i] = null;
        p += 1;
        break;
      case FALSE:
        values[i] = false;
        p += 1;
        break;
      case TRUE:
        values[i] = true;
        p += 1;
        break;
      case INT8:
        values[i] = ((b[p + 1] as number) << 24) >> 24;
        p += 2;
        break;
      case INT16:
        values[i] = ((((b[p + 1] as number) << 8) | (b[p + 2] as number)) << 16) >> 16;
        p += 3;
        break;
      case INT:
        values[i] = i32(b, p + 1);
        p += 5;
        break;
      case STR8: {
        const n = b[p + 1] as number;
        if (p + 2 + n > end) throw damaged('a string cell runs past its entry');
        values[i] = utf8Text(b, p + 2, p + 2 + n);
        p += 2 + n;
        break;
      }
      case DOUBLE:
        for (let k = 0; k < 8; k++) f64Bytes[littleEndian ? 7 - k : k] = b[p + 1 + k] as number;
        values[i] = f64[0] as number;
        p += 9;
        break;
      case STRING: {
        const n = u32(b, p + 1);
        if (p + 5 + n > end) throw damaged('a string cell runs past its entry');
        values[i] = utf8Text(b, p + 5, p + 5 + n);
        p += 5 + n;
        break;
      }
      case JSON_TEXT: {
        const n = u32(b, p + 1);
        if (p + 5 + n > end) throw damaged('a JSON cell runs past its entry');
        values[i] = JSON.parse(utf8Text(b, p + 5, p + 5 + n)) as JsonValue;
        p += 5 + n;
        break;
      }
      case ABSENT:
        absent = true;
        p += 1;
        break;
      default:
        throw damaged(`unknown cell tag ${tag}`);
    }
  }
  if (p !== end) throw damaged('cells longer than their shape');
  if (!absent) {
    let make = makers.get(shape);
    if (make === undefined) {
      make = objectMaker(shape);
      makers.set(shape, make);
    }
    return make(values);
  }
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < shape.length; i++) {
    const v = values[i];
    if (v !== undefined) setOwn(out, shape[i] as string, v);
  }
  return out;
}

/**
 * Shape ids on the writer connection: created on first use inside the unit that uses them, so
 * they roll back with it (`forgetUncommitted` then drops the cached ids).
 */
/** What entry encoding needs of shapes: the id and names of an object's keys (ShapeWrites, or a fixed set of shapes on another thread). */
export interface ShapeSource {
  shapeOf(obj: Obj): { readonly names: readonly string[]; readonly id: number };
}

/**
 * A fixed set of shapes, registered beforehand by the writer (ShapeWrites.idOfNames), for a
 * thread that encodes entries without a connection to the store. An object of any other
 * shape is an internal error.
 */
export class FixedShapes implements ShapeSource {
  constructor(private readonly shapes: readonly { readonly names: readonly string[]; readonly id: number }[]) {}

  shapeOf(obj: Obj): { readonly names: readonly string[]; readonly id: number } {
    for (const s of this.shapes) if (sameKeys(obj, s.names)) return s;
    throw new BinsnapError('BINSNAP_E_INTERNAL', 'row values of a shape that was not registered');
  }
}

export class ShapeWrites implements ShapeSource {
  private readonly ids = new Map<string, number>();
  /** Recently used shapes, checked before building a lookup key. */
  private readonly recent: { names: string[]; id: number }[] = [];
  private readonly insert: Database.Statement<[string]>;
  private readonly select: Database.Statement<[string], number>;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO value_shapes (names) VALUES (?) ON CONFLICT (names) DO NOTHING');
    this.select = db.prepare<[string], number>('SELECT shape_id FROM value_shapes WHERE names = ?').pluck();
  }

  /** The shape of `obj`: its own keys in order, and their id. */
  shapeOf(obj: Obj): { readonly names: readonly string[]; readonly id: number } {
    for (const s of this.recent) if (sameKeys(obj, s.names)) return s;
    const names = Object.keys(obj);
    const text = JSON.stringify(names);
    let id = this.ids.get(text);
    if (id === undefined) {
      this.insert.run(text);
      id = this.select.get(text);
      if (id === undefined) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a value shape was not stored');
      this.ids.set(text, id);
    }
    const entry = { names, id };
    this.recent.unshift(entry);
    if (this.recent.length > 8) this.recent.pop();
    return entry;
  }

  /** The id of the shape with these names in this order (stored when new). */
  idOfNames(names: readonly string[]): number {
    const obj: Record<string, null> = {};
    for (const n of names) setOwn(obj, n, null);
    return this.shapeOf(obj).id;
  }

  forgetUncommitted(): void {
    this.ids.clear();
    this.recent.length = 0;
  }
}

/** Shape names by id for readers (shapes never change once committed). */
export class ShapeReads {
  private readonly cache = new Map<number, readonly string[]>();
  private readonly select: Database.Statement<[number], string>;

  constructor(db: Database.Database) {
    this.select = db.prepare<[number], string>('SELECT names FROM value_shapes WHERE shape_id = ?').pluck();
  }

  /** Drops the cached shapes (after a rolled-back transaction whose shapes were read). */
  forget(): void {
    this.cache.clear();
  }

  readonly names = (id: number): readonly string[] => {
    let names = this.cache.get(id);
    if (names === undefined) {
      const text = this.select.get(id);
      if (text === undefined) throw damaged(`value shape ${id} is missing`);
      names = JSON.parse(text) as string[];
      this.cache.set(id, names);
    }
    return names;
  };
}

/**
 * Whether `text` has no lone surrogate. String#isWellFormed (Node 20) answers at once for a
 * string V8 holds one byte per character (measured: 1 ns against 70 ns for 119 characters).
 */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => !hasLoneSurrogate(text);

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return true;
    const d = text.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
    i++;
  }
  return false;
}

function sameKeys(obj: Obj, names: readonly string[]): boolean {
  let i = 0;
  for (const k in obj) {
    if (names[i] !== k) return false;
    i++;
  }
  return i === names.length;
}

function damaged(why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CORRUPT', `a version page of the store is damaged: ${why}`);
}
