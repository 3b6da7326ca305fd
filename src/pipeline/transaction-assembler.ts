/**
 * The transaction assembler: decoded binlog events in, transaction structure
 * out. A pure state machine (no I/O, no schema): each `push(event)` returns
 * the steps the event means, in order, and the processors downstream build
 * versions from them. Rows stay in their events, so a transaction of millions
 * of rows is never held here.
 *
 * Units (SPEC §1): a transaction begins at its GTID event (MySQL GTID or
 * ANONYMOUS_GTID, MariaDB GTID) or, without GTIDs, at its BEGIN query; it
 * commits at the end of its XID event or COMMIT query (`commitPosition` =
 * the next event's offset). A statement outside a transaction — DDL, with its
 * implicit commit — is a unit of its own that commits at the end of its query
 * event. A ROLLBACK query ends a transaction whose non-transactional changes
 * the server had to log anyway (the change processor keeps only those). XA:
 * `XA START … XA END` + XA_PREPARE parks the transaction under its xid; the
 * later `XA COMMIT xid` unit commits it, `XA ROLLBACK xid` drops it; an
 * XA_PREPARE with the one-phase flag commits at once.
 *
 * Invariants: every `begin` is followed by exactly one `commit`, `rollback`
 * or `xa-prepare` before the next `begin` (a transaction cut off by a new
 * one is reported with `abandon`; rows seen with none open — the range began
 * inside a transaction — with `orphan`); `commit` carries the position a
 * restart after it resumes from; events that carry no data (heartbeats,
 * rotations, format descriptions, annotations) produce nothing.
 */
import { BinsnapError } from '../core/errors.js';
import { MariadbGtid, MariadbGtidPos, MysqlGtid, MysqlGtidSet, type GtidSet } from '../core/gtid.js';
import type { BinlogPosition } from '../core/position.js';
import type { DecodedEvent, QueryBody, RowsEvent, EventHeader } from '../protocol/binlog/events.js';

export type QueryEvent = EventHeader & QueryBody;

export type AssemblyStep =
  | {
      readonly kind: 'begin';
      readonly startPosition: BinlogPosition;
      /** The GTID as text (`uuid[:tag]:n`, `domain-server-seq`) and as its value. */
      readonly gtid?: string;
      readonly gtidValue?: MysqlGtid | MariadbGtid;
      readonly xa?: string;
    }
  | { readonly kind: 'rows'; readonly event: RowsEvent }
  /** A statement that is not transaction control: DDL, an ignored statement, or a statement-based change. */
  | { readonly kind: 'statement'; readonly event: QueryEvent }
  | { readonly kind: 'savepoint'; readonly name: string }
  | { readonly kind: 'rollback-to-savepoint'; readonly name: string; readonly position: BinlogPosition }
  | {
      readonly kind: 'commit';
      readonly commitPosition: BinlogPosition;
      /** Integer milliseconds since the Unix epoch. */
      readonly commitTimestamp: number;
    }
  /** ROLLBACK query: only changes to non-transactional tables happened. */
  | { readonly kind: 'rollback'; readonly commitPosition: BinlogPosition; readonly commitTimestamp: number }
  /** The open transaction is an XA transaction now prepared: keep it under `xid` until its XA COMMIT. */
  | { readonly kind: 'xa-prepare'; readonly xid: string; readonly position: BinlogPosition }
  /** Commit of a prepared XA transaction, inside the current (XA COMMIT) unit. */
  | { readonly kind: 'xa-commit'; readonly xid: string; readonly position: BinlogPosition }
  | { readonly kind: 'xa-rollback'; readonly xid: string; readonly position: BinlogPosition }
  /** The open transaction was cut off by the start of another one (or a new file after a server crash). */
  | { readonly kind: 'abandon'; readonly position: BinlogPosition; readonly reason: string }
  /** Rows with no transaction open: the range began inside a transaction; they are not applied. */
  | { readonly kind: 'orphan'; readonly event: RowsEvent }
  /** The GTID set the server had executed before this file (PREVIOUS_GTIDS / GTID_LIST). */
  | { readonly kind: 'gtid-base'; readonly gtidSet: GtidSet };

const NOTHING: readonly AssemblyStep[] = Object.freeze([]);

