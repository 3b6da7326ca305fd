/**
 * `binsnap seed --sink kafka://…`: every seeded row also goes to Kafka as an
 * `op: r` envelope at the seed position, and a consumer rebuilds exactly the
 * source tables from them (issue 7: "seed rows as op r").
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli as run } from '../harness/cli.js';
import { consumeAll, dedup, kafkaClient, rebuild, rowsOf, schemaTopicOf } from '../harness/kafka-rebuild.js';
import { connect } from '../harness/mariadb.js';
import { snapshotTables } from '../harness/select-values.js';


describe('binsnap seed --sink (issue 7)', () => {
  const primary = inject('mariadb');
  const db = `seedsink_${process.pid}`;

  afterAll(async () => {
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``).finally(() => c.end());
  });

  it('sends every seeded row as op r, and the topics rebuild the source tables', async () => {
    const c = await connect(primary);
    await c.query(`CREATE DATABASE \`${db}\``);
    await c.query(`CREATE TABLE \`${db}\`.a (id INT PRIMARY KEY, name VARCHAR(10) CHARACTER SET utf8mb4, amount DECIMAL(6,2))`);
    await c.query(`CREATE TABLE \`${db}\`.b (x INT, y VARCHAR(5))`);
    await c.query(`INSERT INTO \`${db}\`.a VALUES (1,'één',1.50),(2,'two',NULL),(3,'drie',-3.25)`);
    await c.query(`INSERT INTO \`${db}\`.b VALUES (1,'x'),(1,'x'),(2,'y')`);
    const live = await snapshotTables(c, [`${db}.a`, `${db}.b`]);
    await c.end();

    const brokers = [...inject('kafka').brokers];
    const prefix = `seedsink${process.pid}`;
    const store = path.join(await mkdtemp(path.join(inject('tmpRoot'), 'seed-sink-')), 's.db');
    const r = await run(['seed', '--source', primary.url, '--tables', `${db}.*`, '--store', store, '--sink', `kafka://${brokers.join(',')}?topicPrefix=${prefix}`]);
    expect(r.code, r.err).toBe(0);

    const kafka = kafkaClient(brokers, 'seed-sink-check');
    const records = dedup(await consumeAll(kafka, prefix, 30_000));
    const rowRecords = records.filter((rec) => rec.topic !== schemaTopicOf(prefix));
    expect(rowRecords).toHaveLength(6);
    expect(rowRecords.map((rec) => rec.value.op)).toEqual(['r', 'r', 'r', 'r', 'r', 'r']);
    const tables = rebuild(records, schemaTopicOf(prefix));
    for (const t of [`${db}.a`, `${db}.b`]) {
      expect(rowsOf(tables.get(t)), t).toEqual((live[t] ?? []).map((row) => JSON.stringify(row)).sort());
    }
  }, 90_000);
});
