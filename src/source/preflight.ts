/**
 * Preflight: before streaming, check that the source server can serve binsnap
 * correctly, and refuse (exit 3) where it cannot: binary log on, ROW format,
 * the privileges binsnap needs, and a start position that still exists.
 * Settings binsnap can work with but that cost something (MINIMAL row images,
 * no row metadata, GTIDs off on MySQL) are returned as warnings to log.
 *
 * MySQL manual: "Replication and Binary Logging Options and Variables",
 * "SHOW BINARY LOGS", "Privileges Provided by MySQL"; MariaDB KB: "GRANT"
 * (REPLICATION CLIENT is BINLOG MONITOR from 10.5).
 */
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import type { ServerFlavor } from './binlog-connection.js';

/** Runs one SQL statement and returns its rows as plain objects. */
export type QueryFn = (sql: string) => Promise<ReadonlyArray<Readonly<Record<string, unknown>>>>;

export interface PreflightRequest {
  /** The position streaming will start from, when starting by position. */
  readonly startPosition?: BinlogPosition;
  /** Seed and verify read tables: SELECT is needed too. */
  readonly needSelect?: boolean;
  /** Printed in errors, with the password already masked. */
  readonly sourceRedacted: string;
}

export interface PreflightReport {
  readonly flavor: ServerFlavor;
  readonly version: string;
  readonly binlogRowImage: string;
  readonly binlogRowMetadata: string | undefined;
  readonly gtidMode: string | undefined;
  readonly binlogChecksum: string;
  /** lower_case_table_names: 1 stores and logs database and table names in lower case, 2 compares them so (0 when absent). */
  readonly lowerCaseTableNames: 0 | 1 | 2;
  readonly binlogFiles: ReadonlyArray<{ readonly file: string; readonly size: bigint }>;
  readonly warnings: readonly string[];
}

export async function preflight(query: QueryFn, req: PreflightRequest): Promise<PreflightReport> {
  const ctx = { source: req.sourceRedacted };
  const vars = await variables(query);
  const version = vars.get('version') ?? '';
  const flavor: ServerFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';

  if (!isOn(vars.get('log_bin'))) {
    throw new BinsnapError('BINSNAP_E_SOURCE_BINLOG_OFF', 'log_bin is OFF on the source server', ctx);
  }
  const format = (vars.get('binlog_format') ?? '').toUpperCase();
  if (format !== 'ROW') {
    throw new BinsnapError('BINSNAP_E_SOURCE_FORMAT_NOT_ROW', `binlog_format is ${format || 'unknown'}, binsnap needs ROW`, ctx);
  }

  const grants = await currentGrants(query);
  const missing = missingPrivileges(grants, flavor, req.needSelect ?? false);
  if (missing.length > 0) {
    throw new BinsnapError('BINSNAP_E_SOURCE_PRIVILEGE', `the source user lacks ${missing.join(', ')}`, { ...ctx, missing: missing.join(', ') });
  }

  const binlogFiles = (await query('SHOW BINARY LOGS')).map((r) => ({
    file: String(r['Log_name']),
    size: BigInt(String(r['File_size'])),
  }));
  if (req.startPosition) checkPositionExists(req.startPosition, binlogFiles, ctx);

  const warnings: string[] = [];
  const rowImage = (vars.get('binlog_row_image') ?? 'FULL').toUpperCase();
  if (rowImage !== 'FULL') {
    warnings.push(`binlog_row_image is ${rowImage}: unchanged columns are absent from row events and are taken from earlier versions; FULL is safest`);
  }
  const rowMetadata = vars.get('binlog_row_metadata')?.toUpperCase();
  if (rowMetadata !== undefined && rowMetadata !== 'FULL') {
    warnings.push(`binlog_row_metadata is ${rowMetadata}: row events cannot be checked against the schema history; FULL is recommended`);
  }
  const gtidMode = vars.get('gtid_mode')?.toUpperCase();
  if (flavor === 'mysql' && gtidMode !== 'ON') {
    warnings.push(`gtid_mode is ${gtidMode ?? 'OFF'}: failover to another server of the topology needs GTIDs`);
  }
  return {
    flavor,
    version,
    binlogRowImage: rowImage,
    binlogRowMetadata: rowMetadata,
    gtidMode,
    binlogChecksum: (vars.get('binlog_checksum') ?? 'NONE').toUpperCase(),
    lowerCaseTableNames: nameCaseOf(vars.get('lower_case_table_names')),
    binlogFiles,
    warnings,
  };
}