type ControlKind = 'begin' | 'commit' | 'rollback' | 'xa-start' | 'xa-end' | 'xa-commit' | 'xa-rollback' | 'xa-prepare' | 'savepoint' | 'rollback-to' | 'release';

interface Control {
  readonly kind: ControlKind;
  /** Savepoint name or XA xid text. */
  readonly arg: string;
}

const CONTROL_HEAD = /^\s*(BEGIN|COMMIT|ROLLBACK|XA|SAVEPOINT|RELEASE|START\s+TRANSACTION)\b/i;

/** Recognises transaction-control statements; undefined for everything else. */
export function controlOf(statement: string): Control | undefined {
  const head = CONTROL_HEAD.exec(statement);
  if (!head) return undefined;
  const text = statement.trim().replace(/;\s*$/, '');
  const verb = head[1]!.toUpperCase();
  if (verb === 'BEGIN' || verb.startsWith('START')) return /^(BEGIN(\s+WORK)?|START\s+TRANSACTION.*)$/is.test(text) ? { kind: 'begin', arg: '' } : undefined;
  if (verb === 'COMMIT') return { kind: 'commit', arg: '' };
  if (verb === 'ROLLBACK') {
    const to = /^ROLLBACK(?:\s+WORK)?\s+TO\s+(?:SAVEPOINT\s+)?(.+)$/is.exec(text);
    return to ? { kind: 'rollback-to', arg: unquoteName(to[1]!) } : { kind: 'rollback', arg: '' };
  }
  if (verb === 'SAVEPOINT') return { kind: 'savepoint', arg: unquoteName(text.slice(9)) };
  if (verb === 'RELEASE') return { kind: 'release', arg: '' };
  const xa = /^XA\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK)\s+(.*)$/is.exec(text);
  if (!xa) return undefined;
  const what = xa[1]!.toUpperCase();
  const xid = normaliseXid(xa[2]!);
  switch (what) {
    case 'START':
    case 'BEGIN':
      return { kind: 'xa-start', arg: xid };
    case 'END':
      return { kind: 'xa-end', arg: xid };
    case 'PREPARE':
      return { kind: 'xa-prepare', arg: xid };
    case 'COMMIT':
      return { kind: 'xa-commit', arg: xid };
    default:
      return { kind: 'xa-rollback', arg: xid };
  }
}

function unquoteName(s: string): string {
  const t = s.trim();
  return t.startsWith('`') && t.endsWith('`') ? t.slice(1, -1).replace(/``/g, '`') : t;
}

/** The xid part of an XA statement without trailing options (ONE PHASE, SUSPEND, JOIN, RESUME …), spaces removed. */
function normaliseXid(rest: string): string {
  return rest
    .replace(/\s+(ONE\s+PHASE|SUSPEND(\s+FOR\s+MIGRATE)?|JOIN|RESUME|FOR\s+MIGRATE)\s*$/i, '')
    .replace(/\s+/g, '');
}

/** The xid text of an XA_PREPARE event or a MariaDB XA GTID, in the form the XA statements print it. */
export function xidText(formatId: number, gtrid: Buffer, bqual: Buffer): string {
  return `X'${gtrid.toString('hex')}',X'${bqual.toString('hex')}',${formatId}`;
}

/** Lower-cases the hex of X'…' literals so statement and event forms compare equal. */
function canonicalXid(xid: string): string {
  return xid.replace(/X'([0-9a-fA-F]*)'/g, (_m, hex: string) => `X'${hex.toLowerCase()}'`);
}

export class TransactionAssembler {
  private open = false;
  /** Opened by a MariaDB GTID event with nothing in it yet (a BEGIN then belongs to it). */
  private openedByGtid = false;
  private openXa: string | undefined;
  private pendingGtid:
    | { readonly gtid?: MysqlGtid | MariadbGtid; readonly position: BinlogPosition; readonly xa?: string; readonly commitUs?: bigint }
    | undefined;
  private commitUs: bigint | undefined;

  /** True while a transaction is open (between `begin` and its end). */
  get inTransaction(): boolean {
    return this.open;
  }

