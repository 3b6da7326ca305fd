/**
 * `binsnap run --sink kafka://…` (issue 7 item 2, "Must show"): the daemon
 * tails the throwaway replica while a seeded workload (DDL, renames, swaps,
 * truncates, drops, a table without a primary key, a big transaction) runs on
 * the primary, and is killed with SIGKILL a few times mid-stream. Afterwards a
 * kafkajs consumer reads every topic of the prefix from the beginning and
 * rebuilds the tables by applying the envelopes in position order (c/u/r
 * upsert by key, d delete, t clear; create/drop/rename from the
 * schema-changes topic), dropping duplicates by position:
 * - the rebuilt tables equal the replica's SELECT exactly;
 * - every duplicate was written by a restarted daemon and lies at or after
 *   the store checkpoint at the kill before it (redelivery is limited to
 *   unacknowledged, un-checkpointed transactions).
 *
 * A second test runs its own single-node broker (the shared one cannot be
 * restarted: the harness's stop() deletes its data) and stops it for 30 s
 * during a workload: the daemon keeps retrying, its checkpoint does not move
 * while the broker is down, and once the broker is back the topics again
 * rebuild the replica exactly. It is skipped when the broker jars are not
 * cached locally (brokers from the environment or a container).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkpointOf, masterPosition, startDaemon, type Run } from '../harness/cli.js';
import { connect, waitForReplica, type MariadbInfo } from '../harness/mariadb.js';
import { findFreePort } from '../harness/ports.js';
import { waitForExit } from '../harness/process.js';
import { snapshotTables } from '../harness/select-values.js';
import { binlogPos as pos, comparePositions as cmp, consumeAll, dedup, endOffsets, parsePosition, rebuild, topicsOf, type Received } from '../harness/kafka-rebuild.js';
import { runWorkload, Rng } from '../harness/workload.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const built = existsSync(path.join(root, 'dist/bundle/main.js'));
const KILLS = Number(process.env['BINSNAP_TEST_SINK_KILLS'] ?? 4);

const KAFKA_VERSION =
  process.env['BINSNAP_KAFKA_VERSION'] ?? /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(path.join(root, 'scripts/kafka/pom.xml'), 'utf8'))![1]!.trim();
const KAFKA_LIBS = path.join(process.env['BINSNAP_CACHE_DIR'] || path.join(os.homedir(), '.cache', 'binsnap'), `kafka-${KAFKA_VERSION}`, 'libs');
const haveJars = existsSync(path.join(KAFKA_LIBS, `kafka_2.13-${KAFKA_VERSION}.jar`));

/** A single-node KRaft broker that can be stopped and started again on the same ports and data. */
class RestartableBroker {
  private child: ChildProcess | undefined;
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(tmp: string): Promise<RestartableBroker> {
    const dir = await mkdtemp(path.join(tmp, 'broker-'));
    const port = await findFreePort();
    let controller = await findFreePort();
    while (controller === port) controller = await findFreePort();
    const props = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ];
    await writeFile(path.join(dir, 'server.properties'), props.join('\n') + '\n');
    await writeFile(path.join(dir, 'log4j.properties'), 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n');
    const b = new RestartableBroker(dir, port);
    await promisify(execFile)(b.java(), [...b.jvm(), 'kafka.tools.StorageTool', 'format', '-t', 'Qm2ZbXhYRm2xgq0mI5m3Fw', '-c', path.join(dir, 'server.properties')]);
    return b;
  }

  private java(): string {
    const home = process.env['JAVA_HOME'];
    return home && existsSync(path.join(home, 'bin', 'java')) ? path.join(home, 'bin', 'java') : 'java';
  }

