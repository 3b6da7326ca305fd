/**
 * The Kafka sink (SPEC §5, issue 7 item 2): change events of every committed
 * transaction as records (envelope.ts) sent by an idempotent kafkajs producer
 * (acks = all, one request in flight per broker, so each partition keeps the
 * order the records were handed over in).
 *
 * Flow: `rows` keeps a transaction's row changes, `commit` turns them and the
 * transaction's DDL and table events into records (DDL and table events
 * first: they take effect at the transaction's start) and queues them;
 * `flush` creates missing topics and sends the queue in order, resolving only
 * once the brokers acknowledged every record. The pipeline writes its
 * checkpoint only after `flush` resolved, so after a crash what comes again
 * is exactly what was not yet checkpointed; consumers drop the duplicates by
 * source position (every record carries it).
 *
 * Errors: connection loss, timeouts, missing leaders (anything kafkajs calls
 * retriable) are retried inside `flush` with backoff for up to
 * `retryTimeoutMs` (default 5 minutes, URL param `retryTimeoutMs`); after
 * that BINSNAP_E_SINK_UNAVAILABLE (transient). Authentication, authorisation,
 * a broker certificate that fails verification, oversize records and other
 * definite refusals throw BINSNAP_E_SINK_REJECTED at once. A retried send may deliver part of a batch twice (duplicates by
 * position, never a gap). Once `signal` aborts (the daemon stopping) a
 * failing call is not retried any more.
 *
 * A transaction of more than `EARLY_SEND_ROWS` rows (streamed by the
 * pipeline) is sent in parts before its commit is read, so memory stays
 * bounded: those row records have source.ts_ms null. A transaction whose
 * rows arrived but which never commits (the pipeline abandoned it) is
 * dropped when the next transaction's rows or commit arrive.
 *
 * URL params (kafka://host:port[,host2:port]?…): topicPrefix; mechanism
 * (plain | scram-sha-256 | scram-sha-512), username, password (never logged);
 * ssl=true, ssl-ca=FILE (PEM), ssl-reject-unauthorized=false; partitions and
 * replicationFactor of created table topics (broker defaults otherwise; the
 * schema-changes topic always has one partition); retryTimeoutMs.
 */
