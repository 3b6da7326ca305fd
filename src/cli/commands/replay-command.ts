/**
 * `binsnap replay (--source URL | --binlog-dir DIR | FILE...) [--from POS]
 * [--to POS] [--schema-sql FILE]`: a historical binlog range through the same
 * pipeline as `run`, into the store. Wiring only: options → source → pipeline
 * → summary; progress on a terminal.
 *
 * Files: without --from the range starts at the first file. Server: --from is
 * required; the source is checked first (preflight: binlog on, ROW, grants,
 * the position not purged — exit code 3 when it cannot be used).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BinsnapError } from '../../core/errors.js';
import { formatGtidSet } from '../../core/gtid.js';
import { BinlogPosition } from '../../core/position.js';
import type { SourceUrl, StoreLocation } from '../../config/values.js';
import { applySchemaSql, catalogFromStore } from '../../pipeline/initial-schema.js';
import { runPipeline, type PipelineProgress, type PipelineResult } from '../../pipeline/pipeline.js';
import type { DecodedEvent } from '../../protocol/binlog/events.js';
import type { SchemaLookup } from '../../protocol/binlog/table-schema.js';
import { readBinlogFiles } from '../../source/file-source.js';
import { listBinlogDir, sortBinlogFiles } from '../../source/file-list.js';
import { readServerBinlog } from '../../source/server-source.js';
import type { CommandHandler } from '../command.js';
import { openStore } from '../open-store.js';
import { checkServer } from '../check-server.js';
import { nameCaseFor, type NameCase } from '../name-case.js';
import { count, duration, progressLine } from '../progress.js';

interface FileRange {
  readonly kind: 'files';
  readonly files: readonly string[];
}

interface ServerRange {
  readonly kind: 'server';
  readonly source: SourceUrl;
}

export const replayCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const source = v.get('source') as SourceUrl | undefined;
  const binlogDir = v.get('binlogDir') as string | undefined;
  const args = [...ctx.config.args];
  const given = [source !== undefined, binlogDir !== undefined, args.length > 0].filter(Boolean).length;
  if (given !== 1) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap replay` reads from exactly one of --source URL, --binlog-dir DIR or binlog FILE arguments', {
      field: 'source',
    });
  }
  let from = v.get('from') as BinlogPosition | undefined;
  const to = v.get('to') as BinlogPosition | undefined;
  const range: FileRange | ServerRange =
    source !== undefined ? { kind: 'server', source } : { kind: 'files', files: binlogDir !== undefined ? await listBinlogDir(binlogDir) : sortBinlogFiles(args) };
  if (range.kind === 'server' && from === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap replay --source` needs --from FILE:POS (the start of the range)', { field: 'from' });
  }
  if (range.kind === 'files') {
    if (range.files.length === 0) throw new BinsnapError('BINSNAP_E_BINLOG_FILE_NOT_FOUND', `no binlog files in ${binlogDir ?? 'the arguments'}`, { file: binlogDir ?? '' });
    from ??= BinlogPosition.of(path.basename(range.files[0]!), 4);
  }
  if (to !== undefined && from !== undefined && to.compare(from) < 0) {
    throw new BinsnapError('BINSNAP_E_USAGE', `--to ${to.format()} lies before --from ${from.format()}`, { field: 'to' });
  }
  const start = from!;

  const server = range.kind === 'server' ? await checkServer(range.source, start, ctx.logger) : undefined;
  const flagNameCase = v.get('lowerCaseTableNames') as NameCase | undefined;

  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: true, log: ctx.logger, rollbackJournal: true });
  try {
    const nameCase = await nameCaseFor(store, {
      ...(server ? { server: server.lowerCaseTableNames } : {}),
      ...(flagNameCase !== undefined ? { flag: flagNameCase } : {}),
    });
    let catalog = await catalogFromStore(store, start, nameCase);
    let initialChanges: Parameters<typeof runPipeline>[0]['initial'];
    const schemaSql = v.get('schemaSql') as string | undefined;
    if (schemaSql !== undefined) {
      let text: string;
      try {
        text = await readFile(schemaSql, 'utf8');
      } catch (err) {
        throw new BinsnapError('BINSNAP_E_SCHEMA_SQL', `cannot read ${schemaSql}`, { file: schemaSql }, { cause: err });
      }
      const initial = applySchemaSql(catalog, text, schemaSql, ctx.logger);
      catalog = initial.catalog;
      initialChanges = { position: start, changes: initial.changes };
      ctx.logger.info({ file: schemaSql, tables: initial.changes.length }, 'initial schema from --schema-sql');
    }
    const checkpoint = await store.checkpoint();
    const skipUnknownEvents = v.get('skipUnknownEvents') === true;
    const events = (schema: SchemaLookup): AsyncIterable<DecodedEvent> =>
      range.kind === 'files'
        ? readBinlogFiles({ files: range.files, from: start, ...(to ? { to } : {}), schema, skipUnknownEvents, signal: ctx.signal })
        : readServerBinlog({
            source: range.source,
            serverId: v.get('serverId') as number,
            start: { kind: 'position', position: start },
            ...(to ? { to } : {}),
            onWarning: (message) => ctx.logger.warn({ source: range.source.redacted }, message),
            nonBlocking: to === undefined,
            schema,
            skipUnknownEvents,
            signal: ctx.signal,
            onReconnect: (info) => ctx.logger.warn({ from: info.from?.format(), attempt: info.attempt, error: String(info.error) }, 'reconnecting to the source'),
          });

    const totalBytes = range.kind === 'files' ? await rangeBytes(range.files, start, to) : undefined;
    const progress = progressLine(ctx.stderr, ctx.interactive);
    const began = Date.now();
    const show = (p: PipelineProgress): void => {
      progress.update(() => {
        const secs = (Date.now() - began) / 1000;
        const rate = secs > 0 ? p.rowChanges / secs : 0;
        let text = `replay ${p.position.format()}  ${count(p.transactions)} transactions  ${count(p.rowChanges)} rows  ${count(rate)} rows/s`;
        if (totalBytes !== undefined && range.kind === 'files') {
          const done = bytesBefore(totalBytes, p.position);
          const frac = totalBytes.total > 0 ? Math.min(1, done / totalBytes.total) : 1;
          text += `  ${(frac * 100).toFixed(0)}%  ${(done / 1e6 / Math.max(secs, 0.001)).toFixed(1)} MB/s  ETA ${duration(frac > 0 ? (secs * (1 - frac)) / frac : Number.NaN)}`;
        }
        return text;
      });
    };
    ctx.logger.info({ from: start.format(), to: to?.format(), source: range.kind === 'server' ? range.source.redacted : undefined }, 'replay starts');
    let result: PipelineResult;
    try {
      result = await runPipeline({
        store,
        events,
        catalog,
        ...(initialChanges ? { initial: initialChanges } : {}),
        ...(checkpoint?.gtidSet ? { gtidSet: checkpoint.gtidSet } : {}),
        skipUnparseableDdl: v.get('skipUnparseableDdl') === true,
        log: ctx.logger,
        onProgress: show,
      });
    } finally {
      progress.done();
    }
    const seconds = (Date.now() - began) / 1000;
    const summary = {
      from: start.format(),
      to: to?.format() ?? null,
      transactions: result.transactions,
      rowChanges: result.rowChanges,
      events: result.events,
      ddl: result.ddl,
      ignoredStatements: result.ignoredStatements,
      skippedStatements: result.skippedStatements,
      checkpoint: result.lastCommit?.position.format() ?? null,
      gtidSet: result.lastCommit?.gtidSet ? formatGtidSet(result.lastCommit.gtidSet) : null,
      incompleteTransactionAt: result.incomplete?.startPosition.format() ?? null,
      seconds: Math.round(seconds * 1000) / 1000,
    };
    ctx.logger.info(summary, 'replay done');
    if (v.get('json') === true) {
      ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      ctx.stdout.write(
        `replayed ${count(result.transactions)} transactions (${count(result.rowChanges)} row changes, ${count(result.ddl)} DDL) ` +
          `from ${start.format()} to ${summary.checkpoint ?? start.format()} in ${seconds.toFixed(1)} s\n`,
      );
      if (result.skippedStatements > 0) ctx.stdout.write(`skipped ${result.skippedStatements} unparseable DDL statements (see the log)\n`);
      if (result.incomplete) ctx.stdout.write(`the range ends inside the transaction starting at ${result.incomplete.startPosition.format()}: not applied\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
};

interface RangeBytes {
  readonly total: number;
  /** File number → bytes of the range before that file. */
  readonly before: ReadonlyMap<number, number>;
  readonly startOffset: number;
}

async function rangeBytes(files: readonly string[], from: BinlogPosition, to: BinlogPosition | undefined): Promise<RangeBytes> {
  const before = new Map<number, number>();
  let total = 0;
  for (const f of files) {
    const p = BinlogPosition.of(path.basename(f), 4);
    if (p.fileNumber < from.fileNumber || (to && p.fileNumber > to.fileNumber)) continue;
    before.set(p.fileNumber, total);
    const size = (await stat(f).catch(() => ({ size: 0 }))).size;
    const end = to && p.fileNumber === to.fileNumber ? Math.min(size, Number(to.offset)) : size;
    total += end - (p.fileNumber === from.fileNumber ? Number(from.offset) : 0);
  }
  return { total, before, startOffset: Number(from.offset) };
}

function bytesBefore(r: RangeBytes, at: BinlogPosition): number {
  const base = r.before.get(at.fileNumber);
  if (base === undefined) return r.total;
  const first = base === 0 ? r.startOffset : 0;
  return base + Number(at.offset) - first;
}
