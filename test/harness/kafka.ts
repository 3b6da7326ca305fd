/**
 * A throwaway single-node Kafka broker (KRaft, broker and controller in one
 * JVM) for integration tests, run from Apache Kafka's jars with the machine's
 * Java.
 *
 * Why: there is no Docker engine here and no Kafka package in Debian, but the
 * broker's jars are on Maven Central. scripts/install-kafka.sh caches them once
 * per machine; startKafka() writes a server.properties into a fresh temp dir,
 * formats the storage, starts `kafka.Kafka` as a child process and returns once
 * a kafkajs admin client has created a topic on it. stop() shuts it down and
 * removes the temp dir. Nothing here depends on vitest, so the global setup (or
 * any script) can call it.
 *
 * With `saslSsl` the broker also has a SASL_SSL listener (TLS from a PKCS#12
 * keystore; SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for the given users,
 * the SCRAM credentials written into the metadata log when the storage is
 * formatted). The PLAINTEXT listener stays: the harness's readiness probe and
 * inter-broker traffic use it.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { findFreePort } from './ports.js';

export interface KafkaServer {
  /** bootstrap addresses, `host:port` */
  readonly brokers: string[];
  /** bootstrap addresses of the SASL_SSL listener (only with the `saslSsl` option) */
  readonly saslSslBrokers?: string[];
  /** one line saying where the broker came from and how long it took */
  readonly how: string;
  /** Stop the broker (SIGTERM, SIGKILL after 15 s) and remove its temp dir. */
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const installScript = path.join(repoRoot, 'scripts', 'install-kafka.sh');
const pomFile = path.join(repoRoot, 'scripts', 'kafka', 'pom.xml');

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
const READY_TOPIC = '__binsnap_harness_ready';

// Small heap, serial GC and C1 only: a test broker handles little traffic, and
// on a 2-core machine these cut JVM start-up noticeably.
const JVM_FLAGS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-Djava.awt.headless=true',
];

