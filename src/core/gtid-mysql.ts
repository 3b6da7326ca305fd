/**
 * MySQL GTIDs and GTID sets as immutable value types (SPEC §1).
 *
 * Follows the MySQL 8.4 / 9.x Reference Manual, "GTID Format and Storage" and
 * "GTID Sets": a GTID is `source_uuid[:tag]:transaction_id`; a set is a
 * comma-separated list of `uuid(:interval | :tag)+`, where a tag applies to the
 * intervals after it (`uuid:1-3:tag:5-6` is untagged 1-3 plus tagged 5-6).
 * The binary form is the one `Gtid_set::encode` writes into PREVIOUS_GTIDS_LOG
 * events and COM_BINLOG_DUMP_GTID (see `encodeMysqlGtidSet`).
 *
 * Invariants of a `MysqlGtidSet`:
 * - uuids are lowercase and dashed; tags are lowercase `[a-z_][a-z0-9_]{0,31}`;
 *   the untagged part of a uuid is the empty tag `''`.
 * - entries are sorted by uuid, then tag (untagged first), and no entry is empty;
 * - each entry's intervals are inclusive, sorted, disjoint and non-adjacent
 *   (merged), with bounds in 1..2^63-1, all `bigint`.
 * So two equal sets have one representation, and `format()` is canonical.
 */
import { BinsnapError } from './errors.js';

export const MAX_TRANSACTION_ID = (1n << 63n) - 1n;

const UUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_PLAIN = /^[0-9a-f]{32}$/i;
const TAG = /^[a-z_][a-z0-9_]{0,31}$/i;
const DIGITS = /^\d+$/;

/** An inclusive range of transaction ids, `start <= end`. */
export interface GtidInterval {
  readonly start: bigint;
  readonly end: bigint;
}

/** The transactions of one uuid and tag (`tag === ''` for untagged). */
export interface MysqlGtidSetEntry {
  readonly uuid: string;
  readonly tag: string;
  readonly intervals: readonly GtidInterval[];
}

/** One MySQL GTID: `uuid[:tag]:transactionId`. */
export class MysqlGtid {
  private constructor(
    /** Lowercase, dashed source uuid. */
    readonly uuid: string,
    /** Lowercase tag, or undefined for an untagged GTID. */
    readonly tag: string | undefined,
    /** 1..2^63-1. */
    readonly transactionId: bigint,
  ) {}

  static of(uuid: string, transactionId: bigint, tag?: string): MysqlGtid {
    const text = `${uuid}${tag === undefined ? '' : `:${tag}`}:${transactionId}`;
    const u = normaliseUuid(uuid, text);
    const t = tag === undefined || tag === '' ? undefined : normaliseTag(tag, text);
    checkTransactionId(transactionId, text);
    return new MysqlGtid(u, t, transactionId);
  }

  /** Parses `uuid:42` or `uuid:tag:42`, e.g. `3E11FA47-71CA-11E1-9E33-C80AA9429562:23`. */
  static parse(text: string): MysqlGtid {
    const parts = text.split(':').map((p) => p.trim());
    if (parts.length !== 2 && parts.length !== 3) throw invalid(`"${text}" is not uuid[:tag]:number`, text);
    const uuid = normaliseUuid(parts[0] as string, text);
    const tag = parts.length === 3 ? normaliseTag(parts[1] as string, text) : undefined;
    return new MysqlGtid(uuid, tag, parseTransactionId(parts[parts.length - 1] as string, text));
  }

  format(): string {
    return this.tag === undefined ? `${this.uuid}:${this.transactionId}` : `${this.uuid}:${this.tag}:${this.transactionId}`;
  }

  toString(): string {
    return this.format();
  }

  toJSON(): string {
    return this.format();
  }

  equals(other: MysqlGtid): boolean {
    return this.uuid === other.uuid && this.tag === other.tag && this.transactionId === other.transactionId;
  }
}

/** Wraps canonical entries; assigned by MysqlGtidSet's static block (declared first: TDZ). */
let fromCanonical: (list: readonly MysqlGtidSetEntry[]) => MysqlGtidSet;

export class MysqlGtidSet {
  private static readonly EMPTY = new MysqlGtidSet([]);

  private constructor(private readonly list: readonly MysqlGtidSetEntry[]) {}

  static empty(): MysqlGtidSet {
    return MysqlGtidSet.EMPTY;
  }

