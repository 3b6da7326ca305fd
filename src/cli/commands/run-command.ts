/**
 * `binsnap run --source URL [--from FILE:POS | --from-gtid SET] [--until FILE:POS]`:
 * the daemon. Tails the server as a replica through the same pipeline as
 * replay and keeps the store current.
 *
 * Where it starts: --from / --from-gtid when given, else the store's
 * checkpoint (the end of the last stored transaction: after a seed, a replay
 * or an earlier run). SIGINT/SIGTERM drain: reading stops, an open
 * transaction is dropped (it is read again on restart), what is batched is
 * written with its checkpoint, the store is closed. --until stops once the
 * transaction ending at or before that position is applied. --sink
 * kafka://… also sends every transaction's change events to Kafka
 * (src/sink/kafka-sink.ts); the checkpoint moves only after the brokers
 * acknowledged them. Wiring only.
 */
import { BinsnapError } from '../../core/errors.js';
import { formatGtidSet, type GtidSet } from '../../core/gtid.js';
import type { BinlogPosition } from '../../core/position.js';
import type { HostPort, SinkLocation, SourceUrl, StoreLocation } from '../../config/values.js';
import { describeSink, openKafkaSink } from '../../sink/kafka-sink.js';
import type { Sink } from '../../sink/sink.js';
import { MetricsRegistry, serveMetrics, type Health } from '../../runtime/metrics.js';
import { openSqlConnection } from '../../source/binlog-connection.js';
import type { PipelineProgress } from '../../pipeline/pipeline.js';
import { emptyCatalog } from '../../pipeline/ddl/index.js';
import { catalogFromStore } from '../../pipeline/initial-schema.js';
import { nameCaseFor } from '../name-case.js';
import { runPipeline } from '../../pipeline/pipeline.js';
import { decodeSeedProgress, SEED_META } from '../../pipeline/seed-progress.js';
import type { StartAt } from '../../source/binlog-connection.js';
import { readServerBinlog } from '../../source/server-source.js';
import type { CommandHandler } from '../command.js';
import type { Logger } from '../../runtime/logger.js';
import { checkServer } from '../check-server.js';
import { openStore } from '../open-store.js';
import { count } from '../progress.js';

