import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { formatGtidSet } from '../core/gtid.js';
import { BinlogPosition } from '../core/position.js';
import type { DecodedEvent, EventBody, MariaGtidBody, MysqlGtidBody, QueryBody, RowsBody } from '../protocol/binlog/events.js';
import { controlOf, TransactionAssembler, type AssemblyStep } from './transaction-assembler.js';

const FILE = 'mysql-bin.000001';
const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const TS = 1_700_000_000;

const P = (n: number): BinlogPosition => BinlogPosition.of(FILE, n);

interface HeaderOverrides {
  readonly timestamp?: number;
  readonly serverId?: number;
  readonly size?: number;
}

/**
 * Builds events in file order: each one starts where the previous one ended,
 * so positions are realistic and strictly increasing.
 */
class Log {
  private at = 4;

  add<B extends EventBody>(body: B, o: HeaderOverrides = {}): DecodedEvent & B {
    const size = o.size ?? 100;
    const pos = this.at;
    this.at += size;
    return {
      type: body.kind.toUpperCase(),
      typeCode: 0,
      timestamp: o.timestamp ?? TS,
      serverId: o.serverId ?? 1,
      eventSize: size,
      logPos: this.at,
      flags: 0,
      pos: P(pos),
      nextPos: P(this.at),
      inPayload: false,
      ...body,
    } as DecodedEvent & B;
  }

  query(statement: string, o?: HeaderOverrides): DecodedEvent & QueryBody {
    return this.add<QueryBody>(
      { kind: 'query', threadId: 7, execTime: 0, database: 'db', errorCode: 0, statement, status: {}, compressed: false },
      o,
    );
  }

  rows(o?: HeaderOverrides): DecodedEvent & RowsBody {
    return this.add<RowsBody>(
      {
        kind: 'rows',
        action: 'insert',
        version: 2,
        tableId: 1,
        flags: 0,
        database: 'db',
        table: 't',
        columnNames: ['id'],
        rows: [{ after: [1] }],
        partial: false,
        compressed: false,
      },
      o,
    );
  }

  gtid(gno: bigint, immediateCommitTimestamp?: bigint, o?: HeaderOverrides): DecodedEvent & MysqlGtidBody {
    return this.add<MysqlGtidBody>(
      {
        kind: 'gtid',
        anonymous: false,
        tagged: false,
        commitFlag: 1,
        sid: UUID,
        gno,
        ...(immediateCommitTimestamp !== undefined ? { immediateCommitTimestamp } : {}),
      },
      o,
    );
  }

  anonymousGtid(): DecodedEvent & MysqlGtidBody {
    return this.add<MysqlGtidBody>({ kind: 'gtid', anonymous: true, tagged: false, commitFlag: 1, sid: '00000000-0000-0000-0000-000000000000', gno: 0n });
  }

  mariaGtid(
    domainId: number,
    seqNo: bigint,
    standalone: boolean,
    o: HeaderOverrides & { readonly xa?: MariaGtidBody['xa'] } = {},
  ): DecodedEvent & MariaGtidBody {
    return this.add<MariaGtidBody>(
      { kind: 'maria_gtid', domainId, seqNo, gtidFlags: standalone ? 1 : 0, standalone, ...(o.xa ? { xa: o.xa } : {}) },
      o,
    );
  }

  xid(o?: HeaderOverrides): DecodedEvent {
    return this.add({ kind: 'xid', xid: 42n }, o);
  }

  xaPrepare(onePhase: boolean, gtrid = '1'): DecodedEvent {
    return this.add({ kind: 'xa_prepare', onePhase, formatId: 1, gtrid: Buffer.from(gtrid), bqual: Buffer.alloc(0) });
  }
}

function pushAll(a: TransactionAssembler, events: readonly DecodedEvent[]): AssemblyStep[] {
  return events.flatMap((e) => [...a.push(e)]);
}

const kinds = (steps: readonly AssemblyStep[]): string[] => steps.map((s) => s.kind);

