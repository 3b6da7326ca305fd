/** The command table: name → summary and handler. Wiring only. */
import type { CommandName } from '../../config/options.js';
import type { CommandHandler } from '../command.js';
import { dumpCommand } from './dump-command.js';
import { exportCommand } from './export-command.js';
import { historyCommand } from './history-command.js';
import { replayCommand } from './replay-command.js';
import { runCommand } from './run-command.js';
import { schemaCommand } from './schema-command.js';
import { seedCommand } from './seed-command.js';
import { statusCommand } from './status-command.js';
import { verifyCommand } from './verify-command.js';

export interface CommandEntry {
  readonly summary: string;
  /** Positional arguments as commander syntax, e.g. `[files...]`. */
  readonly args?: string;
  readonly handler: CommandHandler;
}

export const COMMANDS: Readonly<Record<CommandName, CommandEntry>> = {
  seed: {
    summary: 'take a consistent snapshot of a live database at an exact binlog position',
    handler: seedCommand,
  },
  run: {
    summary: 'the daemon: tail the server as a replica and keep the snapshot current',
    handler: runCommand,
  },
  replay: {
    summary: 'replay a binlog range from the server or from binlog files into the store',
    args: '[files...]',
    handler: replayCommand,
  },
  export: {
    summary: 'write a table as of a position (jsonl, csv)',
    handler: exportCommand,
  },
  schema: {
    summary: "show a table's schema as of a position, or its whole schema history",
    handler: schemaCommand,
  },
  history: {
    summary: 'show every version of one row, with positions and commit times',
    handler: historyCommand,
  },
  status: {
    summary: 'show the checkpoint position and GTID set, last commit time, lag and row counts',
    handler: statusCommand,
  },
  verify: {
    summary: 'compare the latest snapshot with the live tables and report every differing key',
    handler: verifyCommand,
  },
  dump: {
    summary: 'print binlog events as JSON lines, one per event (for debugging)',
    args: '[files...]',
    handler: dumpCommand,
  },
};