import { readFileSync } from 'node:fs';
import type * as KafkaJs from 'kafkajs';
import type { Admin, Kafka, LogEntry, Producer, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { SinkLocation } from '../config/values.js';
import type { PipelineLog } from '../pipeline/pipeline-log.js';
import type { RowChange, TransactionEnd, TransactionStart } from '../store/index.js';
import { rowRecord, schemaTopic, transactionEndRecords, TransactionOrder, type EnvelopeContext, type KafkaRecord } from './envelope.js';
import type { Sink } from './sink.js';

export interface KafkaSinkOptions {
  readonly clientId: string;
  readonly log: PipelineLog;
  /** The source server's id, for source.server_id (null when not given). */
  readonly serverId?: number;
  /**
   * Stops the retrying (the daemon's SIGINT/SIGTERM): a flush that cannot
   * reach the brokers then fails at once instead of retrying for minutes. Its
   * records were not acknowledged, so the checkpoint stays before them.
   */
  readonly signal?: AbortSignal;
  /** For tests: the clock of the records' ts_ms. */
  readonly now?: () => number;
}

/** Rows of one transaction held before they are sent ahead of its commit. */
export const EARLY_SEND_ROWS = 100_000;
/**
 * Limits of one produce call (a failed call is retried from its first
 * record): brokers refuse a record batch above message.max.bytes (1 MiB by
 * default), and one call makes one batch per partition.
 */
const SEND_CHUNK_RECORDS = 5_000;
const SEND_CHUNK_BYTES = 768 * 1024;
const DEFAULT_RETRY_MS = 5 * 60_000;

interface OpenTx {
  readonly key: string;
  readonly start: TransactionStart;
  rows: RowChange[];
  readonly order: TransactionOrder;
}

/** Opens the producer and admin client; throws a coded error when the brokers stay unreachable. */
export async function openKafkaSink(location: SinkLocation, opts: KafkaSinkOptions): Promise<Sink> {
  // kafkajs is loaded when a sink is opened: commands without one do not pay for it at startup.
  const kafkajs = await import('kafkajs');
  const sink = new KafkaSink(location, opts, kafkajs);
  await sink.connect();
  return sink;
}

/** The URL without secrets, for logs and messages. */
export function describeSink(location: SinkLocation): string {
  return `kafka://${location.brokers.join(',')}?topicPrefix=${location.topicPrefix}`;
}

function kafkaConfigFrom(location: SinkLocation): { ssl?: ConnectionOptions | boolean; sasl?: SASLOptions } {
  const p = location.params;
  const field = 'sink';
  const out: { ssl?: ConnectionOptions | boolean; sasl?: SASLOptions } = {};
  const ssl = (p['ssl'] ?? '').toLowerCase();
  const ca = p['ssl-ca'] ?? p['sslCa'];
  if (ssl === 'true' || ssl === '1' || ca !== undefined) {
    const tls: ConnectionOptions = {};
    if (ca !== undefined) {
      try {
        tls.ca = [readFileSync(ca, 'utf8')];
      } catch (err) {
        throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--sink ssl-ca: cannot read ${ca}: ${(err as Error).message}`, { field, file: ca });
      }
    }
    const reject = (p['ssl-reject-unauthorized'] ?? '').toLowerCase();
    if (reject === 'false' || reject === '0') tls.rejectUnauthorized = false;
    out.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  const mechanism = p['mechanism']?.toLowerCase();
  if (mechanism !== undefined) {
    const username = p['username'];
    const password = p['password'];
    if (username === undefined || password === undefined) {
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', '--sink: SASL (mechanism=…) needs username= and password=', { field });
    }
    if (mechanism === 'plain' || mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512') out.sasl = { mechanism, username, password };
    else throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--sink: SASL mechanism "${mechanism}" is not plain, scram-sha-256 or scram-sha-512`, { field });
  } else if (p['username'] !== undefined || p['password'] !== undefined) {
    throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', '--sink: username/password need mechanism=plain|scram-sha-256|scram-sha-512', { field });
  }
  return out;
}

function intParam(location: SinkLocation, name: string, fallback: number): number {
  const raw = location.params[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--sink ${name}=${raw} is not an integer`, { field: 'sink' });
  return n;
}

const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

/**
 * Node's codes for a TLS peer certificate that fails verification (untrusted CA, expired, wrong
 * host name): kafkajs reports them as connection errors, which it calls retriable, but the same
 * certificate is refused again on every retry.
 */
const TLS_CERTIFICATE_CODE = /CERT|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|^ERR_TLS_CERT_ALTNAME_INVALID$/;

interface KafkaLikeError {
  name?: string;
  code?: unknown;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
  message?: string;
}

/** Whether retrying can help: kafkajs's own verdict, looking through wrappers to the first definite refusal. */
export function isTransientKafkaError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let definite = false;
  let transient = false;
  const visit = (e: unknown): void => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const k = e as KafkaLikeError;
    const name = k.name ?? '';
    if (name === 'KafkaJSSASLAuthenticationError' || /AUTHORIZATION|SASL|UNSUPPORTED_SASL|MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_TOPIC/.test(k.type ?? '')) definite = true;
    else if (typeof k.code === 'string' && TLS_CERTIFICATE_CODE.test(k.code)) definite = true;
    else if (name === 'KafkaJSProtocolError' && k.retriable === false) definite = true;
    else if (TRANSIENT_NAMES.has(name) || k.retriable === true) transient = true;
    else if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|socket hang up/.test(k.message ?? '')) transient = true;
    visit(k.cause);
    visit(k.originalError);
    if (Array.isArray(k.errors)) for (const x of k.errors) visit(x);
  };
  visit(err);
  return transient && !definite;
}

class KafkaSink implements Sink {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly ctx: EnvelopeContext;
  private readonly where: string;
  private readonly retryMs: number;
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly known = new Set<string>();
  private queue: KafkaRecord[] = [];
  private readonly partitionCounts = new Map<string, number>();
  private open: OpenTx | undefined;
  private connected = false;
  private closed = false;

  constructor(
    private readonly location: SinkLocation,
    private readonly opts: KafkaSinkOptions,
    { Kafka, logLevel, Partitioners }: typeof KafkaJs,
  ) {
    this.where = describeSink(location);
    this.retryMs = intParam(location, 'retryTimeoutMs', DEFAULT_RETRY_MS);
    this.partitions = intParam(location, 'partitions', -1);
    this.replicationFactor = intParam(location, 'replicationFactor', -1);
    const log = opts.log;
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: [...location.brokers],
      ...kafkaConfigFrom(location),
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      // Short inner retries: flush's own loop keeps trying for retryTimeoutMs.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          // Secrets never reach kafkajs's log entries (it logs no SASL passwords); keep only plain fields.
          const fields: Record<string, unknown> = { kafka: namespace };
          for (const k of ['broker', 'clientId', 'error', 'topic', 'retryCount', 'retryTime'] as const) if (k in rest) fields[k] = (rest as Record<string, unknown>)[k];
          if (/Limiting retries for the idempotent producer/.test(message)) return;
          // Failures reach the log through the sink's retry warnings and errors; kafkajs's own lines are detail.
          log.debug({ ...fields, level }, `kafka: ${message}`);
        },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.admin = this.kafka.admin();
    this.ctx = { topicPrefix: location.topicPrefix, serverId: opts.serverId ?? null, now: opts.now ?? Date.now };
  }

  async connect(): Promise<void> {
    await this.retrying('connect', async () => {
      await this.admin.connect();
      await this.producer.connect();
      for (const t of await this.admin.listTopics()) this.known.add(t);
    });
    this.connected = true;
    this.opts.log.info({ sink: this.where }, 'connected to the Kafka sink');
  }

  rows(tx: TransactionStart, rows: readonly RowChange[]): Promise<void> {
    const open = this.openFor(tx);
    for (let i = 0; i < rows.length; i++) open.rows.push(rows[i]!);
    if (open.rows.length < EARLY_SEND_ROWS) return Promise.resolve();
    // A very large transaction: send what it has so far (commit time not known yet).
    for (const c of open.rows) this.queue.push(rowRecord(this.ctx, open.start, c, null, open.order));
    open.rows = [];
    return this.flush();
  }

  commit(tx: TransactionStart & TransactionEnd): Promise<void> {
    const open = this.openFor(tx);
    this.open = undefined;
    const end = transactionEndRecords(this.ctx, tx, open.order);
    for (const r of end) this.queue.push(r);
    for (const c of open.rows) this.queue.push(rowRecord(this.ctx, tx, c, tx.commitTimestamp, open.order));
    return Promise.resolve();
  }

  private openFor(tx: TransactionStart): OpenTx {
    const key = `${tx.startPosition.format()}|${tx.gtid ?? ''}`;
    if (this.open && this.open.key !== key) {
      this.opts.log.debug({ startPosition: this.open.start.startPosition.format() }, 'kafka sink: dropping the rows of a transaction that did not commit');
      this.open = undefined;
    }
    this.open ??= { key, start: tx, rows: [], order: new TransactionOrder() };
    return this.open;
  }

  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    if (this.closed || !this.connected) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the Kafka sink was flushed while closed', {});
    const queue = this.queue;
    this.queue = [];
    await this.ensureTopics(queue);
    let i = 0;
    while (i < queue.length) {
      const from = i;
      let bytes = 0;
      const byTopic = new Map<string, { key: string | null; value: string; partition?: number }[]>();
      while (i < queue.length && i - from < SEND_CHUNK_RECORDS) {
        const r = queue[i]!;
        const size = r.value.length + (r.key?.length ?? 0) + 64;
        if (i > from && bytes + size > SEND_CHUNK_BYTES) break;
        bytes += size;
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        if (r.everyPartition) {
          // A keyed consumer reads one partition: each must see the truncate.
          const n = this.partitionCounts.get(r.topic) ?? 1;
          for (let p = 0; p < n; p++) list.push({ key: r.key, value: r.value, partition: p });
        } else {
          list.push({ key: r.key, value: r.value });
        }
        i++;
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      try {
        await this.retrying('send', () => this.producer.sendBatch({ topicMessages, acks: -1 }));
      } catch (err) {
        // Keep what was not acknowledged: a later flush (the pipeline's retry) sends it again.
        this.queue = [...queue.slice(from), ...this.queue];
        throw err;
      }
    }
  }

  private async ensureTopics(records: readonly KafkaRecord[]): Promise<void> {
    const missing = new Set<string>();
    for (const r of records) if (!this.known.has(r.topic)) missing.add(r.topic);
    if (missing.size === 0) return;
    const schema = schemaTopic(this.location.topicPrefix);
    const topics = [...missing].map((topic) =>
      topic === schema
        ? { topic, numPartitions: 1, replicationFactor: this.replicationFactor }
        : { topic, numPartitions: this.partitions, replicationFactor: this.replicationFactor },
    );
    await this.retrying('create topics', async () => {
      try {
        await this.admin.createTopics({ topics, waitForLeaders: true, timeout: 30_000 });
      } catch (err) {
        // Created meanwhile (another daemon, auto-creation): fine.
        if (!/already exists/i.test(JSON.stringify(errorSummary(err)))) throw err;
      }
    });
    for (const t of missing) this.known.add(t);
    const meta = await this.retrying('read topic metadata', () => this.admin.fetchTopicMetadata({ topics: [...missing] }));
    for (const t of meta.topics) this.partitionCounts.set(t.name, Math.max(1, t.partitions.length));
    this.opts.log.debug({ topics: [...missing] }, 'kafka sink: topics created');
  }

  /** Runs `fn`, retrying transient failures with backoff until the retry budget is spent. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (isBinsnapError(err)) throw err;
        const summary = errorSummary(err);
        if (!isTransientKafkaError(err)) {
          throw new BinsnapError('BINSNAP_E_SINK_REJECTED', `Kafka refused to ${what}: ${summary.message}`, { sink: this.where, kafkaError: summary.name }, { cause: err });
        }
        const stopping = this.closed || this.opts.signal?.aborted === true;
        if (stopping || Date.now() + delay > deadline) {
          throw new BinsnapError(
            'BINSNAP_E_SINK_UNAVAILABLE',
            stopping
              ? `Kafka did not ${what} before binsnap was asked to stop: ${summary.message}`
              : `Kafka did not ${what} within ${Math.round(this.retryMs / 1000)} s: ${summary.message}`,
            { sink: this.where, kafkaError: summary.name, attempts: attempt },
            { cause: err },
          );
        }
        this.opts.log.warn({ sink: this.where, attempt, error: `${summary.name}: ${summary.message}`, retryInMs: delay }, `Kafka sink: ${what} failed, retrying`);
        await sleep(delay, this.opts.signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length > 0) this.opts.log.debug({ records: this.queue.length }, 'kafka sink closed with unsent records (they were not checkpointed)');
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function errorSummary(err: unknown): { name: string; message: string } {
  const e = err as KafkaLikeError;
  const inner = (e.cause ?? e.originalError) as KafkaLikeError | undefined;
  const message = [e.message ?? String(err), inner?.message && inner.message !== e.message ? `(${inner.message})` : '']
    .filter((x) => x !== '')
    .join(' ');
  return { name: e.name ?? 'Error', message };
}
