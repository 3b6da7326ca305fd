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
 * transaction ending at or before that position is applied. Wiring only.
 */
import { BinsnapError } from '../../core/errors.js';
import { formatGtidSet, type GtidSet } from '../../core/gtid.js';
import type { BinlogPosition } from '../../core/position.js';
import type { SourceUrl, StoreLocation } from '../../config/values.js';
import { emptyCatalog } from '../../pipeline/ddl/index.js';
import { catalogFromStore } from '../../pipeline/initial-schema.js';
import { runPipeline } from '../../pipeline/pipeline.js';
import type { StartAt } from '../../source/binlog-connection.js';
import { readServerBinlog } from '../../source/server-source.js';
import type { CommandHandler } from '../command.js';
import { checkServer } from '../check-server.js';
import { openStore } from '../open-store.js';
import { count } from '../progress.js';

export const runCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const source = v.get('source') as SourceUrl | undefined;
  if (source === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap run` needs --source mysql://user:password@host:port (or BINSNAP_SOURCE)', { field: 'source' });
  }
  if (v.get('sink') !== undefined) {
    throw new BinsnapError('BINSNAP_E_NOT_IMPLEMENTED', 'the Kafka sink is not built yet (issue 7); run without --sink', { field: 'sink' });
  }
  if (v.get('metrics') !== undefined) {
    throw new BinsnapError('BINSNAP_E_NOT_IMPLEMENTED', 'the metrics endpoint is not built yet (issue 6); run without --metrics', { field: 'metrics' });
  }
  const from = v.get('from') as BinlogPosition | undefined;
  const fromGtid = v.get('fromGtid') as GtidSet | undefined;
  const until = v.get('until') as BinlogPosition | undefined;
  if (from !== undefined && fromGtid !== undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', 'give either --from or --from-gtid, not both', { field: 'from' });
  }

  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: true });
  try {
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
    await checkServer(source, startPosition, ctx.logger);
    // The schema as of the start: by position, or (starting by GTID) as of everything stored.
    const asOf = startPosition ?? checkpoint?.position ?? (await store.resolveAsOf({ kind: 'latest' }));
    const catalog = asOf ? await catalogFromStore(store, asOf) : emptyCatalog();
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
    const result = await runPipeline({
      store,
      events: (schema) =>
        readServerBinlog({
          source,
          serverId: v.get('serverId') as number,
          start,
          ...(until ? { to: until } : {}),
          heartbeatPeriodMs: 1_000,
          schema,
          skipUnknownEvents: v.get('skipUnknownEvents') === true,
          signal: ctx.signal,
          onReconnect: (info) => {
            caughtUp = false;
            ctx.logger.warn({ from: info.from?.format(), attempt: info.attempt, error: String(info.error) }, 'reconnecting to the source');
          },
        }),
      catalog,
      ...(checkpoint?.gtidSet && start.kind === 'position' ? { gtidSet: checkpoint.gtidSet } : {}),
      ...(start.kind === 'gtid' ? { gtidSet: start.gtid } : {}),
      skipUnparseableDdl: v.get('skipUnparseableDdl') === true,
      log: ctx.logger,
      batchDelayMs: 200,
      onIdle: () => {
        if (!caughtUp) {
          caughtUp = true;
          ctx.logger.info({}, 'caught up with the source');
        }
      },
      onCheckpoint: (c) => {
        if (caughtUp) ctx.logger.debug({ position: c.position.format() }, 'checkpoint');
      },
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
    await store.close();
  }
};