function only<K extends AssemblyStep['kind']>(steps: readonly AssemblyStep[], kind: K): Extract<AssemblyStep, { kind: K }> {
  const found = steps.filter((s) => s.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Extract<AssemblyStep, { kind: K }>;
}

describe('MySQL with GTIDs', () => {
  it('assembles GTID, BEGIN, rows, XID into begin, rows, commit', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g = log.gtid(5n, 1_700_000_123_456_789n);
    const begin = log.query('BEGIN');
    const r1 = log.rows();
    const r2 = log.rows();
    const x = log.xid({ timestamp: TS + 99 });

    const gSteps = a.push(g);
    expect(gSteps).toEqual([]);
    expect(a.inTransaction).toBe(false);

    const bSteps = a.push(begin);
    expect(kinds(bSteps)).toEqual(['begin']);
    const b = only(bSteps, 'begin');
    expect(b.gtid).toBe(`${UUID}:5`);
    expect(b.startPosition.equals(g.pos)).toBe(true);
    expect(b.xa).toBeUndefined();
    expect(a.inTransaction).toBe(true);

    expect(a.push(r1)).toEqual([{ kind: 'rows', event: r1 }]);
    expect(a.push(r2)).toEqual([{ kind: 'rows', event: r2 }]);

    const cSteps = a.push(x);
    const c = only(cSteps, 'commit');
    expect(cSteps).toHaveLength(1);
    expect(c.commitPosition.equals(x.nextPos)).toBe(true);
    // µs → integer ms, floored; the XID header's own timestamp is not used.
    expect(c.commitTimestamp).toBe(1_700_000_123_456);
    expect(a.inTransaction).toBe(false);
  });

  it('a BEGIN inside an open transaction abandons it and begins a new one (its rows are never merged)', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.gtid(1n), log.query('BEGIN')]);
    const steps = a.push(log.query('BEGIN'));
    expect(steps.map((s) => s.kind)).toEqual(['abandon', 'begin']);
    expect(a.inTransaction).toBe(true);
  });

  it('a format description inside an open transaction (the server stopped mid-file) abandons it', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.query('BEGIN')]);
    const fde = log.add({
      kind: 'format_description',
      binlogVersion: 4,
      serverVersion: '8.4.0',
      createTimestamp: 0,
      headerLength: 19,
      checksum: 'crc32',
      postHeaderLengths: [],
    });
    expect(a.push(fde).map((s) => s.kind)).toEqual(['abandon']);
    expect(a.inTransaction).toBe(false);
  });

  it('falls back to the XID header timestamp when the GTID has no commit timestamp', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const steps = pushAll(a, [log.gtid(1n), log.query('BEGIN'), log.rows(), log.xid({ timestamp: TS + 7 })]);
    expect(only(steps, 'commit').commitTimestamp).toBe((TS + 7) * 1000);
  });

  it('an anonymous GTID opens a transaction without a gtid', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g = log.anonymousGtid();
    const steps = pushAll(a, [g, log.query('BEGIN'), log.rows(), log.xid()]);
    expect(kinds(steps)).toEqual(['begin', 'rows', 'commit']);
    const b = only(steps, 'begin');
    expect(b.gtid).toBeUndefined();
    expect(b.startPosition.equals(g.pos)).toBe(true);
  });

  it('makes DDL after its GTID a unit of its own that commits at the end of the query', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g = log.gtid(9n, 1_700_000_000_999_999n);
    const ddl = log.query('CREATE TABLE t (id INT PRIMARY KEY)');
    expect(a.push(g)).toEqual([]);
    const steps = a.push(ddl);
    expect(kinds(steps)).toEqual(['begin', 'statement', 'commit']);
    const b = only(steps, 'begin');
    expect(b.gtid).toBe(`${UUID}:9`);
    expect(b.startPosition.equals(g.pos)).toBe(true);
    expect(only(steps, 'statement').event).toBe(ddl);
    const c = only(steps, 'commit');
    expect(c.commitPosition.equals(ddl.nextPos)).toBe(true);
    expect(c.commitTimestamp).toBe(1_700_000_000_999);
    expect(a.inTransaction).toBe(false);
  });

  it('reports a transaction cut off by a new GTID with abandon before the new begin', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.gtid(1n), log.query('BEGIN'), log.rows()]);
    const g2 = log.gtid(2n);
    const cut = a.push(g2);
    expect(kinds(cut)).toEqual(['abandon']);
    const ab = only(cut, 'abandon');
    expect(ab.position.equals(g2.pos)).toBe(true);
    expect(ab.reason).toMatch(/\S/);
    expect(a.inTransaction).toBe(false);
    const next = pushAll(a, [log.query('BEGIN'), log.rows(), log.xid()]);
    expect(kinds(next)).toEqual(['begin', 'rows', 'commit']);
    expect(only(next, 'begin').gtid).toBe(`${UUID}:2`);
  });
});

