/**
 * `binsnap status`: what the store holds — its checkpoint (position, GTID
 * set, commit time of the last applied transaction), the lag (for the offline
 * store: now − that commit time) and, per table name with row versions, the
 * rows as of latest and the versions stored.
 *
 * Human output: aligned `label  value` lines and a table of counts; an empty
 * store prints `the store is empty` (exit 0). --json:
 * `{checkpoint: {position, gtidSet, commitTimestamp, commitTime} | null, lagMs, tables: [{table, rows, versions}]}`
 * with `commitTimestamp` in milliseconds since the epoch, `gtidSet` null when
 * GTIDs are off, and `lagMs` null for an empty store. An unfinished seed adds
 * a `seed in progress` line (--json: `unfinishedSeed: {tables, startedAt,
 * firstPosition, storedTables}`, else null).
 */
import { formatGtidSet } from '../../core/gtid.js';
import type { Checkpoint, TableStats } from '../../store/index.js';
import { decodeSeedProgress, SEED_META, type SeedProgress } from '../../pipeline/seed-progress.js';
import type { CommandHandler } from '../command.js';
import { formatDuration, isJson, isoTime, withStore } from './read-common.js';

export const statusCommand: CommandHandler = async (ctx) => {
  return withStore(ctx, async (store) => {
    const checkpoint = await store.checkpoint();
    const tables = checkpoint === null ? [] : await store.tableStats();
    const seedText = await store.getMeta(SEED_META);
    const seed = seedText === null ? null : decodeSeedProgress(seedText);
    const now = Date.now();
    ctx.logger.debug({ position: checkpoint?.position.format() ?? null, tables: tables.length }, 'store status');
    ctx.stdout.write(isJson(ctx) ? `${JSON.stringify({ ...statusJson(checkpoint, tables, now), unfinishedSeed: seedJson(seed) })}\n` : seedLine(seed) + statusText(checkpoint, tables, now));
    return 0;
  });
};

function statusJson(cp: Checkpoint | null, tables: readonly TableStats[], now: number) {
  return {
    checkpoint:
      cp === null
        ? null
        : {
            position: cp.position.format(),
            gtidSet: cp.gtidSet ? formatGtidSet(cp.gtidSet) : null,
            commitTimestamp: cp.commitTimestamp,
            commitTime: isoTime(cp.commitTimestamp),
          },
    lagMs: cp === null ? null : now - cp.commitTimestamp,
    tables: tables.map((t) => ({ table: t.table, rows: t.rows, versions: t.versions })),
  };
}

function statusText(cp: Checkpoint | null, tables: readonly TableStats[], now: number): string {
  if (cp === null) return 'the store is empty\n';
  const lag = now - cp.commitTimestamp;
  const ago = lag >= 0 ? `${formatDuration(lag)} ago` : `${formatDuration(-lag)} in the future (clock skew)`;
  const lines = [
    `checkpoint   ${cp.position.format()}`,
    `gtid set     ${cp.gtidSet ? formatGtidSet(cp.gtidSet) || '(empty)' : '(none)'}`,
    `last commit  ${isoTime(cp.commitTimestamp)} (${ago})`,
    `lag          ${formatDuration(Math.max(0, lag))}`,
    '',
  ];
  if (tables.length === 0) {
    lines.push('no table has row versions');
  } else {
    const header = ['table', 'rows', 'versions'];
    const body = tables.map((t) => [t.table, String(t.rows), String(t.versions)]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]): string =>
      r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
    lines.push(fmt(header), ...body.map(fmt));
  }
  return `${lines.join('\n')}\n`;
}

function seedJson(seed: SeedProgress | null) {
  if (seed === null) return null;
  return { tables: seed.request, startedAt: isoTime(seed.startedAt), firstPosition: seed.firstPosition.format(), storedTables: seed.done.size };
}

function seedLine(seed: SeedProgress | null): string {
  if (seed === null) return '';
  return (
    `seed in progress: ${seed.request ?? 'every table'}, started ${isoTime(seed.startedAt)} at ${seed.firstPosition.format()}, ` +
    `${seed.done.size} tables stored in part or whole (run \`binsnap seed\` again to finish it)\n`
  );
}