  private jvm(): string[] {
    return ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${path.join(this.dir, 'log4j.properties')}`, '-cp', `${KAFKA_LIBS}${path.sep}*`];
  }

  async start(): Promise<void> {
    const log = await open(path.join(this.dir, 'broker.log'), 'a');
    this.child = spawn(this.java(), [...this.jvm(), 'kafka.Kafka', path.join(this.dir, 'server.properties')], { cwd: this.dir, stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    const kafka = new Kafka({ clientId: 'binsnap-broker-probe', brokers: [`127.0.0.1:${this.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the test broker did not come up: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  }
}

describe.skipIf(!built)('binsnap run --sink kafka (issue 7)', () => {
  const primary = inject('mariadb');
  const maybeReplica = inject('replica');
  if (!maybeReplica) throw new Error('the test servers include no replica');
  const replica: MariadbInfo = maybeReplica;
  const brokers = inject('kafka').brokers;
  const kafka = new Kafka({ clientId: 'binsnap-sink-test', brokers, logLevel: logLevel.NOTHING });
  let dir = '';
  const db = `ksink_${process.pid}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'kafka-sink-'));
  });

  afterAll(async () => {
    const c = await connect(primary);
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``).finally(() => c.end());
  });

  async function expectRebuildEqualsReplica(records: readonly Received[], prefix: string, database: string): Promise<void> {
    const rebuilt = rebuild(records, `${prefix}.schema-changes`);
    const rc = await connect(replica);
    const [tablesRows] = await rc.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [database]);
    const tables = (tablesRows as Array<{ t: string }>).map((r) => `${database}.${r.t}`).sort();
    const live = await snapshotTables(rc, tables);
    await rc.end();
    expect(tables.length).toBeGreaterThan(2);
    const rebuiltNames = [...rebuilt.keys()].filter((t) => t.startsWith(`${database}.`)).sort();
    expect(rebuiltNames).toEqual(tables);
    for (const t of tables) {
      const got: string[] = [];
      for (const e of rebuilt.get(t)!.values()) for (let i = 0; i < e.count; i++) got.push(JSON.stringify(e.row));
      const want = (live[t] ?? []).map((r) => JSON.stringify(r));
      expect(got.sort(), `${t} rebuilt from Kafka`).toEqual(want.sort());
    }
  }

  it(
    'a consumer of the topics rebuilds the replica exactly; kill -9 duplicates only records at or after the checkpoint',
    async () => {
      const prefix = `t${Date.now().toString(36)}${process.pid}`;
      const sink = `kafka://${brokers.join(',')}?topicPrefix=${prefix}`;
      const store = path.join(dir, 'sink.db');
      const start = await masterPosition(replica);
      const conn = await connect(primary);
      let finished = false;
      // Paced (a pause at every checkpoint of the workload) so that the kills land while it runs.
      const workload = runWorkload(conn, {
        seed: 23,
        transactions: 200,
        db,
        bigRows: 5_000,
        checkpointEvery: 20,
        onCheckpoint: () => new Promise((r) => setTimeout(r, 400)),
      }).finally(() => {
        finished = true;
      });

      // Runs killed with SIGKILL; after each, the store checkpoint and the topics' end offsets.
      const kills: Array<{ checkpoint: string | null; ends: Map<string, Map<number, bigint>>; midWorkload: boolean }> = [];
      const rng = new Rng(5);
      try {
      while (kills.length < KILLS) {
        const cp = await checkpointOf(store);
        const d = startDaemon(['--source', replica.url, ...(cp === null ? ['--from', start] : []), '--store', store, '--server-id', '4201', '--sink', sink]);
        await new Promise((r) => setTimeout(r, 700 + Math.floor(rng.float() * 1_500)));
        const midWorkload = !finished;
        d.child.kill('SIGKILL');
        const r = await d.done;
        await waitForExit(d.child.pid ?? 0, 2000);
        expect(r.err).not.toMatch(/BINSNAP_E_/);
        kills.push({ checkpoint: await checkpointOf(store), ends: await endOffsets(kafka, prefix), midWorkload });
        if (finished && kills.length >= 2) break;
      }
      } finally {
        // Also when an expectation failed: the workload must not outlive the test.
        await workload.catch(() => undefined);
        await conn.end();
      }
      await workload;
      expect(kills.some((k) => k.midWorkload), 'no kill happened while the workload ran').toBe(true);
      await waitForReplica(primary, replica);
      const end = await masterPosition(replica);

      // A last run applies the rest and stops by itself at the end position.
      const cp = await checkpointOf(store);
      const last = await startDaemon(['--source', replica.url, ...(cp === null ? ['--from', start] : []), '--store', store, '--server-id', '4201', '--sink', sink, '--until', end]).done;
      expect(last.code, last.err).toBe(0);
      expect(await topicsOf(kafka, prefix)).toContain(`${prefix}.schema-changes`);

      const records = await consumeAll(kafka, prefix);
      expect(records.length).toBeGreaterThan(1000);
      // Row records name the server that executed the change: the primary (server_id 1), through the replica.
      const rowServerIds = new Set(records.filter((r) => r.value.op !== undefined && r.value.op !== 't').map((r) => r.value.source.server_id));
      expect([...rowServerIds]).toEqual([primary.serverId]);

      // Duplicates by (topic, position); which run wrote each record, from the end offsets at each kill.
      const runOf = (r: Received): number => kills.filter((k) => r.offset >= (k.ends.get(r.topic)?.get(r.partition) ?? 0n)).length;
      const first = new Map<string, Received>();
      const unique: Received[] = [];
      let duplicates = 0;
      for (const r of [...records].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))) {
        const id = `${r.topic}|${r.value.source.file}:${r.value.source.pos}:${r.value.source.row}`;
        const seen = first.get(id);
        if (!seen) {
          first.set(id, r);
          unique.push(r);
          continue;
        }
        duplicates++;
        const run = runOf(r);
        expect(run, `duplicate ${id} written by the first run`).toBeGreaterThan(0);
        expect(runOf(seen), `duplicate ${id} within one run`).toBeLessThan(run);
        const checkpointAtKill = kills[run - 1]!.checkpoint;
        expect(checkpointAtKill, `duplicate ${id} before any checkpoint`).not.toBeNull();
        expect(
          cmp(pos(r.value.source.file, r.value.source.pos), parsePosition(checkpointAtKill!)),
          `duplicate ${id} lies before the checkpoint ${checkpointAtKill} at kill ${run}`,
        ).toBeGreaterThanOrEqual(0);
      }
      console.log(`kafka sink: ${records.length} records, ${duplicates} duplicates after ${kills.length} kills`);