describe('MySQL without GTIDs', () => {
  it('opens at BEGIN and commits at the end of the XID with the header timestamp', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const begin = log.query('BEGIN');
    const rows = log.rows();
    const x = log.xid({ timestamp: TS + 3 });
    const steps = pushAll(a, [begin, rows, x]);
    expect(kinds(steps)).toEqual(['begin', 'rows', 'commit']);
    const b = only(steps, 'begin');
    expect(b.startPosition.equals(begin.pos)).toBe(true);
    expect(b.gtid).toBeUndefined();
    const c = only(steps, 'commit');
    expect(c.commitPosition.equals(x.nextPos)).toBe(true);
    expect(c.commitTimestamp).toBe((TS + 3) * 1000);
  });

  it('commits at a COMMIT query (non-transactional tables)', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const commit = log.query('COMMIT');
    const steps = pushAll(a, [log.query('BEGIN'), log.rows()]);
    const c = a.push(commit);
    expect(kinds([...steps, ...c])).toEqual(['begin', 'rows', 'commit']);
    expect(only(c, 'commit').commitPosition.equals(commit.nextPos)).toBe(true);
  });

  it('does not carry a commit timestamp over from an earlier transaction', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.gtid(1n, 5_000_000n), log.query('BEGIN'), log.xid()]);
    const steps = pushAll(a, [log.query('BEGIN'), log.rows(), log.xid({ timestamp: TS + 1 })]);
    expect(only(steps, 'commit').commitTimestamp).toBe((TS + 1) * 1000);
  });
});

describe('MariaDB', () => {
  it('opens the transaction at a non-standalone GTID event', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g = log.mariaGtid(0, 100n, false, { serverId: 2 });
    const gSteps = a.push(g);
    expect(kinds(gSteps)).toEqual(['begin']);
    const b = only(gSteps, 'begin');
    expect(b.gtid).toBe('0-2-100');
    expect(b.startPosition.equals(g.pos)).toBe(true);
    expect(a.inTransaction).toBe(true);
    const r = log.rows();
    expect(a.push(r)).toEqual([{ kind: 'rows', event: r }]);
    const x = log.xid({ timestamp: TS + 5 });
    const c = only(a.push(x), 'commit');
    expect(c.commitPosition.equals(x.nextPos)).toBe(true);
    expect(c.commitTimestamp).toBe((TS + 5) * 1000);
  });

  it('makes a standalone GTID + DDL a unit of its own', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g = log.mariaGtid(1, 7n, true, { serverId: 3 });
    expect(a.push(g)).toEqual([]);
    expect(a.inTransaction).toBe(false);
    const ddl = log.query('ALTER TABLE t ADD COLUMN c INT', { timestamp: TS + 2 });
    const steps = a.push(ddl);
    expect(kinds(steps)).toEqual(['begin', 'statement', 'commit']);
    const b = only(steps, 'begin');
    expect(b.gtid).toBe('1-3-7');
    expect(b.startPosition.equals(g.pos)).toBe(true);
    const c = only(steps, 'commit');
    expect(c.commitPosition.equals(ddl.nextPos)).toBe(true);
    expect(c.commitTimestamp).toBe((TS + 2) * 1000);
  });

  it('commits a non-transactional group at its COMMIT query', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const steps = pushAll(a, [log.mariaGtid(0, 5n, false), log.rows()]);
    const q = log.query('COMMIT');
    const c = a.push(q);
    expect(kinds([...steps, ...c])).toEqual(['begin', 'rows', 'commit']);
    expect(only(c, 'commit').commitPosition.equals(q.nextPos)).toBe(true);
    expect(a.inTransaction).toBe(false);
  });

  it('reports abandon then begin when a GTID event cuts off an open transaction', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.mariaGtid(0, 1n, false), log.rows()]);
    const g = log.mariaGtid(0, 2n, false);
    const steps = a.push(g);
    expect(kinds(steps)).toEqual(['abandon', 'begin']);
    expect(only(steps, 'abandon').position.equals(g.pos)).toBe(true);
    expect(only(steps, 'begin').gtid).toBe('0-1-2');
  });

  it('carries the XA xid of an XA GTID event into begin and xa-prepare', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const xa = { formatId: 1, gtrid: Buffer.from('1'), bqual: Buffer.alloc(0) };
    const steps = pushAll(a, [
      log.mariaGtid(0, 3n, false, { xa }),
      log.query("XA START X'31',X'',1"),
      log.rows(),
      log.query("XA END X'31',X'',1"),
      log.query("XA PREPARE X'31',X'',1"),
    ]);
    expect(kinds(steps)).toEqual(['begin', 'rows', 'xa-prepare']);
    expect(only(steps, 'begin').xa).toBe("X'31',X'',1");
    expect(only(steps, 'xa-prepare').xid).toBe("X'31',X'',1");
  });
});

