/**
 * Event bodies: QUERY status variables and MariaDB QUERY_COMPRESSED, MySQL
 * GTID fields, HEARTBEAT_V2, XA_PREPARE, ROTATE, START_ENCRYPTION — on
 * fixtures where the corpus has them, on synthetic events otherwise.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { BinlogDecoder } from './binlog-decoder.js';
import type { DecodedEvent } from './events.js';
import { corpusAvailable, loadFixture } from './fixtures.test-util.js';
import { binlogFile, event } from './test-events.test-util.js';

function decodeBytes(bytes: Buffer): DecodedEvent[] {
  const d = new BinlogDecoder({ fileName: 'mysql-bin.000001' });
  const out = d.push(bytes);
  d.end();
  return out;
}

function queryBody(statement: Buffer, db: string, status: Buffer): Buffer {
  const post = Buffer.alloc(13);
  post.writeUInt32LE(7, 0); // thread id
  post.writeUInt32LE(0, 4);
  post[8] = db.length;
  post.writeUInt16LE(0, 9);
  post.writeUInt16LE(status.length, 11);
  return Buffer.concat([post, status, Buffer.from(db), Buffer.from([0]), statement]);
}

describe('event bodies (synthetic)', () => {
  it('parses QUERY status variables and stops at an unknown one', () => {
    const status = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0]), // flags2
      Buffer.from([1]), Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0]), // sql_mode
      Buffer.from([4, 33, 0, 33, 0, 8, 0]), // charset
      Buffer.from([5, 3]), Buffer.from('UTC'), // time zone
      Buffer.from([12, 2]), Buffer.from('a\0b\0'), // updated dbs
      Buffer.from([200, 1, 2, 3]), // unknown: rest skipped
    ]);
    const bytes = binlogFile(true, (off, c) => [event(2, queryBody(Buffer.from('CREATE TABLE t (a INT)'), 'db1', status), off, c)]);
    const q = decodeBytes(bytes)[1]!;
    expect(q).toMatchObject({
      kind: 'query',
      database: 'db1',
      statement: 'CREATE TABLE t (a INT)',
      threadId: 7,
      status: { flags2: 0, sqlMode: 0x20n, charsetClient: 33, collationServer: 8, timeZone: 'UTC', updatedDbNames: ['a', 'b'], unknownCode: 200 },
    });
  });

  it("reads the statement in the session's character_set_client (status variable 4), utf8 without it", () => {
    const statementOf = (bytes: Buffer, client?: number, compressed = false): string | undefined => {
      const status = client === undefined ? Buffer.alloc(0) : Buffer.from([4, client, 0, client, 0, 8, 0]);
      const body = compressed ? Buffer.concat([Buffer.from([0x01, bytes.length]), deflateSync(bytes)]) : bytes;
      const q = decodeBytes(binlogFile(true, (off, c) => [event(compressed ? 165 : 2, queryBody(body, 'db', status), off, c)]))[1];
      return q?.kind === 'query' ? q.statement : undefined;
    };
    // latin1 (MariaDB's is cp1252: 0x80 is the euro sign), as a latin1 client sends it.
    const latin1 = Buffer.from("CREATE TABLE t (`pr\xe9nom` INT, e ENUM('caf\xe9', '\x80'))", 'latin1');
    const expected = "CREATE TABLE t (`prénom` INT, e ENUM('café', '€'))";
    expect(statementOf(latin1, 8)).toBe(expected);
    expect(statementOf(latin1, 8, true)).toBe(expected);
    // cp1251_general_ci (51): 0xC6 is Ж.
    expect(statementOf(Buffer.from([0x27, 0xc6, 0x27]), 51)).toBe("'Ж'");
    // utf8mb4_general_ci (45), and no status variable: utf8.
    expect(statementOf(Buffer.from(expected), 45)).toBe(expected);
    expect(statementOf(Buffer.from(expected))).toBe(expected);
    // dec8 (3): 0xE9 is é.
    expect(statementOf(Buffer.from([0x27, 0xe9, 0x27]), 3)).toBe("'é'");
  });

  it("reads MariaDB 11's character_set_collations (131), written before the charsets (4), and the variables after it", () => {
    // The status block MariaDB 11.4 wrote for a latin1 session with character_set_collations = 'utf8mb4=utf8mb4_general_ci'.
    const status = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0]), // flags2
      Buffer.from([1, 0, 0, 0x20, 0x54, 0, 0, 0, 0]), // sql_mode
      Buffer.from([6, 3]), Buffer.from('std'), // catalog
      Buffer.from([131, 1, 45, 0, 45, 0]), // character_set_collations: utf8mb4 → utf8mb4_general_ci (45)
      Buffer.from([4, 8, 0, 8, 0, 45, 0]), // charsets: latin1 client and connection, utf8mb4_general_ci server
      Buffer.from([129, 11, 0, 0, 0, 0, 0, 0, 0]), // xid
    ]);
    const statement = Buffer.from('CREATE TABLE d.u (`pr\xe9nom` INT)', 'latin1');
    const q = decodeBytes(binlogFile(true, (off, c) => [event(2, queryBody(statement, 'd', status), off, c)]))[1]!;
    expect(q).toMatchObject({
      kind: 'query',
      statement: 'CREATE TABLE d.u (`prénom` INT)',
      status: { sqlMode: 0x54200000n, characterSetCollations: [[45, 45]], charsetClient: 8, collationConnection: 8, collationServer: 45, xid: 11n },
    });
    expect(q.kind === 'query' && q.status.unknownCode).toBeFalsy();
  });

  it("reads gtid_flags3 (130) with the START ALTER sequence number that a COMMIT or ROLLBACK ALTER carries, and the variables after it", () => {
    const statusOf = (flags3: Buffer) => {
      const status = Buffer.concat([Buffer.from([130]), flags3, Buffer.from([4, 8, 0, 8, 0, 45, 0])]);
      const q = decodeBytes(binlogFile(true, (off, c) => [event(2, queryBody(Buffer.from('ALTER TABLE t ADD w INT'), 'd', status), off, c)]))[1]!;
      return q.kind === 'query' ? q.status : undefined;
    };
    // COMMIT ALTER (4) of the START ALTER with sequence number 4 (as MariaDB 10.11 wrote it).
    expect(statusOf(Buffer.from([4, 4, 0, 0, 0, 0, 0, 0, 0]))).toEqual({ gtidFlags3: 4, startAlterSeqNo: 4n, charsetClient: 8, collationConnection: 8, collationServer: 45 });
    expect(statusOf(Buffer.from([8, 0x01, 0x02, 0, 0, 0, 0, 0, 0]))).toMatchObject({ gtidFlags3: 8, startAlterSeqNo: 0x201n, charsetClient: 8 });
    // START ALTER (2): the flags only.
    expect(statusOf(Buffer.from([2]))).toEqual({ gtidFlags3: 2, charsetClient: 8, collationConnection: 8, collationServer: 45 });
  });

  it('inflates MariaDB QUERY_COMPRESSED', () => {
    const text = Buffer.from('INSERT INTO t VALUES (1)');
    const z = deflateSync(text);
    const compressed = Buffer.concat([Buffer.from([0x01, text.length]), z]);
    const bytes = binlogFile(true, (off, c) => [event(165, queryBody(compressed, 'db', Buffer.alloc(0)), off, c)]);
    expect(decodeBytes(bytes)[1]).toMatchObject({ kind: 'query', compressed: true, statement: 'INSERT INTO t VALUES (1)', type: 'MARIA_QUERY_COMPRESSED' });
    const damaged = Buffer.concat([Buffer.from([0x01, text.length]), Buffer.from('not zlib')]);
    const bad = binlogFile(true, (off, c) => [event(165, queryBody(damaged, 'db', Buffer.alloc(0)), off, c)]);
    let err: unknown;
    try {
      decodeBytes(bad);
    } catch (e) {
      err = e;
    }
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_BINLOG_DECOMPRESS');
  });

  it('parses HEARTBEAT_V2, XA_PREPARE and ROTATE', () => {
    const hb = Buffer.concat([Buffer.from([1, 16]), Buffer.from('mysql-bin.000002'), Buffer.from([2, 3, 0xfc, 0x10, 0x27]), Buffer.from([0])]);
    const xa = Buffer.concat([Buffer.from([1]), Buffer.from([1, 0, 0, 0]), Buffer.from([2, 0, 0, 0]), Buffer.from([1, 0, 0, 0]), Buffer.from('abc')]);
    const rot = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('mysql-bin.000002')]);
    const bytes = binlogFile(false, (off, c) => {
      const a = event(41, hb, off, c);
      const b = event(38, xa, off + a.length, c);
      return [a, b, event(4, rot, off + a.length + b.length, c)];
    });
    const [, h, x, r] = decodeBytes(bytes);
    expect(h).toMatchObject({ kind: 'heartbeat', version: 2, logFile: 'mysql-bin.000002', logPosition: 10000n });
    expect(x).toMatchObject({ kind: 'xa_prepare', onePhase: true, formatId: 1 });
    expect(x?.kind === 'xa_prepare' && [x.gtrid.toString(), x.bqual.toString()]).toEqual(['ab', 'c']);
    expect(r).toMatchObject({ kind: 'rotate', nextFile: 'mysql-bin.000002', nextOffset: 4n });
  });

  it('inflates MariaDB compressed rows events', () => {
    const tableMap = Buffer.concat([
      Buffer.from([7, 0, 0, 0, 0, 0, 1, 0]), // table id 7, flags
      Buffer.from([2]), Buffer.from('db\0'),
      Buffer.from([1]), Buffer.from('t\0'),
      Buffer.from([1, 3, 0, 1]), // 1 column LONG, no metadata, nullable
    ]);
    const rowData = Buffer.from([0x00, 42, 0, 0, 0, 0x01]); // row 1: 42; row 2: NULL
    const z = deflateSync(rowData);
    const rows = Buffer.concat([Buffer.from([7, 0, 0, 0, 0, 0, 1, 0]), Buffer.from([1, 0x01]), Buffer.from([0x01, rowData.length]), z]);
    const bytes = binlogFile(true, (off, c) => {
      const a = event(19, tableMap, off, c);
      return [a, event(166, rows, off + a.length, c)];
    });
    const ev = decodeBytes(bytes)[2]!;
    expect(ev).toMatchObject({ kind: 'rows', action: 'insert', compressed: true, database: 'db', table: 't', type: 'MARIA_WRITE_ROWS_COMPRESSED_V1' });
    expect(ev.kind === 'rows' && ev.rows).toEqual([{ after: [42] }, { after: [null] }]);
  });

  it('refuses what follows START_ENCRYPTION', () => {
    const bytes = binlogFile(true, (off, c) => [event(164, Buffer.alloc(17), off, c)]);
    let err: unknown;
    try {
      decodeBytes(bytes);
    } catch (e) {
      err = e;
    }
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_BINLOG_ENCRYPTED');
  });
});

describe.skipIf(!corpusAvailable)('event bodies (fixtures)', () => {
  const decode = (f: string) => decodeBytes(loadFixture(f));

  it('reads MySQL 8 GTID fields and QUERY status', () => {
    const events = decode('rust_mysql_common/binlog-invisible-columns.000001');
    const gtid = events.find((e) => e.kind === 'gtid');
    expect(gtid).toMatchObject({ kind: 'gtid', anonymous: false, tagged: false, immediateServerVersion: 80026 });
    expect(gtid?.kind === 'gtid' && typeof gtid.lastCommitted).toBe('bigint');
    const q = events.find((e) => e.kind === 'query');
    expect(q?.kind === 'query' && q.status.sqlMode !== undefined && q.status.charsetClient !== undefined).toBe(true);
  });

  it('reads the v3 and v1 headers of MySQL 4 and 3.23 files', () => {
    const v3 = decode('mariadb-test-data/suite/binlog/std_data/binlog_old_version_4_1.000001');
    expect(v3[0]).toMatchObject({ kind: 'start_v3', binlogVersion: 3 });
    expect(v3.filter((e) => e.kind === 'query').length).toBe(5);
    const v1 = decode('mariadb-test-data/std_data/master-bin.000001');
    expect(v1.map((e) => e.kind)).toEqual(['start_v3', 'stop']);
  });
});
