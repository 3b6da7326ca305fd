/**
 * MariaDB GTIDs and GTID positions as immutable value types (SPEC §1).
 *
 * Follows the MariaDB Knowledge Base, "Global Transaction ID": a GTID is
 * `domain-server_id-sequence` (`0-1-100`); domain and server id are unsigned
 * 32-bit, the sequence number unsigned 64-bit. A GTID *position*
 * (`@@gtid_binlog_pos`, `@@gtid_slave_pos`, `@@gtid_current_pos`) holds the last
 * GTID applied in each replication domain, comma-separated: `0-1-100,1-2-5`.
 *
 * Invariants of a `MariadbGtidPos`: at most one GTID per domain; entries
 * sorted by domain; `seq` is a bigint. `@@gtid_binlog_state`, which may list
 * several server ids for one domain, is not a position and is refused by
 * `parse` with a message saying which variable to use.
 */
import { BinsnapError } from './errors.js';

const MAX_UINT32 = 0xffff_ffff;
const MAX_UINT64 = (1n << 64n) - 1n;
const DIGITS = /^\d+$/;

/** One MariaDB GTID: `domain-serverId-seq`. */
export class MariadbGtid {
  private constructor(
    /** Replication domain id, uint32. */
    readonly domain: number,
    /** Server id of the originating server, uint32. */
    readonly serverId: number,
    /** Sequence number within the domain, uint64. */
    readonly seq: bigint,
  ) {}

  static of(domain: number, serverId: number, seq: bigint): MariadbGtid {
    const text = `${domain}-${serverId}-${seq}`;
    if (!isUint32(domain)) throw invalid(`domain ${domain} in "${text}" is outside 0..2^32-1`, text);
    if (!isUint32(serverId)) throw invalid(`server id ${serverId} in "${text}" is outside 0..2^32-1`, text);
    if (seq < 0n || seq > MAX_UINT64) throw invalid(`sequence number ${seq} in "${text}" is outside 0..2^64-1`, text);
    return new MariadbGtid(domain, serverId, seq);
  }

  /** Parses `0-1-100`; surrounding whitespace is ignored. */
  static parse(text: string): MariadbGtid {
    const parts = text.trim().split('-');
    if (parts.length !== 3 || !parts.every((p) => DIGITS.test(p))) {
      throw invalid(`"${text.trim()}" is not a MariaDB GTID (domain-server_id-sequence, e.g. 0-1-100)`, text);
    }
    const [d, s, n] = parts as [string, string, string];
    return MariadbGtid.of(toUint32(d, 'domain', text), toUint32(s, 'server id', text), BigInt(n));
  }

  format(): string {
    return `${this.domain}-${this.serverId}-${this.seq}`;
  }

  toString(): string {
    return this.format();
  }

  toJSON(): string {
    return this.format();
  }

  equals(other: MariadbGtid): boolean {
    return this.domain === other.domain && this.serverId === other.serverId && this.seq === other.seq;
  }
}

export class MariadbGtidPos {
  private static readonly EMPTY = new MariadbGtidPos([]);

  private constructor(private readonly list: readonly MariadbGtid[]) {}

  static empty(): MariadbGtidPos {
    return MariadbGtidPos.EMPTY;
  }

  /**
   * Parses `0-1-100,1-2-5` (any order, whitespace and newlines around entries
   * ignored; empty = empty position). A domain listed twice is an error.
   */
  static parse(text: string): MariadbGtidPos {
    if (text.trim() === '') return MariadbGtidPos.EMPTY;
    const byDomain = new Map<number, MariadbGtid>();
    for (const part of text.split(',')) {
      const gtid = MariadbGtid.parse(part);
      const seen = byDomain.get(gtid.domain);
      if (seen) {
        throw invalid(
          `domain ${gtid.domain} appears twice in "${text}" (${seen.format()} and ${gtid.format()}); ` +
            'a GTID position has one GTID per domain: use @@gtid_binlog_pos or @@gtid_current_pos, not @@gtid_binlog_state',
          text,
        );
      }
      byDomain.set(gtid.domain, gtid);
    }
    return MariadbGtidPos.sorted([...byDomain.values()]);
  }

  /** A position from GTIDs of distinct domains (e.g. a GTID_LIST event's list). */
  static of(gtids: Iterable<MariadbGtid>): MariadbGtidPos {
    const list = [...gtids];
    const domains = new Set(list.map((g) => g.domain));
    if (domains.size !== list.length) {
      const text = list.map((g) => g.format()).join(',');
      throw invalid(`a domain appears twice in "${text}"; a GTID position has one GTID per domain`, text);
    }
    return MariadbGtidPos.sorted(list);
  }

  private static sorted(list: MariadbGtid[]): MariadbGtidPos {
    if (list.length === 0) return MariadbGtidPos.EMPTY;
    return new MariadbGtidPos(Object.freeze(list.sort((a, b) => a.domain - b.domain)));
  }

  /** Canonical text: entries sorted by domain, comma-separated. */
  format(): string {
    return this.list.map((g) => g.format()).join(',');
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

  /** The GTIDs, one per domain, sorted by domain. */
  get gtids(): readonly MariadbGtid[] {
    return this.list;
  }

  /** The last GTID applied in `domain`, if any. */
  get(domain: number): MariadbGtid | undefined {
    return this.list.find((g) => g.domain === domain);
  }

  /**
   * The position after applying `gtid`: its domain's entry is replaced. This
   * is what the server does, even when the new sequence number is lower
   * (it happens after a failover with gtid_strict_mode off).
   */
  advance(gtid: MariadbGtid): MariadbGtidPos {
    const current = this.get(gtid.domain);
    if (current?.equals(gtid)) return this;
    return MariadbGtidPos.sorted([...this.list.filter((g) => g.domain !== gtid.domain), gtid]);
  }

  /** `gtid` is at or before this position: same domain, sequence number ≤ ours. */
  contains(gtid: MariadbGtid): boolean {
    const current = this.get(gtid.domain);
    return current !== undefined && gtid.seq <= current.seq;
  }

  equals(other: MariadbGtidPos): boolean {
    return this.list.length === other.list.length && this.list.every((g, i) => g.equals(other.list[i] as MariadbGtid));
  }
}

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_UINT32;
}

function toUint32(digits: string, what: string, text: string): number {
  // Compare as bigint first: a long digit string would lose precision as a number.
  if (BigInt(digits) > BigInt(MAX_UINT32)) throw invalid(`${what} ${digits} in "${text.trim()}" is outside 0..2^32-1`, text);
  return Number(digits);
}

function invalid(message: string, text: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_GTID_INVALID', message, { gtid: text });
}