describe('ROLLBACK and savepoints', () => {
  it('ends a transaction with a ROLLBACK query as rollback', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const q = log.query('ROLLBACK', { timestamp: TS + 4 });
    const steps = pushAll(a, [log.query('BEGIN'), log.rows()]);
    const r = a.push(q);
    expect(kinds([...steps, ...r])).toEqual(['begin', 'rows', 'rollback']);
    const rb = only(r, 'rollback');
    expect(rb.commitPosition.equals(q.nextPos)).toBe(true);
    expect(rb.commitTimestamp).toBe((TS + 4) * 1000);
    expect(a.inTransaction).toBe(false);
  });

  it('a ROLLBACK with nothing open adds nothing', () => {
    const log = new Log();
    expect(new TransactionAssembler().push(log.query('ROLLBACK'))).toEqual([]);
  });

  it('reports SAVEPOINT and ROLLBACK TO SAVEPOINT steps inside a transaction', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.gtid(1n), log.query('BEGIN'), log.rows()]);
    expect(a.push(log.query('SAVEPOINT `sp 1`'))).toEqual([{ kind: 'savepoint', name: 'sp 1' }]);
    a.push(log.rows());
    const back = log.query('ROLLBACK TO SAVEPOINT `sp 1`');
    const steps = a.push(back);
    expect(kinds(steps)).toEqual(['rollback-to-savepoint']);
    const s = only(steps, 'rollback-to-savepoint');
    expect(s.name).toBe('sp 1');
    expect(s.position.equals(back.pos)).toBe(true);
    expect(a.inTransaction).toBe(true);
    expect(kinds(a.push(log.xid()))).toEqual(['commit']);
  });

  it('ignores savepoints with nothing open', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    expect(a.push(log.query('SAVEPOINT a'))).toEqual([]);
    expect(a.push(log.query('ROLLBACK TO SAVEPOINT a'))).toEqual([]);
  });
});