export const runCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const source = v.get('source') as SourceUrl | undefined;
  if (source === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap run` needs --source mysql://user:password@host:port (or BINSNAP_SOURCE)', { field: 'source' });
  }
  const sinkAt = v.get('sink') as SinkLocation | undefined;
  const from = v.get('from') as BinlogPosition | undefined;
  const fromGtid = v.get('fromGtid') as GtidSet | undefined;
  const until = v.get('until') as BinlogPosition | undefined;
  if (from !== undefined && fromGtid !== undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', 'give either --from or --from-gtid, not both', { field: 'from' });
  }

  // Merges of the store's runs go to a thread of their own, so none holds back the next batch (ADR 0015).
  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: true, log: ctx.logger, backgroundCompaction: true });
  let sink: Sink | undefined;
  try {
    const unfinished = await store.getMeta(SEED_META);
    if (unfinished !== null) {
      const seed = decodeSeedProgress(unfinished);
      throw new BinsnapError(
        'BINSNAP_E_SEED_INCOMPLETE',
        `the store holds an unfinished seed of ${seed.request ?? 'every table'} (started at ${seed.firstPosition.format()}): ` +
          `its snapshot is not complete, so the daemon would build on missing rows; run \`binsnap seed${seed.request === null ? '' : ` --tables ${seed.request}`}\` again to finish it first`,
        { position: seed.firstPosition.format() },
      );
    }
    const checkpoint = await store.checkpoint();
    let start: StartAt;
    if (from !== undefined) start = { kind: 'position', position: from };
    else if (fromGtid !== undefined) start = { kind: 'gtid', gtid: fromGtid };
    else if (checkpoint !== null) start = { kind: 'position', position: checkpoint.position };
    else {
      throw new BinsnapError(
        'BINSNAP_E_USAGE',
        'the store has no checkpoint to resume from: give --from FILE:POS or --from-gtid SET (or seed / replay first)',
        { field: 'from' },
      );
    }
    const startPosition = start.kind === 'position' ? start.position : undefined;
    const preflight = await checkServer(source, startPosition, ctx.logger);
    const nameCase = await nameCaseFor(store, { server: preflight.lowerCaseTableNames });
    if (sinkAt !== undefined) {
      ctx.logger.info({ sink: describeSink(sinkAt) }, 'opening the Kafka sink');
      sink = await openKafkaSink(sinkAt, { clientId: `binsnap-${String(v.get('serverId'))}`, log: ctx.logger, signal: ctx.signal });
    }
    // The schema as of the start: by position, or (starting by GTID) as of everything stored.
    const asOf = startPosition ?? checkpoint?.position ?? (await store.resolveAsOf({ kind: 'latest' }));
    const catalog = asOf ? await catalogFromStore(store, asOf, nameCase) : emptyCatalog(nameCase);
    ctx.logger.info(
      {
        source: source.redacted,
        from: startPosition?.format(),
        fromGtid: start.kind === 'gtid' ? formatGtidSet(start.gtid) : undefined,
        until: until?.format(),
        resumed: from === undefined && fromGtid === undefined,
      },
      'daemon starting',
    );
    let caughtUp = false;
    const live = new DaemonMetrics();
    const metricsAt = v.get('metrics') as HostPort | undefined;
    const server = metricsAt ? await serveMetrics(metricsAt.host, metricsAt.port, live.registry, () => live.health()) : undefined;
    if (metricsAt) ctx.logger.info({ metrics: `http://${metricsAt.host}:${metricsAt.port}/metrics` }, 'serving metrics and /healthz');
    const retention = metricsAt ? watchRetention(source, live, ctx.signal, ctx.logger) : undefined;
    const result = await runPipeline({
      store,
      ...(sink ? { sink } : {}),
      events: (schema) =>
        readServerBinlog({
          source,
          serverId: v.get('serverId') as number,
          start,
          ...(until ? { to: until } : {}),
          onWarning: (message) => ctx.logger.warn({ source: source.redacted }, message),
          heartbeatPeriodMs: 1_000,
          schema,
          skipUnknownEvents: v.get('skipUnknownEvents') === true,
          signal: ctx.signal,
          onReconnect: (info) => {
            caughtUp = false;
            live.reconnected();
            ctx.logger.warn({ from: info.from?.format(), attempt: info.attempt, error: String(info.error) }, 'reconnecting to the source');
          },
        }),
      catalog,
      ...(checkpoint?.gtidSet && start.kind === 'position' ? { gtidSet: checkpoint.gtidSet } : {}),
      ...(start.kind === 'gtid' ? { gtidSet: start.gtid } : {}),
      skipUnparseableDdl: v.get('skipUnparseableDdl') === true,
      log: ctx.logger,
      // Under load a batch closes every 100 ms; when the source falls quiet, what
      // is pending is written within 20–40 ms instead of at the next heartbeat.
      batchDelayMs: 100,
      idleFlushMs: 20,
      progressEvery: 256,
      onProgress: (p) => live.progress(p),
      onIdle: () => {
        live.idle();
        if (!caughtUp) {
          caughtUp = true;
          ctx.logger.info({}, 'caught up with the source');
        }
      },
      onCheckpoint: (c) => {
        live.checkpoint(c.position, c.commitTimestamp);
        if (caughtUp) ctx.logger.debug({ position: c.position.format() }, 'checkpoint');
      },
    }).finally(async () => {
      retention?.stop();
      if (server) await new Promise<void>((r) => server.close(() => r()));
    });
    const summary = {
      transactions: result.transactions,
      rowChanges: result.rowChanges,
      checkpoint: result.lastCommit?.position.format() ?? checkpoint?.position.format() ?? null,
      gtidSet: result.lastCommit?.gtidSet ? formatGtidSet(result.lastCommit.gtidSet) : null,
      stoppedBy: ctx.signal.aborted ? 'signal' : until ? 'until' : 'end',
    };
    ctx.logger.info(summary, 'daemon stopped');
    if (v.get('json') === true) ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    else ctx.stdout.write(`applied ${count(result.transactions)} transactions (${count(result.rowChanges)} row changes); checkpoint ${summary.checkpoint ?? 'none'}\n`);
    return 0;
  } finally {
    await sink?.close();
    await store.close();
  }
};

