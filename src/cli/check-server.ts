/**
 * The preflight of a command that reads from a server (replay --source, run):
 * binlog on, ROW format, the replication grants, the start position not
 * purged. Each failure is a coded error with exit code 3; warnings (row image
 * or metadata not FULL) are logged. Wiring only.
 */
import type { BinlogPosition } from '../core/position.js';
import type { SourceUrl } from '../config/values.js';
import type { Logger } from '../runtime/logger.js';
import { openSqlConnection } from '../source/binlog-connection.js';
import { preflight, type PreflightReport } from '../source/preflight.js';

export interface CheckServerOptions {
  /** Seed and verify read tables: the user needs SELECT too. */
  readonly needSelect?: boolean;
}

export async function checkServer(
  source: SourceUrl,
  start: BinlogPosition | undefined,
  logger?: Logger,
  options: CheckServerOptions = {},
): Promise<PreflightReport> {
  const conn = await openSqlConnection(source);
  try {
    const report = await preflight(
      async (sql) => {
        const [rows] = await conn.query(sql);
        return rows as Array<Record<string, unknown>>;
      },
      { ...(start ? { startPosition: start } : {}), ...(options.needSelect ? { needSelect: true } : {}), sourceRedacted: source.redacted },
    );
    for (const w of report.warnings) logger?.warn({ source: source.redacted }, w);
    return report;
  } finally {
    await conn.end().catch(() => undefined);
  }
}