describe('XA (MySQL)', () => {
  it('parks a prepared transaction and commits it in a later unit', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const g1 = log.gtid(1n);
    const start = log.query("XA START X'31',X'',1");
    const first = pushAll(a, [g1, start, log.rows()]);
    expect(kinds(first)).toEqual(['begin', 'rows']);
    const b = only(first, 'begin');
    expect(b.xa).toBe("X'31',X'',1");
    expect(b.gtid).toBe(`${UUID}:1`);
    expect(b.startPosition.equals(g1.pos)).toBe(true);

    expect(a.push(log.query("XA END X'31',X'',1"))).toEqual([]);
    const prepare = log.xaPrepare(false);
    const p = a.push(prepare);
    expect(kinds(p)).toEqual(['xa-prepare']);
    const prep = only(p, 'xa-prepare');
    expect(prep.xid).toBe("X'31',X'',1");
    expect(prep.position.equals(prepare.pos)).toBe(true);
    expect(a.inTransaction).toBe(false);

    // Something else in between.
    expect(kinds(pushAll(a, [log.gtid(2n), log.query('BEGIN'), log.rows(), log.xid()]))).toEqual(['begin', 'rows', 'commit']);

    const g3 = log.gtid(3n, 1_700_000_555_000_001n);
    const commitQ = log.query("XA COMMIT X'31',X'',1");
    expect(a.push(g3)).toEqual([]);
    const c = a.push(commitQ);
    expect(kinds(c)).toEqual(['begin', 'xa-commit', 'commit']);
    const b3 = only(c, 'begin');
    expect(b3.gtid).toBe(`${UUID}:3`);
    expect(b3.startPosition.equals(g3.pos)).toBe(true);
    const xc = only(c, 'xa-commit');
    expect(xc.xid).toBe(prep.xid);
    expect(xc.position.equals(commitQ.pos)).toBe(true);
    const cm = only(c, 'commit');
    expect(cm.commitPosition.equals(commitQ.nextPos)).toBe(true);
    expect(cm.commitTimestamp).toBe(1_700_000_555_000);
  });

  it('matches statement and event xids whatever the hex case', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const steps = pushAll(a, [log.gtid(1n), log.query("XA START X'4A',X'',1"), log.rows(), log.query("XA END X'4A',X'',1"), log.xaPrepare(false, 'J')]);
    expect(only(steps, 'begin').xa).toBe("X'4a',X'',1");
    expect(only(steps, 'xa-prepare').xid).toBe("X'4a',X'',1");
    const c = pushAll(a, [log.gtid(2n), log.query("XA COMMIT X'4A',X'',1")]);
    expect(only(c, 'xa-commit').xid).toBe("X'4a',X'',1");
  });

  it('drops a parked transaction with XA ROLLBACK in a unit of its own', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    pushAll(a, [log.gtid(1n), log.query("XA START X'31',X'',1"), log.rows(), log.query("XA END X'31',X'',1"), log.xaPrepare(false)]);
    const q = log.query("XA ROLLBACK X'31',X'',1");
    const steps = pushAll(a, [log.gtid(2n), q]);
    expect(kinds(steps)).toEqual(['begin', 'xa-rollback', 'commit']);
    expect(only(steps, 'xa-rollback').xid).toBe("X'31',X'',1");
    expect(only(steps, 'commit').commitPosition.equals(q.nextPos)).toBe(true);
  });

  it('commits a one-phase XA_PREPARE at once', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const prepare = log.xaPrepare(true);
    const steps = pushAll(a, [log.gtid(1n), log.query("XA START X'31',X'',1"), log.rows(), log.query("XA END X'31',X'',1")]);
    const c = a.push(prepare);
    expect(kinds([...steps, ...c])).toEqual(['begin', 'rows', 'commit']);
    expect(only(c, 'commit').commitPosition.equals(prepare.nextPos)).toBe(true);
    expect(a.inTransaction).toBe(false);
  });

  it('an XA_PREPARE with nothing open adds nothing', () => {
    const log = new Log();
    expect(new TransactionAssembler().push(log.xaPrepare(false))).toEqual([]);
  });
});

describe('events outside a transaction', () => {
  it('reports rows with nothing open as orphan', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const r = log.rows();
    expect(a.push(r)).toEqual([{ kind: 'orphan', event: r }]);
    expect(a.inTransaction).toBe(false);
  });

  it('an XID with nothing open adds nothing, and forgets a pending GTID', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    expect(a.push(log.xid())).toEqual([]);
    a.push(log.gtid(1n));
    expect(a.push(log.xid())).toEqual([]);
    const begin = log.query('BEGIN');
    const b = only(a.push(begin), 'begin');
    expect(b.gtid).toBeUndefined();
    expect(b.startPosition.equals(begin.pos)).toBe(true);
  });

  it('a COMMIT query with nothing open adds nothing', () => {
    const log = new Log();
    expect(new TransactionAssembler().push(log.query('COMMIT'))).toEqual([]);
  });

  it('ignores heartbeats, rotations, format descriptions and table maps (inside a transaction all but the format description)', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const quiet: DecodedEvent[] = [
      log.add({ kind: 'heartbeat', version: 1, logFile: FILE }),
      log.add({ kind: 'rotate', nextFile: 'mysql-bin.000002', nextOffset: 4n }),
      log.add({
        kind: 'format_description',
        binlogVersion: 4,
        serverVersion: '8.4.0',
        createTimestamp: 0,
        headerLength: 19,
        checksum: 'crc32',
        postHeaderLengths: [],
      }),
      log.add({
        kind: 'table_map',
        tableId: 1,
        flags: 0,
        database: 'db',
        table: 't',
        columns: [],
        optionalMetadata: [],
        hasMetadata: true,
      }),
      log.add({ kind: 'annotate_rows', statement: 'INSERT INTO t VALUES (1)' }),
    ];
    for (const e of quiet) expect(a.push(e)).toEqual([]);
    a.push(log.query('BEGIN'));
    for (const e of quiet.filter((q) => q.kind !== 'format_description')) expect(a.push(e)).toEqual([]);
    expect(a.inTransaction).toBe(true);
  });
});