  push(ev: DecodedEvent): readonly AssemblyStep[] {
    switch (ev.kind) {
      case 'rows':
        return this.rows(ev);
      case 'table_map':
        return NOTHING;
      case 'xid':
        return this.commit(ev.nextPos, ev.timestamp);
      case 'query':
        return this.query(ev);
      case 'gtid':
        return this.gtidEvent(
          ev.pos,
          ev.anonymous ? undefined : MysqlGtid.of(ev.sid, ev.gno, ev.tagged ? ev.tag : undefined),
          undefined,
          ev.immediateCommitTimestamp,
        );
      case 'maria_gtid': {
        const gtid = MariadbGtid.of(ev.domainId, ev.serverId, ev.seqNo);
        const xa = ev.xa ? xidText(ev.xa.formatId, ev.xa.gtrid, ev.xa.bqual) : undefined;
        const steps = this.gtidEvent(ev.pos, gtid, xa, undefined);
        if (ev.standalone) return steps;
        // A MariaDB transaction has no BEGIN query: its GTID event opens it.
        const opened = [...steps, ...this.begin(ev.pos)];
        this.openedByGtid = true;
        return opened;
      }
      case 'xa_prepare':
        return this.xaPrepare(ev.pos, ev.nextPos, ev.timestamp, xidText(ev.formatId, ev.gtrid, ev.bqual), ev.onePhase);
      case 'previous_gtids':
        return [
          {
            kind: 'gtid-base',
            gtidSet: {
              flavor: 'mysql',
              set: MysqlGtidSet.fromEntries(
                ev.sets.map((s) => ({
                  uuid: s.sid,
                  tag: s.tag ?? '',
                  // PREVIOUS_GTIDS intervals are half-open [start, end).
                  intervals: s.intervals.map(([start, end]) => ({ start, end: end - 1n })),
                })),
              ),
            },
          },
        ];
      case 'maria_gtid_list':
        return [
          {
            kind: 'gtid-base',
            gtidSet: { flavor: 'mariadb', pos: MariadbGtidPos.of(latestPerDomain(ev.gtids.map((g) => MariadbGtid.of(g.domainId, g.serverId, g.seqNo)))) },
          },
        ];
      case 'format_description':
        // A new file while a transaction is open: the server stopped in the middle of it.
        if (this.open && !ev.inPayload) {
          const pos = ev.pos;
          this.reset();
          return [{ kind: 'abandon', position: pos, reason: 'the binlog file ended inside the transaction (the server stopped)' }];
        }
        return NOTHING;
      case 'incident':
        throw new BinsnapError(
          'BINSNAP_E_TRANSACTION_STRUCTURE',
          `the source logged an INCIDENT event (${ev.incident}: ${ev.message || 'lost events'}): changes are missing from the binlog here`,
          { position: ev.pos.format(), file: ev.pos.file, offset: ev.pos.offset },
        );
      default:
        return NOTHING;
    }
  }

  private gtidEvent(
    position: BinlogPosition,
    gtid: MysqlGtid | MariadbGtid | undefined,
    xa: string | undefined,
    commitUs: bigint | undefined,
  ): readonly AssemblyStep[] {
    const steps: AssemblyStep[] = [];
    if (this.open) {
      steps.push({ kind: 'abandon', position, reason: 'a new transaction started before the open one committed' });
      this.reset();
    }
    this.pendingGtid = {
      position,
      ...(gtid !== undefined ? { gtid } : {}),
      ...(xa !== undefined ? { xa } : {}),
      ...(commitUs !== undefined ? { commitUs } : {}),
    };
    return steps;
  }

  private begin(position: BinlogPosition, xa?: string): readonly AssemblyStep[] {
    const pending = this.pendingGtid;
    this.pendingGtid = undefined;
    this.open = true;
    this.commitUs = pending?.commitUs;
    const xaId = xa ?? pending?.xa;
    this.openXa = xaId;
    return [
      {
        kind: 'begin',
        startPosition: pending?.position ?? position,
        ...(pending?.gtid !== undefined ? { gtid: pending.gtid.format(), gtidValue: pending.gtid } : {}),
        ...(xaId !== undefined ? { xa: canonicalXid(xaId) } : {}),
      },
    ];
  }

  private rows(ev: RowsEvent): readonly AssemblyStep[] {
    this.openedByGtid = false;
    // Row-based servers always wrap rows in a transaction: rows with none open belong to one
    // whose beginning lies before the range.
    return [{ kind: this.open ? 'rows' : 'orphan', event: ev }];
  }