/** The daemon's live numbers, as Prometheus metrics and a health verdict. */
class DaemonMetrics {
  readonly registry = new MetricsRegistry();
  private readonly events = this.registry.gauge('binsnap_events_total', 'binlog events read since the daemon started');
  private readonly bytes = this.registry.gauge('binsnap_bytes_total', 'bytes of binlog events read since the daemon started');
  private readonly rows = this.registry.gauge('binsnap_row_changes_total', 'row changes applied since the daemon started');
  private readonly transactions = this.registry.gauge('binsnap_transactions_total', 'transactions applied since the daemon started');
  private readonly reconnects = this.registry.counter('binsnap_reconnects_total', 'reconnections to the source');
  private readonly lag = this.registry.gauge('binsnap_lag_seconds', 'seconds between the last applied commit and now (0 when caught up)');
  private readonly position = this.registry.gauge('binsnap_checkpoint_offset', 'offset of the checkpoint in its binlog file (label file)');
  private readonly commitTime = this.registry.gauge('binsnap_last_commit_timestamp_seconds', 'commit time of the last applied transaction');
  readonly retentionLeft = this.registry.gauge(
    'binsnap_binlog_retention_seconds_left',
    'lower bound of the time before the source may purge the binlog the daemon resumes from (+Inf without expiry)',
  );
  private lastCommitMs: number | undefined;
  private lastActivity = Date.now();
  private idleSince: number | undefined;

  constructor() {
    // The lag grows while nothing is applied (a stuck daemon must not show its last, small lag).
    this.registry.onCollect(() => this.updateLag());
  }

  progress(p: PipelineProgress): void {
    this.events(p.events);
    this.bytes(p.bytes);
    this.rows(p.rowChanges);
    this.transactions(p.transactions);
    this.lastActivity = Date.now();
  }

  checkpoint(position: BinlogPosition, commitMs: number): void {
    this.position(Number(position.offset), { file: position.file });
    if (commitMs > 0) {
      this.lastCommitMs = commitMs;
      this.commitTime(commitMs / 1000);
    }
    this.idleSince = undefined;
    this.lastActivity = Date.now();
    this.updateLag();
  }

  idle(): void {
    this.idleSince ??= Date.now();
    this.lastActivity = Date.now();
    this.updateLag();
  }

  reconnected(): void {
    this.reconnects();
  }

  get lastCommit(): number | undefined {
    return this.lastCommitMs;
  }

  private updateLag(): void {
    if (this.idleSince !== undefined) this.lag(0);
    else if (this.lastCommitMs !== undefined) this.lag(Math.max(0, (Date.now() - this.lastCommitMs) / 1000));
  }

  health(): Health {
    this.updateLag();
    const silentMs = Date.now() - this.lastActivity;
    // Heartbeats come every second: 10 s of silence means the source connection is not working.
    const healthy = silentMs < 10_000;
    return {
      healthy,
      details: {
        lagSeconds: this.registry.value('binsnap_lag_seconds') ?? null,
        secondsSinceLastEvent: Math.round(silentMs / 100) / 10,
        caughtUp: this.idleSince !== undefined,
      },
    };
  }
}

/** Reads the source's binlog expiry once a minute for binsnap_binlog_retention_seconds_left. */
function watchRetention(source: SourceUrl, live: DaemonMetrics, signal: AbortSignal, log: Logger): { stop(): void } {
  let stopped = false;
  const check = async (): Promise<void> => {
    try {
      const conn = await openSqlConnection(source);
      try {
        const [rows] = await conn.query('SHOW GLOBAL VARIABLES WHERE Variable_name IN (\'binlog_expire_logs_seconds\', \'expire_logs_days\')');
        const vars = new Map((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, Number(r.Value)]));
        const seconds = vars.get('binlog_expire_logs_seconds') || (vars.get('expire_logs_days') ?? 0) * 86_400;
        const last = live.lastCommit;
        live.retentionLeft(seconds > 0 && last !== undefined ? last / 1000 + seconds - Date.now() / 1000 : Number.POSITIVE_INFINITY);
      } finally {
        await conn.end().catch(() => undefined);
      }
    } catch (err) {
      // The daemon's own connection reports source problems; the metric keeps its last value.
      log.debug({ error: String(err) }, 'could not read the source binlog expiry for the metrics');
    }
  };
  void check();
  const timer = setInterval(() => {
    if (!stopped && !signal.aborted) void check();
  }, 60_000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