describe('GTID bases', () => {
  it('turns PREVIOUS_GTIDS half-open intervals into a closed GTID set', () => {
    const log = new Log();
    const other = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const steps = new TransactionAssembler().push(
      log.add({
        kind: 'previous_gtids',
        sets: [
          { sid: UUID, intervals: [[1n, 6n], [8n, 9n]] },
          { sid: other, intervals: [[3n, 4n]] },
        ],
      }),
    );
    const base = only(steps, 'gtid-base');
    expect(base.gtidSet.flavor).toBe('mysql');
    expect(formatGtidSet(base.gtidSet)).toBe(`${UUID}:1-5:8,${other}:3`);
  });

  it('a PREVIOUS_GTIDS with interval [1,6) alone is uuid:1-5', () => {
    const log = new Log();
    const steps = new TransactionAssembler().push(log.add({ kind: 'previous_gtids', sets: [{ sid: UUID, intervals: [[1n, 6n]] }] }));
    expect(formatGtidSet(only(steps, 'gtid-base').gtidSet)).toBe(`${UUID}:1-5`);
  });

  it('an empty PREVIOUS_GTIDS is an empty base', () => {
    const log = new Log();
    const steps = new TransactionAssembler().push(log.add({ kind: 'previous_gtids', sets: [] }));
    expect(formatGtidSet(only(steps, 'gtid-base').gtidSet)).toBe('');
  });

  it('turns a MariaDB GTID_LIST into a position with the latest GTID per domain', () => {
    const log = new Log();
    const steps = new TransactionAssembler().push(
      log.add({
        kind: 'maria_gtid_list',
        listFlags: 0,
        gtids: [
          { domainId: 1, serverId: 1, seqNo: 5n },
          { domainId: 0, serverId: 1, seqNo: 10n },
          { domainId: 0, serverId: 2, seqNo: 12n },
        ],
      }),
    );
    const base = only(steps, 'gtid-base');
    expect(base.gtidSet.flavor).toBe('mariadb');
    expect(formatGtidSet(base.gtidSet)).toBe('0-2-12,1-1-5');
  });
});

describe('INCIDENT', () => {
  it('throws a transaction-structure error', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const e = log.add({ kind: 'incident', incident: 1, message: 'LOST_EVENTS' });
    let caught: unknown;
    try {
      a.push(e);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BinsnapError);
    expect((caught as BinsnapError).code).toBe('BINSNAP_E_TRANSACTION_STRUCTURE');
    expect((caught as BinsnapError).context.position).toBe(e.pos.format());
  });
});

