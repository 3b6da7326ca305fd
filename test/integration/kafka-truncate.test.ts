/**
 * A truncate concerns every key of a table: with a multi-partition table topic
 * its `op: t` record must reach every partition, so a consumer of any one
 * partition (keyed by primary key) sees it. Against the real broker.
 */
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { BinlogPosition } from '../../src/core/position.js';
import { SILENT_LOG } from '../../src/pipeline/pipeline-log.js';
import { openKafkaSink } from '../../src/sink/kafka-sink.js';

describe('Kafka sink: truncate on every partition (issue 7)', () => {
  it('sends the op t record of a TRUNCATE to each partition of a 3-partition table topic', async () => {
    const brokers = [...inject('kafka').brokers];
    const prefix = `trunc${process.pid}`;
    const sink = await openKafkaSink(
      { kind: 'kafka', brokers, topicPrefix: prefix, params: { partitions: '3' }, redacted: `kafka://${brokers.join(',')}` },
      { clientId: 'trunc-test', log: SILENT_LOG },
    );
    try {
      const at = (o: number) => BinlogPosition.of('mysql-bin.000001', o);
      const rows = [1, 2, 3, 4, 5, 6].map((id, i) => ({
        table: 'shop.t',
        version: { fileNumber: 1, offset: 200n, rowIndex: i },
        op: 'upsert' as const,
        identity: 'primary-key' as const,
        key: { id },
        values: { id, v: id * 10 },
        event: { op: 'c' as const, before: null },
      }));
      await sink.rows({ startPosition: at(100) }, rows);
      await sink.commit({ startPosition: at(100), commitPosition: at(300), commitTimestamp: 1_700_000_000_000 });
      await sink.commit({ startPosition: at(300), commitPosition: at(400), commitTimestamp: 1_700_000_001_000, tableEvents: [{ kind: 'truncate', table: 'shop.t' }] });
      await sink.flush();
    } finally {
      await sink.close();
    }
    const kafka = new Kafka({ clientId: 'trunc-check', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${prefix}.shop.t`;
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets).toHaveLength(3);
    const consumer = kafka.consumer({ groupId: `trunc-check-${process.pid}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const truncatesPerPartition = new Map<number, number>();
    let seen = 0;
    const total = offsets.reduce((n, o) => n + Number(o.high), 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen} of ${total} records read`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen++;
          const v = JSON.parse(message.value?.toString() ?? '{}') as { op?: string };
          if (v.op === 't') truncatesPerPartition.set(partition, (truncatesPerPartition.get(partition) ?? 0) + 1);
          if (seen >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect([...truncatesPerPartition.entries()].sort()).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(total).toBe(6 + 3);
  }, 60_000);
});
