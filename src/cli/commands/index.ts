/** The command table: name → summary and handler. Wiring only. */
import type { CommandName } from '../../config/options.js';
import type { CommandHandler } from '../command.js';

/**
 * A handler whose module is imported when the command runs: `binsnap status`
 * does not load the decoder, the pipeline or the seed, nor `replay` the
 * daemon's and the seed's modules (each module costs its read and compile at
 * every start).
 */
function lazy(load: () => Promise<CommandHandler>): CommandHandler {
  return async (ctx) => (await load())(ctx);
}

const seedCommand = lazy(async () => (await import('./seed-command.js')).seedCommand);
const runCommand = lazy(async () => (await import('./run-command.js')).runCommand);
const replayCommand = lazy(async () => (await import('./replay-command.js')).replayCommand);
const exportCommand = lazy(async () => (await import('./export-command.js')).exportCommand);
const schemaCommand = lazy(async () => (await import('./schema-command.js')).schemaCommand);
const historyCommand = lazy(async () => (await import('./history-command.js')).historyCommand);
const statusCommand = lazy(async () => (await import('./status-command.js')).statusCommand);
const verifyCommand = lazy(async () => (await import('./verify-command.js')).verifyCommand);
const dumpCommand = lazy(async () => (await import('./dump-command.js')).dumpCommand);

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
