/**
 * The GTID set a checkpoint records (SPEC §1): the set the source had
 * executed before the range (the store's checkpoint, then each file's
 * PREVIOUS_GTIDS / GTID_LIST) plus every committed transaction's GTID.
 *
 * Committed GTIDs arrive as values (never re-parsed from text) and are collected cheaply (contiguous MySQL transaction ids
 * extend one interval; MariaDB keeps the last GTID per domain) and folded
 * into an immutable GtidSet only when a checkpoint is written.
 */
import { MariadbGtidPos, MysqlGtid, MysqlGtidSet, type GtidSet, type MariadbGtid, type MysqlGtidSetEntry } from '../core/gtid.js';

export class GtidTracker {
  private set: GtidSet | undefined;
  private readonly mysqlRuns = new Map<string, { uuid: string; tag: string; intervals: { start: bigint; end: bigint }[] }>();
  private readonly mariaLast = new Map<number, MariadbGtid>();

  constructor(initial: GtidSet | undefined) {
    this.set = initial;
  }

  /** A file's PREVIOUS_GTIDS / GTID_LIST: what the server had executed before it. */
  base(gtids: GtidSet): void {
    this.fold();
    const cur = this.set;
    if (cur === undefined || cur.flavor !== gtids.flavor) {
      this.set = gtids;
    } else if (cur.flavor === 'mysql' && gtids.flavor === 'mysql') {
      this.set = { flavor: 'mysql', set: cur.set.union(gtids.set) };
    } else if (cur.flavor === 'mariadb' && gtids.flavor === 'mariadb') {
      let pos = cur.pos;
      for (const g of gtids.pos.gtids) if (!pos.contains(g)) pos = pos.advance(g);
      this.set = { flavor: 'mariadb', pos };
    }
  }

  /** A committed transaction's GTID. */
  committed(g: MysqlGtid | MariadbGtid): void {
    if (g instanceof MysqlGtid) {
      const k = `${g.uuid}:${g.tag ?? ''}`;
      let run = this.mysqlRuns.get(k);
      if (!run) {
        run = { uuid: g.uuid, tag: g.tag ?? '', intervals: [] };
        this.mysqlRuns.set(k, run);
      }
      const last = run.intervals[run.intervals.length - 1];
      if (last && g.transactionId === last.end + 1n) last.end = g.transactionId;
      else run.intervals.push({ start: g.transactionId, end: g.transactionId });
    } else {
      this.mariaLast.set(g.domain, g);
    }
  }

  /** The set now, or undefined when the source logs no GTIDs. */
  current(): GtidSet | undefined {
    this.fold();
    return this.set;
  }

  private fold(): void {
    if (this.mysqlRuns.size > 0) {
      const entries: MysqlGtidSetEntry[] = [...this.mysqlRuns.values()];
      const add = MysqlGtidSet.fromEntries(entries);
      this.set = this.set?.flavor === 'mysql' ? { flavor: 'mysql', set: this.set.set.union(add) } : { flavor: 'mysql', set: add };
      this.mysqlRuns.clear();
    }
    if (this.mariaLast.size > 0) {
      let pos = this.set?.flavor === 'mariadb' ? this.set.pos : undefined;
      for (const g of this.mariaLast.values()) {
        pos = pos === undefined ? MariadbGtidPos.of([g]) : pos.advance(g);
      }
      if (pos) this.set = { flavor: 'mariadb', pos };
      this.mariaLast.clear();
    }
  }
}