describe('controlOf', () => {
  it.each([
    ['BEGIN', 'begin', ''],
    ['begin', 'begin', ''],
    ['  Begin Work ', 'begin', ''],
    ['begin work;', 'begin', ''],
    ['START TRANSACTION', 'begin', ''],
    ['start transaction with consistent snapshot', 'begin', ''],
    ['COMMIT', 'commit', ''],
    ['commit work', 'commit', ''],
    ['ROLLBACK', 'rollback', ''],
    ['rollback work', 'rollback', ''],
    ['ROLLBACK TO SAVEPOINT `sp 1`', 'rollback-to', 'sp 1'],
    ['rollback to sp2', 'rollback-to', 'sp2'],
    ['ROLLBACK WORK TO SAVEPOINT `a``b`', 'rollback-to', 'a`b'],
    ['SAVEPOINT `sp 1`', 'savepoint', 'sp 1'],
    ['savepoint sp2', 'savepoint', 'sp2'],
    ['RELEASE SAVEPOINT sp2', 'release', ''],
    ["XA START X'31',X'',1", 'xa-start', "X'31',X'',1"],
    ["xa begin X'31', X'', 1", 'xa-start', "X'31',X'',1"],
    ["XA END X'31',X'',1", 'xa-end', "X'31',X'',1"],
    ["XA END X'31',X'',1 SUSPEND", 'xa-end', "X'31',X'',1"],
    ["XA PREPARE X'31',X'',1", 'xa-prepare', "X'31',X'',1"],
    ["XA COMMIT X'31',X'',1", 'xa-commit', "X'31',X'',1"],
    ["XA COMMIT X'31',X'',1 ONE PHASE", 'xa-commit', "X'31',X'',1"],
    ["xa commit X'31',X'',1 one  phase", 'xa-commit', "X'31',X'',1"],
    ["XA ROLLBACK X'31',X'',1", 'xa-rollback', "X'31',X'',1"],
  ])('%s is %s', (statement, kind, arg) => {
    expect(controlOf(statement)).toEqual({ kind, arg });
  });

  it.each([
    'COMMITTED_TABLE_NAMES INSERT',
    'COMMITTED',
    'BEGINNING',
    'BEGIN NOT ATOMIC SELECT 1; END',
    'ROLLBACKS',
    'SAVEPOINTS',
    'XA RECOVER',
    'XAVIER',
    'CREATE TABLE t (id INT)',
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET committed = 1',
    '',
  ])('%j is not control', (statement) => {
    expect(controlOf(statement)).toBeUndefined();
  });

  it('a COMMIT-prefixed identifier outside a transaction is a statement unit, not a commit', () => {
    const log = new Log();
    const a = new TransactionAssembler();
    const q = log.query('COMMITTED_TABLE_SYNC');
    expect(kinds(a.push(q))).toEqual(['begin', 'statement', 'commit']);
  });
});

// ---------------------------------------------------------------- property test

type TxKind =
  | { readonly t: 'mysql-dml'; readonly rows: number; readonly ts?: bigint; readonly savepoint: boolean }
  | { readonly t: 'mysql-ddl' }
  | { readonly t: 'plain-dml'; readonly rows: number; readonly commitQuery: boolean }
  | { readonly t: 'plain-ddl' }
  | { readonly t: 'rollback'; readonly rows: number; readonly gtid: boolean }
  | { readonly t: 'maria-dml'; readonly rows: number; readonly commitQuery: boolean }
  | { readonly t: 'maria-ddl' }
  | { readonly t: 'xa'; readonly rows: number; readonly onePhase: boolean; readonly rollback: boolean }
  | { readonly t: 'cut-off'; readonly rows: number };

const rowsArb = fc.integer({ min: 0, max: 3 });
const txArb: fc.Arbitrary<TxKind> = fc.oneof(
  fc.record({ t: fc.constant('mysql-dml' as const), rows: rowsArb, ts: fc.option(fc.bigInt({ min: 1n, max: 2n ** 52n }), { nil: undefined }), savepoint: fc.boolean() }, { requiredKeys: ['t', 'rows', 'savepoint'] }),
  fc.record({ t: fc.constant('mysql-ddl' as const) }),
  fc.record({ t: fc.constant('plain-dml' as const), rows: rowsArb, commitQuery: fc.boolean() }),
  fc.record({ t: fc.constant('plain-ddl' as const) }),
  fc.record({ t: fc.constant('rollback' as const), rows: rowsArb, gtid: fc.boolean() }),
  fc.record({ t: fc.constant('maria-dml' as const), rows: rowsArb, commitQuery: fc.boolean() }),
  fc.record({ t: fc.constant('maria-ddl' as const) }),
  fc.record({ t: fc.constant('xa' as const), rows: rowsArb, onePhase: fc.boolean(), rollback: fc.boolean() }),
  fc.record({ t: fc.constant('cut-off' as const), rows: rowsArb }),
);

