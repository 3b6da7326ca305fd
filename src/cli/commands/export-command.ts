/**
 * Wires `binsnap export --table db.t [--at POS] [--format jsonl|csv] [--out PATH]`
 * to runExport: options in, rows to standard output or to a file that
 * appears whole or not at all.
 *
 * Output: the rows on stdout (or in --out); on stderr a progress line on a TTY
 * with --out (at most 4 updates a second) and a one-line summary
 * `exported N rows of db.t as of FILE:POS` (not with --json). With --json and
 * --out, stdout gets `{table, rows, asOf, position, out}` instead: `asOf` is
 * --at as given, `position` the commit position it resolved to (or null).
 * A reader closing the pipe ends the export quietly with exit 0; an interrupt
 * removes the unfinished file and exits 1.
 */
import { BinsnapError } from '../../core/errors.js';
import type { CommandHandler } from '../command.js';
import { storedTableName } from '../name-case.js';
import { runExport } from './export.js';
import { asOfOption, asOfText, isJson, requiredTable, resolvedText, withStore } from './read-common.js';
import { fileSink, streamSink, type TextSink } from './read-output.js';

const PROGRESS_INTERVAL_MS = 250;

export const exportCommand: CommandHandler = async (ctx) => {
  const given = requiredTable(ctx, 'export');
  const format = (ctx.config.values.get('format') as string | undefined) ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') {
    throw new BinsnapError('BINSNAP_E_NOT_IMPLEMENTED', `--format ${format} is not built yet in this version; jsonl and csv are`, {
      field: '--format',
    });
  }
  const asOf = asOfOption(ctx);
  const out = ctx.config.values.get('out') as string | undefined;
  const json = isJson(ctx);
  ctx.logger.debug({ table: given, at: asOfText(asOf), format, out }, 'exporting table');

  return withStore(ctx, async (store) => {
    const table = await storedTableName(store, given);
    const sink: TextSink = out !== undefined ? await fileSink(out) : streamSink(ctx.stdout, ctx.signal);
    const showProgress = ctx.interactive && out !== undefined;
    let lastProgress = 0;
    const progress = (rows: number): void => {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      ctx.stderr.write(`\rexporting ${table}: ${rows} rows`);
    };
    try {
      const result = await runExport(store, { table, asOf, format, signal: ctx.signal, ...(showProgress ? { onProgress: progress } : {}) }, sink);
      if (showProgress && lastProgress > 0) ctx.stderr.write('\r\x1b[K');
      if (result.stopped === 'interrupted') {
        await sink.discard();
        ctx.logger.warn({ table, rows: result.rows, out }, out !== undefined ? 'export interrupted; --out was not written' : 'export interrupted; the output is incomplete');
        return 1;
      }
      await sink.commit();
      if (result.stopped === 'pipe-closed') {
        ctx.logger.debug({ table, rows: result.rows }, 'the reader closed standard output; export ended early');
        return 0;
      }
      if (result.resolved === null) {
        ctx.logger.warn({ table, at: asOfText(asOf) }, '--at is before the first stored transaction: the table is empty as of it');
      }
      const position = result.resolved?.format() ?? null;
      if (json && out !== undefined) {
        ctx.stdout.write(`${JSON.stringify({ table, rows: result.rows, asOf: asOfText(asOf), position, out })}\n`);
      } else if (!json) {
        ctx.stderr.write(`exported ${result.rows} rows of ${table} as of ${resolvedText(result.resolved)}\n`);
      }
      ctx.logger.debug({ table, rows: result.rows, position, out }, 'export done');
      return 0;
    } catch (err) {
      await sink.discard();
      throw err;
    }
  });
};
