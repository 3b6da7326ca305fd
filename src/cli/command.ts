/**
 * What every command handler receives and returns. Handlers get resolved,
 * validated configuration and I/O handles; they return the process exit code
 * (SPEC §2) or throw a BinsnapError, which main() prints with its remedy.
 */
import type { Logger } from '../runtime/logger.js';
import type { ResolvedConfig } from '../config/load.js';

export interface CommandContext {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: stop reading, finish the unit of work, return. */
  readonly signal: AbortSignal;
  /** True when standard error is a terminal: show progress there. */
  readonly interactive: boolean;
}

export type CommandHandler = (ctx: CommandContext) => Promise<number>;