function nameCaseOf(value: string | undefined): 0 | 1 | 2 {
  return value === '1' ? 1 : value === '2' ? 2 : 0;
}

async function variables(query: QueryFn): Promise<Map<string, string>> {
  const names = ['version', 'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'gtid_mode', 'binlog_checksum', 'lower_case_table_names'];
  const rows = await query(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map((n) => `'${n}'`).join(', ')})`,
  );
  const out = new Map<string, string>();
  for (const r of rows) out.set(String(r['Variable_name']).toLowerCase(), String(r['Value']));
  return out;
}

function isOn(v: string | undefined): boolean {
  return v !== undefined && ['ON', '1', 'YES', 'TRUE'].includes(v.toUpperCase());
}

async function currentGrants(query: QueryFn): Promise<string[]> {
  const rows = await query('SHOW GRANTS FOR CURRENT_USER()');
  return rows.map((r) => String(Object.values(r)[0] ?? ''));
}

/**
 * Which needed privileges the grants lack. Only global grants (`ON *.*`)
 * count for replication; SELECT may be global. Roles granted to the user are
 * not expanded: a role-based setup that fails here can be checked by hand.
 */
export function missingPrivileges(grants: readonly string[], flavor: ServerFlavor, needSelect: boolean): string[] {
  const global = grants
    .filter((g) => /\bON\s+\*\.\*\s+TO\b/i.test(g))
    .map((g) => g.replace(/^GRANT\s+/i, '').replace(/\s+ON\s+\*\.\*.*$/is, '').toUpperCase());
  const has = (...names: string[]): boolean =>
    global.some((g) => g.includes('ALL PRIVILEGES') || names.some((n) => new RegExp(`(^|,\\s*)${n}(\\s*,|$)`).test(g)));
  const missing: string[] = [];
  if (!has('REPLICATION SLAVE', 'REPLICATION REPLICA')) missing.push('REPLICATION SLAVE');
  const clientNames = flavor === 'mariadb' ? ['REPLICATION CLIENT', 'BINLOG MONITOR', 'SUPER'] : ['REPLICATION CLIENT', 'SUPER'];
  if (!has(...clientNames)) missing.push(flavor === 'mariadb' ? 'BINLOG MONITOR (REPLICATION CLIENT)' : 'REPLICATION CLIENT');
  if (needSelect && !has('SELECT')) missing.push('SELECT');
  return missing;
}

function checkPositionExists(
  pos: BinlogPosition,
  files: ReadonlyArray<{ readonly file: string; readonly size: bigint }>,
  ctx: { source: string },
): void {
  const found = files.find((f) => f.file === pos.file);
  const where = { ...ctx, position: pos.format() };
  if (!found) {
    const first = files[0];
    const last = files[files.length - 1];
    const range = first && last ? `the server has ${first.file} … ${last.file}` : 'the server lists no binlog file';
    const purged = first !== undefined && BinlogPosition.of(first.file, 4).isAfter(pos);
    throw new BinsnapError(
      'BINSNAP_E_SOURCE_POSITION_PURGED',
      `${pos.file} is ${purged ? 'purged' : 'not on the server'} (${range})`,
      where,
    );
  }
  if (pos.offset > found.size) {
    throw new BinsnapError('BINSNAP_E_SOURCE_POSITION_PURGED', `offset ${pos.offset} is past the end of ${pos.file} (${found.size} bytes)`, where);
  }
}
