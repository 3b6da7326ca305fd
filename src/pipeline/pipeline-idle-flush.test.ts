/**
 * The daemon's idle flush: a committed transaction waiting for its batch is
 * written once the source has had nothing for a moment, without waiting for
 * the next commit or a heartbeat; and a write the idle timer started never
 * overlaps the loop's own writes.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinlogPosition } from '../core/position.js';
import type { DecodedEvent, EventBody } from '../protocol/binlog/events.js';
import { MemoryStore, type CommittedTransaction } from '../store/index.js';
import { emptyCatalog } from './ddl/index.js';
import { SILENT_LOG } from './pipeline-log.js';
import { runPipeline } from './pipeline.js';

const FILE = 'mysql-bin.000001';

/** Empty transactions (BEGIN … XID), 100 bytes per event. */
function transactions(n: number): DecodedEvent[] {
  const out: DecodedEvent[] = [];
  let at = 4;
  const add = (body: EventBody): void => {
    const pos = at;
    at += 100;
    out.push({
      type: body.kind.toUpperCase(),
      typeCode: 0,
      timestamp: 1_700_000_000,
      serverId: 1,
      eventSize: 100,
      logPos: at,
      flags: 0,
      pos: BinlogPosition.of(FILE, pos),
      nextPos: BinlogPosition.of(FILE, at),
      inPayload: false,
      ...body,
    } as DecodedEvent);
  };
  for (let i = 0; i < n; i++) {
    add({ kind: 'query', threadId: 7, execTime: 0, database: 'db', errorCode: 0, statement: 'BEGIN', status: {}, compressed: false } as EventBody);
    add({ kind: 'xid', xid: BigInt(i + 1) });
  }
  return out;
}

/** A store whose writes take a while and record whether two ever overlapped. */
class SlowStore extends MemoryStore {
  writing = false;
  overlapped = false;
  writes = 0;
  readonly commits: bigint[] = [];
  override async apply(batch: readonly CommittedTransaction[]): Promise<void> {
    if (this.writing) this.overlapped = true;
    for (const t of batch) this.commits.push(t.commitPosition.offset);
    this.writing = true;
    await sleep(30);
    this.writing = false;
    this.writes++;
    return super.apply(batch);
  }
}

describe('the pipeline writes pending commits when the source falls quiet', () => {
  it('with idleFlushMs, the first commit is durable before the source sends anything else', async () => {
    const events = transactions(2);
    const checkpoints: Array<{ offset: bigint; at: number }> = [];
    const pausedAt: number[] = [];
    const store = new MemoryStore();
    await runPipeline({
      store,
      catalog: emptyCatalog(),
      log: SILENT_LOG,
      batchDelayMs: 60_000,
      idleFlushMs: 20,
      onCheckpoint: (c) => checkpoints.push({ offset: c.position.offset, at: Date.now() }),
      events: async function* () {
        yield events[0]!;
        yield events[1]!;
        // The source has nothing for 500 ms (no heartbeat either).
        pausedAt.push(Date.now());
        await sleep(500);
        yield events[2]!;
        yield events[3]!;
      },
    });
    // The first transaction's checkpoint came during the pause, within a few ticks.
    expect(checkpoints.map((c) => c.offset)).toEqual([204n, 404n]);
    const delay = checkpoints[0]!.at - pausedAt[0]!;
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(300);
  });

  it('without it, the commit waits for the next event (the batch limits of replay)', async () => {
    const events = transactions(2);
    const checkpoints: bigint[] = [];
    let flushedDuringPause = false;
    await runPipeline({
      store: new MemoryStore(),
      catalog: emptyCatalog(),
      log: SILENT_LOG,
      batchDelayMs: 60_000,
      onCheckpoint: (c) => checkpoints.push(c.position.offset),
      events: async function* () {
        yield events[0]!;
        yield events[1]!;
        await sleep(200);
        flushedDuringPause = checkpoints.length > 0;
        yield events[2]!;
        yield events[3]!;
      },
    });
    expect(flushedDuringPause).toBe(false);
    expect(checkpoints).toEqual([404n]);
  });

  it('an idle write and the loop never write at the same time, and every transaction lands once, in order', async () => {
    const events = transactions(40);
    const store = new SlowStore();
    const result = await runPipeline({
      store,
      catalog: emptyCatalog(),
      log: SILENT_LOG,
      batchDelayMs: 10,
      idleFlushMs: 5,
      events: async function* () {
        // Bursts and pauses around the tick, so idle writes start while events keep coming.
        for (let i = 0; i < events.length; i++) {
          if (i % 6 === 5) await sleep(12);
          yield events[i]!;
        }
      },
    });
    expect(store.overlapped).toBe(false);
    expect(store.writes).toBeGreaterThan(3);
    expect(result.transactions).toBe(40);
    expect((await store.checkpoint())?.position.offset).toBe(BigInt(4 + 80 * 100));
    expect(store.commits).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(4 + (2 * i + 2) * 100)));
  });

  it('a failed idle write stops the pipeline at the next event it gets (a heartbeat), with that error, and nothing after it is written', async () => {
    const events = transactions(2);
    const heartbeat = { ...events[1]!, kind: 'heartbeat', type: 'HEARTBEAT' } as unknown as DecodedEvent;
    class FailingStore extends MemoryStore {
      override async apply(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const t0 = Date.now();
    const run = runPipeline({
      store: new FailingStore(),
      catalog: emptyCatalog(),
      log: SILENT_LOG,
      batchDelayMs: 60_000,
      idleFlushMs: 10,
      events: async function* () {
        yield events[0]!;
        yield events[1]!;
        await sleep(100); // the idle write fails here
        yield heartbeat;
        await sleep(10_000); // a quiet source: nothing else would wake the pipeline
        yield events[2]!;
      },
    });
    await expect(run).rejects.toThrow('disk full');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