  private query(ev: QueryEvent): readonly AssemblyStep[] {
    const control = controlOf(ev.statement);
    if (control === undefined) return this.statement(ev);
    switch (control.kind) {
      case 'begin':
        // MariaDB opens the unit at its GTID event (a BEGIN then belongs to it); MySQL logs GTID, then BEGIN.
        if (this.open && this.openedByGtid) {
          this.openedByGtid = false;
          return NOTHING;
        }
        if (this.open) {
          this.reset();
          return [{ kind: 'abandon', position: ev.pos, reason: 'a new transaction began before the open one committed' }, ...this.begin(ev.pos)];
        }
        return this.begin(ev.pos);
      case 'commit':
        if (!this.open) return NOTHING; // a COMMIT with nothing open (e.g. the range started mid-transaction)
        return this.commit(ev.nextPos, ev.timestamp);
      case 'rollback':
        if (!this.open) return NOTHING;
        return this.end({ kind: 'rollback', commitPosition: ev.nextPos, commitTimestamp: this.timestampOf(ev.timestamp) });
      case 'savepoint':
        return this.open ? [{ kind: 'savepoint', name: control.arg }] : NOTHING;
      case 'rollback-to':
        return this.open ? [{ kind: 'rollback-to-savepoint', name: control.arg, position: ev.pos }] : NOTHING;
      case 'release':
        return NOTHING;
      case 'xa-start':
        if (this.open) {
          // MariaDB opened the unit at its GTID already.
          this.openXa = control.arg;
          return NOTHING;
        }
        return this.begin(ev.pos, control.arg);
      case 'xa-end':
        return NOTHING;
      case 'xa-prepare':
        // MariaDB may log the PREPARE as a query in some versions; the XA_PREPARE event does the same.
        return this.xaPrepare(ev.pos, ev.nextPos, ev.timestamp, control.arg, false);
      case 'xa-commit':
      case 'xa-rollback': {
        // A unit of its own (with its own GTID): commits or drops the parked transaction.
        const steps: AssemblyStep[] = [];
        if (!this.open) steps.push(...this.begin(ev.pos));
        steps.push({ kind: control.kind, xid: canonicalXid(control.arg), position: ev.pos });
        steps.push(...this.commit(ev.nextPos, ev.timestamp));
        return steps;
      }
    }
  }

  private xaPrepare(pos: BinlogPosition, nextPos: BinlogPosition, timestamp: number, xid: string, onePhase: boolean): readonly AssemblyStep[] {
    if (!this.open) return NOTHING;
    if (onePhase) return this.commit(nextPos, timestamp);
    return this.end({ kind: 'xa-prepare', xid: canonicalXid(this.openXa ?? xid), position: pos });
  }

  private statement(ev: QueryEvent): readonly AssemblyStep[] {
    this.openedByGtid = false;
    // Inside a transaction: CREATE TABLE … SELECT (its rows follow), or a statement-based change.
    if (this.open) return [{ kind: 'statement', event: ev }];
    // Outside: DDL and its implicit commit, a unit of its own.
    return [...this.begin(ev.pos), { kind: 'statement', event: ev }, ...this.commit(ev.nextPos, ev.timestamp)];
  }

  private commit(commitPosition: BinlogPosition, timestampSeconds: number): readonly AssemblyStep[] {
    if (!this.open) {
      // An XID with nothing open: the range started inside a transaction whose beginning was not read.
      this.pendingGtid = undefined;
      return NOTHING;
    }
    return this.end({ kind: 'commit', commitPosition, commitTimestamp: this.timestampOf(timestampSeconds) });
  }

  private timestampOf(seconds: number): number {
    return this.commitUs !== undefined && this.commitUs > 0n ? Number(this.commitUs / 1000n) : seconds * 1000;
  }

  private end(step: AssemblyStep): readonly AssemblyStep[] {
    this.reset();
    return [step];
  }

  private reset(): void {
    this.open = false;
    this.openedByGtid = false;
    this.openXa = undefined;
    this.commitUs = undefined;
  }
}

/** A GTID_LIST may name several servers of one domain: the position keeps the highest sequence number. */
function latestPerDomain(gtids: readonly MariadbGtid[]): MariadbGtid[] {
  const byDomain = new Map<number, MariadbGtid>();
  for (const g of gtids) {
    const known = byDomain.get(g.domain);
    if (!known || g.seq > known.seq) byDomain.set(g.domain, g);
  }
  return [...byDomain.values()];
}
