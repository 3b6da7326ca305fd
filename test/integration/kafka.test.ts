/**
 * Proves the test Kafka broker works end to end with the client binsnap uses:
 * kafkajs creates a topic, an idempotent producer writes 100 keyed messages,
 * and a consumer group reads every one of them back exactly once, in order
 * within each partition.
 *
 * The broker comes from the integration global setup (test/harness).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';

const MESSAGES = 100;
const PARTITIONS = 3;
const KEYS = 7;

describe('kafka broker', () => {
  // From the integration global setup: the environment's brokers, a container or the local broker.
  const brokers = inject('kafka').brokers;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
  }, 60_000);

  it('delivers 100 keyed messages exactly once and in order per partition', async () => {
    const kafka = new Kafka({ clientId: 'binsnap-kafka-test', brokers, logLevel: logLevel.ERROR });
    const topic = `binsnap-it-${randomUUID()}`;

    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      expect(created).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
    } finally {
      await admin.disconnect();
    }

    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent = Array.from({ length: MESSAGES }, (_, i) => ({ key: `key-${i % KEYS}`, value: `value-${i}` }));
    // Two sends in sequence, so ordering across requests is exercised too.
    const half = MESSAGES / 2;
    const metadata = [
      ...(await producer.send({ topic, messages: sent.slice(0, half) })),
      ...(await producer.send({ topic, messages: sent.slice(half) })),
    ];
    expect(metadata.every((m) => m.errorCode === 0)).toBe(true);

    interface Received {
      key: string;
      value: string;
      partition: number;
      offset: bigint;
    }
    const received: Received[] = [];
    consumer = kafka.consumer({ groupId: `binsnap-it-group-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let allIn: () => void = () => undefined;
    const gotAll = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          partition,
          offset: BigInt(message.offset),
        });
        if (received.length >= MESSAGES) allIn();
      },
    });
    await Promise.race([
      gotAll,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${received.length} of ${MESSAGES} messages arrived within 60 s`)), 60_000),
      ),
    ]);
    // Give a duplicate, if any, the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1_000));

    // Exactly once: the multiset of key/value pairs matches what was sent.
    expect(received).toHaveLength(MESSAGES);
    const asPairs = (xs: { key: string; value: string }[]): string[] => xs.map((x) => `${x.key}=${x.value}`).sort();
    expect(asPairs(received)).toEqual(asPairs(sent));

    // In order per partition: offsets and send order both strictly increase,
    // and every key stays on one partition.
    const seq = (value: string): number => Number(value.slice('value-'.length));
    const byPartition = new Map<number, Received[]>();
    const partitionOfKey = new Map<string, number>();
    for (const r of received) {
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
      expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOfKey.set(r.key, r.partition);
    }
    for (const list of byPartition.values()) {
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const cur = list[i]!;
        expect(cur.offset > prev.offset).toBe(true);
        expect(seq(cur.value)).toBeGreaterThan(seq(prev.value));
      }
    }
  }, 120_000);
});
