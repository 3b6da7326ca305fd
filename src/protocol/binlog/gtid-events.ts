/**
 * GTID events: MySQL GTID (33) and ANONYMOUS_GTID (34), GTID_TAGGED (42,
 * MySQL ≥ 8.4, written with the mysql::serialization varlen format),
 * PREVIOUS_GTIDS (35, untagged and tagged forms), MariaDB GTID (162) and
 * GTID_LIST (163).
 *
 * Invariants: sequence numbers and timestamps stay bigint; optional trailing
 * fields of newer servers are read only when the body has room for them.
 * Reference: libbinlogevents/src/control_events.cpp (Gtid_event,
 * Previous_gtids_event), mysql serialization library (varlen integers:
 * byte count = trailing ones of the first byte + 1, value in the remaining
 * bits; signed values zig-zag encoded), MariaDB KB "GTID_EVENT", "GTID_LIST_EVENT".
 */
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';
import type { GtidSetEntry, MariaGtidBody, MariaGtidListBody, MysqlGtidBody, PreviousGtidsBody } from './events.js';

export function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** mysql::serialization unsigned varlen integer. */
export function readVarlen(r: BodyReader, what: string): bigint {
  const first = r.u8(what);
  let n = 1;
  while (n < 9 && (first >> (n - 1)) & 1) n++;
  if (n === 1) return BigInt(first >> 1);
  r.pos--;
  const bytes = r.bytes(n, what);
  if (n === 9) return bytes.readBigUInt64LE(1);
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v >> BigInt(n);
}

function readVarlenSigned(r: BodyReader, what: string): bigint {
  const u = readVarlen(r, what);
  return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
}

function varlenNumber(r: BodyReader, what: string): number {
  const v = readVarlen(r, what);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corruptEvent(r.site, `${what} ${v} is out of range`);
  return Number(v);
}

export function parseMysqlGtid(buf: Buffer, start: number, end: number, anonymous: boolean, site: EventSite): MysqlGtidBody {
  const r = new BodyReader(buf, start, end, site);
  const commitFlag = r.u8('gtid flags');
  const sid = formatUuid(r.bytes(16, 'sid'));
  const gno = r.u64('gno');
  const out: { -readonly [K in keyof MysqlGtidBody]: MysqlGtidBody[K] } = { kind: 'gtid', anonymous, tagged: false, commitFlag, sid, gno };
  if (r.remaining >= 17 && buf[r.pos] === 2) {
    r.skip(1);
    out.lastCommitted = r.u64('last committed');
    out.sequenceNumber = r.u64('sequence number');
  }
  if (r.remaining >= 7) {
    let ts = BigInt(r.uint(6, 'commit timestamp')) | (BigInt(r.u8('commit timestamp')) << 48n);
    const hasOriginal = (ts & (1n << 55n)) !== 0n;
    ts &= (1n << 55n) - 1n;
    out.immediateCommitTimestamp = ts;
    if (hasOriginal) {
      out.originalCommitTimestamp = BigInt(r.uint(6, 'original commit timestamp')) | (BigInt(r.u8('original commit timestamp')) << 48n);
    } else {
      out.originalCommitTimestamp = ts;
    }
  }
  if (r.remaining >= 1) out.transactionLength = r.packedBig('transaction length');
  if (r.remaining >= 4) {
    const v = r.u32('server version');
    out.immediateServerVersion = v & 0x7fffffff;
    out.originalServerVersion = v & 0x80000000 ? r.u32('original server version') : v & 0x7fffffff;
  }
  return out;
}