  /**
   * Parses a set as `@@gtid_executed` prints it: `uuid:1-5:7-9,\nuuid2:3`,
   * with tags (`uuid:1-3:tag:5-6`). Whitespace around tokens is ignored; a
   * uuid may repeat and intervals may overlap (they are merged). An empty or
   * blank string is the empty set.
   */
  static parse(text: string): MysqlGtidSet {
    if (text.trim() === '') return MysqlGtidSet.EMPTY;
    const builder = new Builder();
    for (const element of text.split(',')) {
      const parts = element.split(':').map((p) => p.trim());
      if (parts.length < 2) throw invalid(`"${element.trim()}" in "${text}" has no interval after the uuid`, text);
      const uuid = normaliseUuid(parts[0] as string, text);
      let tag = '';
      let tagHasInterval = true;
      for (const part of parts.slice(1)) {
        if (part !== '' && /^[a-z_]/i.test(part)) {
          if (!tagHasInterval) throw invalid(`tag "${tag}" in "${text}" has no interval`, text);
          tag = normaliseTag(part, text);
          tagHasInterval = false;
        } else {
          builder.add(uuid, tag, parseInterval(part, text));
          tagHasInterval = true;
        }
      }
      if (!tagHasInterval) throw invalid(`tag "${tag}" in "${text}" has no interval`, text);
    }
    return builder.build();
  }

  /** Builds a set from entries (any order; intervals are validated and merged). */
  static fromEntries(entries: Iterable<MysqlGtidSetEntry>): MysqlGtidSet {
    const builder = new Builder();
    for (const e of entries) {
      const where = `${e.uuid}:${e.tag}`;
      const uuid = normaliseUuid(e.uuid, where);
      const tag = e.tag === '' ? '' : normaliseTag(e.tag, where);
      for (const iv of e.intervals) builder.add(uuid, tag, checkInterval(iv.start, iv.end, where));
    }
    return builder.build();
  }

  /** Canonical text: uuids sorted, untagged intervals first, then tags sorted. */
  format(): string {
    const out: string[] = [];
    let current = '';
    let line = '';
    for (const e of this.list) {
      if (e.uuid !== current) {
        if (line !== '') out.push(line);
        current = e.uuid;
        line = e.uuid;
      }
      if (e.tag !== '') line += `:${e.tag}`;
      for (const iv of e.intervals) line += iv.start === iv.end ? `:${iv.start}` : `:${iv.start}-${iv.end}`;
    }
    if (line !== '') out.push(line);
    return out.join(',');
  }

  toString(): string {
    return this.format();
  }

  toJSON(): string {
    return this.format();
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** The set's (uuid, tag) entries in canonical order. */
  get entries(): readonly MysqlGtidSetEntry[] {
    return this.list;
  }

  add(gtid: MysqlGtid): MysqlGtidSet {
    if (this.contains(gtid)) return this;
    const single: MysqlGtidSetEntry = {
      uuid: gtid.uuid,
      tag: gtid.tag ?? '',
      intervals: [{ start: gtid.transactionId, end: gtid.transactionId }],
    };
    return unionLists(this.list, [single]);
  }

  contains(gtid: MysqlGtid): boolean {
    const entry = this.list.find((e) => e.uuid === gtid.uuid && e.tag === (gtid.tag ?? ''));
    if (!entry) return false;
    const ivs = entry.intervals;
    const id = gtid.transactionId;
    let lo = 0;
    let hi = ivs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = ivs[mid] as GtidInterval;
      if (id < iv.start) hi = mid - 1;
      else if (id > iv.end) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: MysqlGtidSet): MysqlGtidSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return unionLists(this.list, other.list);
  }

  /** Every GTID of this set is in `other`. */
  isSubsetOf(other: MysqlGtidSet): boolean {
    for (const e of this.list) {
      const o = other.list.find((x) => x.uuid === e.uuid && x.tag === e.tag);
      if (!o) return false;
      // `o` is merged, so each of our intervals must fit inside a single one of its.
      let j = 0;
      for (const iv of e.intervals) {
        while (j < o.intervals.length && (o.intervals[j] as GtidInterval).end < iv.start) j++;
        const cover = o.intervals[j];
        if (!cover || cover.start > iv.start || cover.end < iv.end) return false;
      }
    }
    return true;
  }

  equals(other: MysqlGtidSet): boolean {
    if (this.list.length !== other.list.length) return false;
    return this.list.every((e, i) => {
      const o = other.list[i] as MysqlGtidSetEntry;
      return (
        e.uuid === o.uuid &&
        e.tag === o.tag &&
        e.intervals.length === o.intervals.length &&
        e.intervals.every((iv, k) => iv.start === o.intervals[k]?.start && iv.end === o.intervals[k]?.end)
      );
    });
  }