/** Events of one transaction (a cut-off one is followed by a whole GTID transaction that cuts it off). */
function eventsOf(log: Log, tx: TxKind, n: { gno: bigint; xa: number }): DecodedEvent[] {
  const rows = (k: number): DecodedEvent[] => Array.from({ length: k }, () => log.rows());
  const gno = (): bigint => (n.gno += 1n);
  switch (tx.t) {
    case 'mysql-dml':
      return [
        log.gtid(gno(), tx.ts),
        log.query('BEGIN'),
        ...rows(tx.rows),
        ...(tx.savepoint ? [log.query('SAVEPOINT s'), ...rows(1), log.query('ROLLBACK TO SAVEPOINT s')] : []),
        log.xid(),
      ];
    case 'mysql-ddl':
      return [log.gtid(gno()), log.query('CREATE TABLE t (id INT)')];
    case 'plain-dml':
      return [log.query('BEGIN'), ...rows(tx.rows), tx.commitQuery ? log.query('COMMIT') : log.xid()];
    case 'plain-ddl':
      return [log.query('DROP TABLE t')];
    case 'rollback':
      return [...(tx.gtid ? [log.gtid(gno())] : []), log.query('BEGIN'), ...rows(tx.rows), log.query('ROLLBACK')];
    case 'maria-dml':
      return [log.mariaGtid(0, gno(), false), ...rows(tx.rows), tx.commitQuery ? log.query('COMMIT') : log.xid()];
    case 'maria-ddl':
      return [log.mariaGtid(0, gno(), true), log.query('ALTER TABLE t ADD c INT')];
    case 'xa': {
      n.xa += 1;
      const gtrid = String(n.xa);
      const xid = `X'${Buffer.from(gtrid).toString('hex')}',X'',1`;
      const head = [log.gtid(gno()), log.query(`XA START ${xid}`), ...rows(tx.rows), log.query(`XA END ${xid}`), log.xaPrepare(tx.onePhase, gtrid)];
      if (tx.onePhase) return head;
      return [...head, log.gtid(gno()), log.query(`XA ${tx.rollback ? 'ROLLBACK' : 'COMMIT'} ${xid}`)];
    }
    case 'cut-off':
      return [log.gtid(gno()), log.query('BEGIN'), ...rows(tx.rows), log.gtid(gno()), log.query('BEGIN'), log.rows(), log.xid()];
  }
}

const TERMINATORS = new Set(['commit', 'rollback', 'xa-prepare', 'abandon']);

describe('property: well-formed transaction sequences', () => {
  it('every begin ends exactly once before the next begin, and commit positions strictly increase', () => {
    fc.assert(
      fc.property(fc.array(txArb, { maxLength: 30 }), (txs) => {
        const log = new Log();
        const a = new TransactionAssembler();
        const counter = { gno: 0n, xa: 0 };
        const steps = pushAll(
          a,
          txs.flatMap((tx) => eventsOf(log, tx, counter)),
        );

        let open = false;
        let lastCommit: BinlogPosition | undefined;
        let begins = 0;
        for (const s of steps) {
          expect(s.kind).not.toBe('orphan');
          if (s.kind === 'begin') {
            expect(open).toBe(false);
            open = true;
            begins++;
          } else if (TERMINATORS.has(s.kind)) {
            expect(open).toBe(true);
            open = false;
          } else if (s.kind === 'rows' || s.kind === 'statement' || s.kind === 'savepoint' || s.kind === 'rollback-to-savepoint' || s.kind === 'xa-commit' || s.kind === 'xa-rollback') {
            expect(open).toBe(true);
          }
          if (s.kind === 'commit') {
            if (lastCommit) expect(s.commitPosition.isAfter(lastCommit)).toBe(true);
            lastCommit = s.commitPosition;
          }
        }
        expect(open).toBe(false);
        expect(a.inTransaction).toBe(false);

        // One unit per transaction, plus the XA COMMIT/ROLLBACK units and the transactions that cut others off.
        const expected = txs.reduce((k, tx) => k + (tx.t === 'cut-off' ? 2 : tx.t === 'xa' && !tx.onePhase ? 2 : 1), 0);
        expect(begins).toBe(expected);
        expect(steps.filter((s) => s.kind === 'abandon')).toHaveLength(txs.filter((tx) => tx.t === 'cut-off').length);
      }),
      { numRuns: 300 },
    );
  });
});
