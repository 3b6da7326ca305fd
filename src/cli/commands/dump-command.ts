/** Wires `binsnap dump` to runDump: configuration in, JSON lines out. */
import { BinsnapError } from '../../core/errors.js';
import type { BinlogPosition } from '../../core/position.js';
import type { CommandHandler } from '../command.js';
import { runDump } from './dump.js';

export const dumpCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const files = [...ctx.config.args];
  const binlogDir = v.get('binlogDir') as string | undefined;
  if (files.length === 0 && binlogDir === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap dump` needs binlog files or --binlog-dir DIR', { field: 'files' });
  }
  const from = v.get('from') as BinlogPosition | undefined;
  const to = v.get('to') as BinlogPosition | undefined;
  ctx.logger.debug({ files, binlogDir, from: from?.format(), to: to?.format() }, 'dumping binlog events');
  await runDump(
    {
      ...(files.length > 0 ? { files } : {}),
      ...(binlogDir !== undefined ? { binlogDir } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      skipUnknownEvents: v.get('skipUnknownEvents') === true,
    },
    ctx.stdout,
    ctx.signal,
  );
  return 0;
};
