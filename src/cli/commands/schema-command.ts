/**
 * `binsnap schema --table db.t [--at POS] [--history]`.
 *
 * Without --history: the table's schema as of --at (the latest schema change
 * at or before the position --at resolves to). Human output is a comment
 * header (as of which position, which change made it, its DDL) and a
 * CREATE TABLE-like listing; a dropped or renamed-away table says so. --json:
 * `{table, asOf, resolved, position, commitTime, gtid, kind, ddl, schema}`
 * where `asOf` is --at as given, `resolved` the commit position it resolved
 * to, `position` the commit position of the change that made the schema, and
 * `schema` null when none is stored or the table was dropped as of --at.
 *
 * With --history (--at is ignored): every schema version of the name, oldest
 * first, with kind, commit position, commit time, GTID and DDL; --json: an
 * array of `{table, kind, seq, position, commitTime, gtid, ddl, schema}`.
 */
import type { SchemaVersion } from '../../store/index.js';
import type { CommandHandler } from '../command.js';
import { storedTableName } from '../name-case.js';
import { asOfOption, asOfText, isJson, isoTime, requireCheckpoint, requireKnownTable, requiredTable, resolvedText, withStore } from './read-common.js';
import { renderCreateTable } from './read-schema-text.js';

export const schemaCommand: CommandHandler = async (ctx) => {
  const given = requiredTable(ctx, 'schema');
  const history = ctx.config.values.get('history') === true;
  return withStore(ctx, async (store) => {
    const table = await storedTableName(store, given);
    await requireCheckpoint(store);
    await requireKnownTable(store, table);
    if (history) {
      if (ctx.config.origins.get('at')?.kind !== 'default') ctx.logger.warn({ table }, '--at is ignored with --history: every version is listed');
      const versions = await store.schemaHistory(table);
      ctx.logger.debug({ table, versions: versions.length }, 'schema history');
      ctx.stdout.write(isJson(ctx) ? `${JSON.stringify(versions.map(versionJson))}\n` : historyText(table, versions));
      return 0;
    }
    const asOf = asOfOption(ctx);
    const resolved = await store.resolveAsOf(asOf);
    const version = resolved === null ? null : await store.schemaAt(table, { kind: 'position', position: resolved });
    ctx.logger.debug({ table, at: asOfText(asOf), resolved: resolved?.format() ?? null }, 'schema as of');
    if (isJson(ctx)) {
      const made = version === null ? null : versionJson(version);
      const body = {
        table,
        asOf: asOfText(asOf),
        resolved: resolved?.format() ?? null,
        position: made?.position ?? null,
        commitTime: made?.commitTime ?? null,
        gtid: made?.gtid ?? null,
        kind: made?.kind ?? null,
        ddl: made?.ddl ?? null,
        schema: made?.schema ?? null,
      };
      ctx.stdout.write(`${JSON.stringify(body)}\n`);
    } else {
      ctx.stdout.write(schemaText(table, resolvedText(resolved), version));
    }
    return 0;
  });
};

function versionJson(v: SchemaVersion) {
  return {
    table: v.table,
    kind: v.kind,
    seq: v.seq,
    position: v.transaction.commitPosition.format(),
    commitTime: isoTime(v.transaction.commitTimestamp),
    gtid: v.transaction.gtid ?? null,
    ddl: v.ddl,
    schema: v.schema,
  };
}

/** `create at mysql-bin.000001:300, 2023-11-14T22:13:20.300Z, gtid 0-1-1` */
function madeBy(v: SchemaVersion): string {
  const gtid = v.transaction.gtid ? `, gtid ${v.transaction.gtid}` : '';
  return `${v.kind} at ${v.transaction.commitPosition.format()}, ${isoTime(v.transaction.commitTimestamp)}${gtid}`;
}

const indent = (text: string, prefix: string): string =>
  text
    .split(/\r?\n/)
    .map((l) => `${prefix}${l}`)
    .join('\n');

function schemaText(table: string, at: string, v: SchemaVersion | null): string {
  if (v === null) return `no schema of ${table} is stored as of ${at}\n`;
  if (v.schema === null) {
    const what = v.kind === 'rename' ? 'renamed away' : 'dropped';
    return `${table} does not exist as of ${at}: ${what} (${madeBy(v)}) by\n${indent(v.ddl, '  ')}\n`;
  }
  return `-- ${table} as of ${at}\n-- made by ${madeBy(v)}:\n${indent(v.ddl, '--   ')}\n${renderCreateTable(v.schema)}\n`;
}

function historyText(table: string, versions: readonly SchemaVersion[]): string {
  if (versions.length === 0) return `no schema versions of ${table} are stored\n`;
  const lines = [`schema history of ${table}: ${versions.length} version${versions.length === 1 ? '' : 's'}`];
  versions.forEach((v, i) => {
    const gone = v.schema === null ? ' (the name no longer exists after it)' : '';
    lines.push(`${i + 1}. ${madeBy(v)}${gone}`, indent(v.ddl, '   '));
  });
  return `${lines.join('\n')}\n`;
}
