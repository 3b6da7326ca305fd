import { describe, expect, it } from 'vitest';
import { EventFlag, EventType } from '../protocol/binlog/event-types.js';
import { fdeBody, header } from '../protocol/binlog/test-events.test-util.js';
import { StreamState } from './server-source.js';

const FOUR_GB = 0x1_0000_0000;

/** A raw stream event of `type` with `body`, its header's log_pos as a server writes it. */
function raw(type: number, body: Buffer, logPos: number, flags = 0): Buffer {
  return Buffer.concat([header(type, 19 + body.length, logPos, flags), body]);
}

function queryBody(statement: string): Buffer {
  const post = Buffer.alloc(13);
  post[8] = 1; // db length
  return Buffer.concat([post, Buffer.from('t\0', 'latin1'), Buffer.from(statement, 'latin1')]);
}

function xidBody(xid: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(xid);
  return b;
}

describe('server source positions', () => {
  it('past 4 GB of a file, where log_pos wraps modulo 2^32 or is 0, positions follow from the events', () => {
    const state = new StreamState({ host: 'x', port: 1, user: 'u', password: '', serverId: 1, start: { kind: 'position', position: undefined as never } } as never, undefined, 'NONE');
    const start = FOUR_GB - 50;
    const rotate = Buffer.alloc(8);
    rotate.writeBigUInt64LE(BigInt(start));
    const stream: Buffer[] = [
      // At connect: an artificial rotate to the requested position, then the file's format description.
      raw(EventType.ROTATE, Buffer.concat([rotate, Buffer.from('mysql-bin.000007', 'latin1')]), 0, EventFlag.ARTIFICIAL),
      raw(EventType.FORMAT_DESCRIPTION, fdeBody('11.4.5-MariaDB-log', 0), 0),
    ];
    // Two transactions from 50 bytes before 4 GB (the first XID crosses it): log_pos = end of the event modulo 2^32, or 0
    // inside a transaction written from the transaction cache (as MariaDB 11.4 does).
    const bodies: [number, Buffer, 'wrap' | 'zero'][] = [
      [EventType.QUERY, queryBody('BEGIN'), 'wrap'],
      [EventType.XID, xidBody(1n), 'wrap'],
      [EventType.QUERY, queryBody('BEGIN'), 'zero'],
      [EventType.QUERY, queryBody('INSERT INTO t.a VALUES (1)'), 'zero'],
      [EventType.XID, xidBody(2n), 'wrap'],
    ];
    let offset = start;
    const expected: [number, number][] = [];
    for (const [type, body, logPos] of bodies) {
      const end = offset + 19 + body.length;
      stream.push(raw(type, body, logPos === 'zero' ? 0 : end % FOUR_GB));
      expected.push([offset, end]);
      offset = end;
    }
    const events = stream.flatMap((r) => [...state.decode(r)]).filter((e) => e.kind !== 'format_description');
    expect(events.map((e) => [Number(e.pos.offset), Number(e.nextPos.offset)])).toEqual(expected);
    expect(events.map((e) => e.kind)).toEqual(['query', 'xid', 'query', 'query', 'xid']);
    expect(events.every((e) => e.pos.file === 'mysql-bin.000007')).toBe(true);
    // The first commit ends past 4 GB; resuming from it is from there, not from its wrapped log_pos.
    expect(Number(state.track(events[0]!) ?? -1)).toBe(-1);
    expect(state.track(events[1]!)?.offset).toBe(BigInt(expected[1]![1]));
    expect(expected[1]![1]).toBeGreaterThan(FOUR_GB);
  });
});