  static {
    // Only this module's Builder may wrap a list, and only once it is canonical.
    fromCanonical = (list) => (list.length === 0 ? MysqlGtidSet.EMPTY : new MysqlGtidSet(Object.freeze(list)));
  }
}


/**
 * Binary GTID set, as in PREVIOUS_GTIDS_LOG events and COM_BINLOG_DUMP_GTID
 * (MySQL source `Gtid_set::encode`, all integers little-endian):
 *
 *   header  int64: untagged format: n_sids (top byte 0x00);
 *           tagged format (MySQL 8.3+): byte 0 = 0x01, bytes 1..6 = n_sids,
 *           byte 7 = 0x01
 *   per sid uuid: 16 bytes
 *           tag (tagged format only): length as a mysql::serialization varlen
 *             integer (one byte `len << 1`, since len <= 32), then the bytes;
 *             length 0 for the untagged part of a uuid
 *           n_intervals int64, then n_intervals pairs of int64 [start, end)
 *
 * The end is exclusive in binary form. The tagged format is written only when
 * the set has a tag, so sets without tags stay readable by older servers.
 */
export function encodeMysqlGtidSet(set: MysqlGtidSet): Buffer {
  const tagged = set.entries.some((e) => e.tag !== '');
  let size = 8;
  for (const e of set.entries) size += 16 + (tagged ? 1 + e.tag.length : 0) + 8 + 16 * e.intervals.length;
  const buf = Buffer.alloc(size);
  const n = BigInt(set.entries.length);
  buf.writeBigUInt64LE(tagged ? (1n << 56n) | (n << 8n) | 1n : n, 0);
  let at = 8;
  for (const e of set.entries) {
    at += buf.write(e.uuid.replace(/-/g, ''), at, 'hex');
    if (tagged) {
      buf.writeUInt8(e.tag.length << 1, at++);
      at += buf.write(e.tag, at, 'latin1');
    }
    buf.writeBigUInt64LE(BigInt(e.intervals.length), at);
    at += 8;
    for (const iv of e.intervals) {
      buf.writeBigUInt64LE(iv.start, at);
      // end + 1 may be 2^63, so it is written unsigned.
      buf.writeBigUInt64LE(iv.end + 1n, at + 8);
      at += 16;
    }
  }
  return buf;
}

/**
 * Decodes the binary form (see `encodeMysqlGtidSet`) from `buf[offset, end)`,
 * which must hold exactly one set. Throws BINSNAP_E_BINLOG_CORRUPT_EVENT when a
 * count or length points past `end`, or a value is out of range.
 */
export function decodeMysqlGtidSet(buf: Buffer, offset = 0, end = buf.length): MysqlGtidSet {
  if (offset < 0 || end > buf.length || offset > end) throw corrupt(`GTID set range [${offset}, ${end}) is outside the buffer`, offset);
  let at = offset;
  const need = (n: number): void => {
    if (at + n > end) throw corrupt(`GTID set needs ${n} more bytes at ${at}, ends at ${end}`, at);
  };
  need(8);
  const header = buf.readBigUInt64LE(at);
  const format = Number(header >> 56n);
  if (format !== 0 && format !== 1) throw corrupt(`unknown GTID set format ${format}`, at);
  const tagged = format === 1;
  if (tagged && (header & 0xffn) !== 1n) throw corrupt('tagged GTID set header has a bad format byte', at);
  const nSids = tagged ? (header >> 8n) & 0xffff_ffff_ffffn : header & 0xff_ffff_ffff_ffffn;
  at += 8;
  const minSid = 24 + (tagged ? 1 : 0);
  if (nSids * BigInt(minSid) > BigInt(end - at)) throw corrupt(`GTID set claims ${nSids} uuids, too many for its length`, at);
  const builder = new Builder();
  for (let i = 0n; i < nSids; i++) {
    need(16);
    const hex = buf.toString('hex', at, at + 16);
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    at += 16;
    let tag = '';
    if (tagged) {
      need(1);
      const lenByte = buf.readUInt8(at);
      const len = lenByte >> 1;
      if ((lenByte & 1) !== 0 || len > 32) throw corrupt(`GTID tag length byte 0x${lenByte.toString(16)} is invalid`, at);
      at += 1;
      need(len);
      const raw = buf.toString('latin1', at, at + len);
      if (len > 0 && !TAG.test(raw)) throw corrupt(`GTID tag "${raw}" is invalid`, at);
      tag = raw.toLowerCase();
      at += len;
    }
    need(8);
    const nIntervals = buf.readBigUInt64LE(at);
    at += 8;
    if (nIntervals * 16n > BigInt(end - at)) throw corrupt(`GTID set claims ${nIntervals} intervals, too many for its length`, at);
    for (let k = 0n; k < nIntervals; k++) {
      const start = buf.readBigUInt64LE(at);
      const stop = buf.readBigUInt64LE(at + 8);
      if (start < 1n || stop <= start || stop - 1n > MAX_TRANSACTION_ID) {
        throw corrupt(`GTID interval [${start}, ${stop}) is invalid`, at);
      }
      builder.add(uuid, tag, { start, end: stop - 1n });
      at += 16;
    }
  }
  if (at !== end) throw corrupt(`GTID set ends at ${at} but ${end - at} bytes follow`, at);
  return builder.build();
}