/** GTID_TAGGED_LOG_EVENT: a serialized message of (field id, value) pairs. */
export function parseTaggedGtid(buf: Buffer, start: number, end: number, site: EventSite): MysqlGtidBody {
  const r = new BodyReader(buf, start, end, site);
  readVarlen(r, 'serialization version');
  const size = varlenNumber(r, 'message size');
  if (size > end - start) throw corruptEvent(site, `tagged GTID message of ${size} bytes exceeds the event`);
  r.end = start + size;
  readVarlen(r, 'last non-ignorable field');
  const out: { -readonly [K in keyof MysqlGtidBody]: MysqlGtidBody[K] } = {
    kind: 'gtid',
    anonymous: false,
    tagged: true,
    commitFlag: 0,
    sid: '',
    gno: 0n,
  };
  fields: while (r.pos < r.end) {
    const id = varlenNumber(r, 'field id');
    switch (id) {
      case 0:
        out.commitFlag = varlenNumber(r, 'gtid flags');
        break;
      case 1: {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = varlenNumber(r, 'uuid byte') & 0xff;
        out.sid = formatUuid(b);
        break;
      }
      case 2:
        out.gno = readVarlenSigned(r, 'gno');
        break;
      case 3:
        out.tag = r.str(varlenNumber(r, 'tag length'), 'tag');
        break;
      case 4:
        out.lastCommitted = readVarlenSigned(r, 'last committed');
        break;
      case 5:
        out.sequenceNumber = readVarlenSigned(r, 'sequence number');
        break;
      case 6:
        out.immediateCommitTimestamp = readVarlen(r, 'immediate commit timestamp');
        break;
      case 7:
        out.originalCommitTimestamp = readVarlen(r, 'original commit timestamp');
        break;
      case 8:
        out.transactionLength = readVarlen(r, 'transaction length');
        break;
      case 9:
        out.immediateServerVersion = varlenNumber(r, 'immediate server version');
        break;
      case 10:
        out.originalServerVersion = varlenNumber(r, 'original server version');
        break;
      case 11:
        readVarlen(r, 'commit group ticket');
        break;
      default:
        // A field from a newer server; its type is unknown, and everything known was read.
        break fields;
    }
  }
  if (out.originalCommitTimestamp === undefined && out.immediateCommitTimestamp !== undefined) out.originalCommitTimestamp = out.immediateCommitTimestamp;
  if (out.originalServerVersion === undefined && out.immediateServerVersion !== undefined) out.originalServerVersion = out.immediateServerVersion;
  return out;
}

export function parsePreviousGtids(buf: Buffer, start: number, end: number, site: EventSite): PreviousGtidsBody {
  const r = new BodyReader(buf, start, end, site);
  const head = r.u64('sid count');
  const tagged = head >> 56n === 1n;
  const count = tagged ? (head >> 8n) & ((1n << 48n) - 1n) : head;
  // Each entry is at least 24 bytes: a count beyond that is damage, not a reason to loop.
  if (count > BigInt(r.remaining)) throw corruptEvent(site, `PREVIOUS_GTIDS declares ${count} sids`);
  const sets: GtidSetEntry[] = [];
  for (let i = 0n; i < count; i++) {
    const sid = formatUuid(r.bytes(16, 'sid'));
    const tag = tagged ? r.str(varlenNumber(r, 'tag length'), 'tag') : undefined;
    const n = r.u64('interval count');
    if (n * 16n > BigInt(r.remaining)) throw corruptEvent(site, `PREVIOUS_GTIDS declares ${n} intervals`);
    const intervals: (readonly [bigint, bigint])[] = [];
    for (let k = 0n; k < n; k++) intervals.push([r.u64('interval start'), r.u64('interval end')]);
    sets.push(tag ? { sid, tag, intervals } : { sid, intervals });
  }
  return { kind: 'previous_gtids', sets };
}

const FL_STANDALONE = 1;
const FL_GROUP_COMMIT_ID = 2;
const FL_PREPARED_XA = 64;
const FL_COMPLETED_XA = 128;

export function parseMariaGtid(buf: Buffer, start: number, end: number, site: EventSite): MariaGtidBody {
  const r = new BodyReader(buf, start, end, site);
  const seqNo = r.u64('gtid sequence');
  const domainId = r.u32('gtid domain');
  const gtidFlags = r.u8('gtid flags');
  const out: { -readonly [K in keyof MariaGtidBody]: MariaGtidBody[K] } = {
    kind: 'maria_gtid',
    domainId,
    seqNo,
    gtidFlags,
    standalone: (gtidFlags & FL_STANDALONE) !== 0,
  };
  if (gtidFlags & FL_GROUP_COMMIT_ID) {
    out.commitId = r.u64('commit id');
  } else if (gtidFlags & (FL_PREPARED_XA | FL_COMPLETED_XA)) {
    const formatId = r.u32('xa format id');
    const gl = r.u8('xa gtrid length');
    const bl = r.u8('xa bqual length');
    out.xa = { formatId, gtrid: r.copy(gl, 'xa gtrid'), bqual: r.copy(bl, 'xa bqual') };
  }
  return out;
}

export function parseMariaGtidList(buf: Buffer, start: number, end: number, site: EventSite): MariaGtidListBody {
  const r = new BodyReader(buf, start, end, site);
  const word = r.u32('gtid count');
  const count = word & 0x0fffffff;
  const listFlags = word >>> 28;
  r.need(count * 16, 'gtid list');
  const gtids: { domainId: number; serverId: number; seqNo: bigint }[] = [];
  for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32('domain'), serverId: r.u32('server id'), seqNo: r.u64('sequence') });
  return { kind: 'maria_gtid_list', listFlags, gtids };
}