/** The Kafka version to run: BINSNAP_KAFKA_VERSION, else <kafka.version> of the pom. */
function kafkaVersion(): string {
  const fromEnv = process.env.BINSNAP_KAFKA_VERSION;
  if (fromEnv) return fromEnv;
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'));
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${pomFile}`);
  return match[1].trim();
}

/** Same layout as scripts/install-kafka.sh. */
function cachePaths(version: string): { libs: string; marker: string; mainJar: string } {
  const root = process.env.BINSNAP_CACHE_DIR || path.join(os.homedir(), '.cache', 'binsnap');
  const home = path.join(root, `kafka-${version}`);
  const libs = path.join(home, 'libs');
  return { libs, marker: path.join(home, '.complete'), mainJar: path.join(libs, `kafka_2.13-${version}.jar`) };
}

function javaBinary(): string {
  const javaHome = process.env.JAVA_HOME;
  if (javaHome) {
    const candidate = path.join(javaHome, 'bin', 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

async function ensureJars(version: string, log: (msg: string) => void): Promise<string> {
  const { libs, marker, mainJar } = cachePaths(version);
  if (existsSync(marker) && existsSync(mainJar)) return libs;
  log(`kafka: jars for ${version} not cached, running scripts/install-kafka.sh`);
  try {
    const { stdout } = await execFileAsync('bash', [installScript], {
      env: { ...process.env, BINSNAP_KAFKA_VERSION: version },
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = stdout.trim();
    if (line) log(line);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/install-kafka.sh failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
  if (!existsSync(mainJar)) throw new Error(`install-kafka.sh finished but ${mainJar} is missing`);
  return libs;
}

/**
 * 16 random bytes, URL-safe base64 without padding: the form Kafka cluster ids take. One that
 * starts with '-' would be read by kafka-storage's argument parser as an option, so the first
 * character is kept alphanumeric.
 */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export interface KafkaSaslSslOptions {
  /** PKCS#12 keystore holding the broker's key and certificate chain. */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
  /** Users accepted by PLAIN and (credentials made at format time) by SCRAM-SHA-256/512. Plain names and passwords: [A-Za-z0-9_-]. */
  readonly users: readonly { readonly name: string; readonly password: string }[];
}

export interface StartKafkaOptions {
  readonly tmpRoot: string;
  readonly log: (msg: string) => void;
  readonly saslSsl?: KafkaSaslSslOptions;
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

function saslSslProperties(s: KafkaSaslSslOptions): string[] {
  for (const u of s.users) {
    // They go into JAAS text and the format tool's arguments unquoted.
    if (!/^[A-Za-z0-9_-]+$/.test(u.name) || !/^[A-Za-z0-9_-]+$/.test(u.password)) throw new Error(`kafka: SASL user ${u.name}: use only [A-Za-z0-9_-] in test names and passwords`);
  }
  const plainUsers = s.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  return [
    `sasl.enabled.mechanisms=PLAIN,${SCRAM_MECHANISMS.join(',')}`,
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    ...SCRAM_MECHANISMS.map((m) => `listener.name.sasl_ssl.${m.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`),
    'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
    `listener.name.sasl_ssl.ssl.keystore.location=${s.keystoreFile}`,
    `listener.name.sasl_ssl.ssl.keystore.password=${s.keystorePassword}`,
    `listener.name.sasl_ssl.ssl.key.password=${s.keystorePassword}`,
  ];
}

function serverProperties(o: { version: string; port: number; controllerPort: number; saslSslPort?: number; saslSsl?: KafkaSaslSslOptions; dataDir: string }): string {
  const sasl = o.saslSsl !== undefined && o.saslSslPort !== undefined;
  const extraListener = sasl ? `,SASL_SSL://127.0.0.1:${o.saslSslPort}` : '';
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    // A static voter set works on 3.x and 4.x alike and needs no --standalone
    // when formatting.
    `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}${extraListener}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}${extraListener}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? ',SASL_SSL:SASL_SSL' : ''}`,
    `log.dirs=${o.dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.num.partitions=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=2',
    'num.recovery.threads.per.data.dir=1',
    'log.retention.check.interval.ms=600000',
  ];
  if (o.saslSsl !== undefined && sasl) lines.push(...saslSslProperties(o.saslSsl));
  if (Number(o.version.split('.')[0]) >= 4) {
    lines.push('share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1');
  }
  return lines.join('\n') + '\n';
}

// Broker log goes to stdout (and from there to broker.log); WARN keeps it short.
const LOG4J_PROPERTIES = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  '',
].join('\n');

async function lastLines(file: string, n: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no broker log)');
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/**
 * Ask the broker, through kafkajs, to create a topic and list it back; then
 * warm what the first test would otherwise wait on: an idempotent producer
 * (the broker must have a block of producer ids from the controller) and the
 * group coordinator (__consumer_offsets must exist and be loaded).
 */
async function readinessProbe(port: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'binsnap-harness',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 5 },
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await admin.connect();
    const existing = await admin.listTopics();
    if (!existing.includes(READY_TOPIC)) {
      await admin.createTopics({ topics: [{ topic: READY_TOPIC, numPartitions: 1 }], waitForLeaders: true, timeout: 5_000 });
    }
    const topics = await admin.listTopics();
    if (!topics.includes(READY_TOPIC)) throw new Error(`${READY_TOPIC} not listed yet`);
    await producer.connect();
    await producer.send({ topic: READY_TOPIC, messages: [{ key: 'ready', value: 'ready' }] });
    await admin.fetchOffsets({ groupId: 'binsnap-harness-ready', topics: [READY_TOPIC] });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

class BrokerStartError extends Error {
  constructor(
    message: string,
    readonly portClash: boolean,
  ) {
    super(message);
    this.name = 'BrokerStartError';
  }
}

/**
 * Start a single-node KRaft broker on free ports of 127.0.0.1 in a fresh temp
 * dir under `opts.tmpRoot`; resolve once it accepts and creates topics.
 */
export async function startKafka(opts: StartKafkaOptions): Promise<KafkaServer> {
  const version = kafkaVersion();
  const libs = await ensureJars(version, opts.log);
  const t0 = Date.now();
  // Ports are picked free but released before the JVM binds them; on the rare
  // clash, try once more with new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ ...opts, version, libs, t0 });
    } catch (err) {
      if (!(err instanceof BrokerStartError) || !err.portClash || attempt >= 2) throw err;
      opts.log('kafka: port taken before the broker bound it, retrying with new ports');
    }
  }
}

async function startOnce(o: StartKafkaOptions & {
  version: string;
  libs: string;
  t0: number;
}): Promise<KafkaServer> {
  const dir = await mkdtemp(path.join(o.tmpRoot, 'kafka-'));
  const dataDir = path.join(dir, 'data');
  const propsFile = path.join(dir, 'server.properties');
  const log4jFile = path.join(dir, 'log4j.properties');
  const logFile = path.join(dir, 'broker.log');
  const port = await findFreePort();
  let controllerPort = await findFreePort();
  while (controllerPort === port) controllerPort = await findFreePort();
  let saslSslPort: number | undefined;
  if (o.saslSsl) {
    saslSslPort = await findFreePort();
    while (saslSslPort === port || saslSslPort === controllerPort) saslSslPort = await findFreePort();
  }

  await writeFile(propsFile, serverProperties({ version: o.version, port, controllerPort, saslSslPort, saslSsl: o.saslSsl, dataDir }));
  await writeFile(log4jFile, LOG4J_PROPERTIES);

  const java = javaBinary();
  const classpath = `${o.libs}${path.sep}*`;
  const jvm = [...JVM_FLAGS, `-Dlog4j.configuration=file:${log4jFile}`, '-cp', classpath];

  try {
    const scram = (o.saslSsl?.users ?? []).flatMap((u) => SCRAM_MECHANISMS.flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
    await execFileAsync(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', randomClusterId(), '-c', propsFile, ...scram], {
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
    await rm(dir, { recursive: true, force: true });
    if (e.code === 'ENOENT') throw new Error(`kafka: ${java} not found; install Java 17 (openjdk-17-jre-headless) or set JAVA_HOME`);
    throw new Error(`kafka storage format failed: ${[e.stdout, e.stderr].join('\n').trim() || e.message}`);
  }

  const logHandle = await open(logFile, 'a');
  const child = spawn(java, [...jvm, 'kafka.Kafka', propsFile], {
    cwd: dir,
    stdio: ['ignore', logHandle.fd, logHandle.fd],
  });
  // The child holds its own copy of the descriptor.
  await logHandle.close();

  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // If node exits without stop() (a crash, process.exit in a test), take the
  // broker down with it. Signals that kill node outright cannot be caught here.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, STOP_GRACE_MS))) {
          o.log(`kafka: broker did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM, sending SIGKILL`);
          child.kill('SIGKILL');
          await waitForExit(child, 5_000);
        }
      }
      process.off('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const fail = async (why: string): Promise<never> => {
    const tail = await lastLines(logFile, 30);
    await stop();
    const portClash = /BindException|Address already in use/.test(tail);
    throw new BrokerStartError(`kafka: ${why}\n--- last 30 lines of broker.log ---\n${tail}`, portClash);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const exited = (): boolean => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
  const exitReason = (): string =>
    spawnError ? `could not start ${java}: ${spawnError.message}` : `broker exited early (code ${child.exitCode}, signal ${child.signalCode})`;

  while (!(await portAccepts(port))) {
    if (exited()) return fail(exitReason());
    if (Date.now() > deadline) return fail(`port ${port} did not accept within ${READY_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
  const portMs = Date.now() - o.t0;

  let lastError = '';
  for (;;) {
    if (exited()) return fail(exitReason());
    try {
      await readinessProbe(port);
      break;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      return fail(`kafkajs could not create a topic, produce and find the group coordinator within ${READY_TIMEOUT_MS / 1000} s (last error: ${lastError})`);
    }
    await sleep(200);
  }

  const readyMs = Date.now() - o.t0;
  const how = `local Kafka ${o.version} (KRaft, jars from Maven Central) on 127.0.0.1:${port}, ready in ${(readyMs / 1000).toFixed(1)} s (port open after ${(portMs / 1000).toFixed(1)} s)`;
  o.log(`kafka: ${how}`);
  return {
    brokers: [`127.0.0.1:${port}`],
    ...(saslSslPort === undefined ? {} : { saslSslBrokers: [`127.0.0.1:${saslSslPort}`] }),
    how: saslSslPort === undefined ? how : `${how}, SASL_SSL on 127.0.0.1:${saslSslPort}`,
    stop,
  };
}