      // Rebuild and compare with the replica.
      await expectRebuildEqualsReplica(unique, prefix, db);
    },
    400_000,
  );

  it.skipIf(!haveJars)(
    'the broker is down for 30 s during a workload: the daemon retries, the checkpoint stays, nothing is lost',
    async () => {
      const broker = await RestartableBroker.create(dir);
      const db2 = `${db}_down`;
      const conn = await connect(primary);
      let daemon: { child: ChildProcess; done: Promise<Run> } | undefined;
      try {
        await broker.start();
        const own = new Kafka({ clientId: 'binsnap-sink-test-down', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
        const prefix = `d${Date.now().toString(36)}`;
        const store = path.join(dir, 'down.db');
        const start = await masterPosition(replica);
        daemon = startDaemon(['--source', replica.url, '--from', start, '--store', store, '--server-id', '4202', '--sink', `kafka://127.0.0.1:${broker.port}?topicPrefix=${prefix}`]);
        let held: string | null = null;
        const workload = runWorkload(conn, { seed: 31, transactions: 200, db: db2, bigRows: 5_000, checkpointEvery: 50 });
        try {
          // Stop the broker once the daemon is streaming: its first transactions are acknowledged and checkpointed.
          const streaming = Date.now() + 30_000;
          while ((await checkpointOf(store)) === null && Date.now() < streaming) await new Promise((r) => setTimeout(r, 200));
          expect(await checkpointOf(store)).not.toBeNull();
          await broker.stop();
          const downAt = Date.now();
          await new Promise((r) => setTimeout(r, 3_000));
          held = await checkpointOf(store);
          await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
          expect(await checkpointOf(store), 'the checkpoint moved while the broker was down').toBe(held);
          expect(daemon.child.exitCode, 'the daemon gave up while the broker was down').toBeNull();
          await broker.start();
        } finally {
          await workload.catch(() => undefined);
        }
        await workload;
        await waitForReplica(primary, replica);
        const end = await masterPosition(replica);
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          const cp = await checkpointOf(store);
          if (cp !== null && cmp(parsePosition(cp), parsePosition(end)) >= 0) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        daemon.child.kill('SIGTERM');
        const r = await daemon.done;
        daemon = undefined;
        expect(r.code, r.err).toBe(0);
        expect(r.err).toMatch(/Kafka sink: (send|create topics) failed, retrying/);
        const cp = await checkpointOf(store);
        expect(cmp(parsePosition(cp!), parsePosition(end))).toBeGreaterThanOrEqual(0);
        // The outage held back real work: the checkpoint during it lay before the workload's end.
        expect(cmp(parsePosition(held!), parsePosition(end))).toBeLessThan(0);
        console.log(`kafka sink: checkpoint held at ${held} during the outage, ${(r.err.match(/failed, retrying/g) ?? []).length} retries, end ${end}`);
        const records = await consumeAll(own, prefix);
        await expectRebuildEqualsReplica(dedup(records), prefix, db2);
      } finally {
        daemon?.child.kill('SIGKILL');
        await conn.query(`DROP DATABASE IF EXISTS \`${db2}\``).catch(() => undefined);
        await conn.end();
        await broker.stop();
      }
    },
    300_000,
  );
});