// ── internals ──────────────────────────────────────────────────────────────

/** Collects intervals per (uuid, tag) and produces canonical entries. */
class Builder {
  private readonly byKey = new Map<string, { uuid: string; tag: string; intervals: GtidInterval[] }>();

  add(uuid: string, tag: string, iv: GtidInterval): void {
    const key = `${uuid}:${tag}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { uuid, tag, intervals: [] };
      this.byKey.set(key, e);
    }
    e.intervals.push(iv);
  }

  build(): MysqlGtidSet {
    const list = [...this.byKey.values()]
      .filter((e) => e.intervals.length > 0)
      .sort((a, b) => compareStrings(a.uuid, b.uuid) || compareStrings(a.tag, b.tag))
      .map((e) => Object.freeze({ uuid: e.uuid, tag: e.tag, intervals: mergeIntervals(e.intervals) }));
    return fromCanonical(list);
  }
}

function unionLists(a: readonly MysqlGtidSetEntry[], b: readonly MysqlGtidSetEntry[]): MysqlGtidSet {
  const builder = new Builder();
  for (const e of [...a, ...b]) for (const iv of e.intervals) builder.add(e.uuid, e.tag, iv);
  return builder.build();
}

function mergeIntervals(ivs: readonly GtidInterval[]): readonly GtidInterval[] {
  const sorted = [...ivs].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  const out: GtidInterval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end + 1n) {
      if (iv.end > last.end) out[out.length - 1] = Object.freeze({ start: last.start, end: iv.end });
    } else {
      out.push(Object.freeze({ start: iv.start, end: iv.end }));
    }
  }
  return Object.freeze(out);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normaliseUuid(text: string, whole: string): string {
  const t = text.trim();
  if (UUID_DASHED.test(t)) return t.toLowerCase();
  if (UUID_PLAIN.test(t)) {
    const h = t.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  throw invalid(`"${t}" in "${whole}" is not a uuid`, whole);
}

function normaliseTag(text: string, whole: string): string {
  if (!TAG.test(text)) throw invalid(`"${text}" in "${whole}" is not a GTID tag ([a-z_][a-z0-9_]{0,31})`, whole);
  return text.toLowerCase();
}

function parseTransactionId(text: string, whole: string): bigint {
  if (!DIGITS.test(text)) throw invalid(`"${text}" in "${whole}" is not a transaction number`, whole);
  const n = BigInt(text);
  checkTransactionId(n, whole);
  return n;
}

function checkTransactionId(n: bigint, whole: string): void {
  if (n < 1n || n > MAX_TRANSACTION_ID) throw invalid(`transaction number ${n} in "${whole}" is outside 1..2^63-1`, whole);
}

function parseInterval(text: string, whole: string): GtidInterval {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const n = parseTransactionId(text, whole);
    return { start: n, end: n };
  }
  const start = parseTransactionId(text.slice(0, dash).trim(), whole);
  const end = parseTransactionId(text.slice(dash + 1).trim(), whole);
  return checkInterval(start, end, whole);
}

function checkInterval(start: bigint, end: bigint, whole: string): GtidInterval {
  checkTransactionId(start, whole);
  checkTransactionId(end, whole);
  if (end < start) throw invalid(`interval ${start}-${end} in "${whole}" ends before it starts`, whole);
  return { start, end };
}

function invalid(message: string, text: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_GTID_INVALID', message, { gtid: text });
}

function corrupt(message: string, offset: number): BinsnapError {
  return new BinsnapError('BINSNAP_E_BINLOG_CORRUPT_EVENT', message, { offset });
}
