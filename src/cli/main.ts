/**
 * The command-line entry point: builds the commander program from the option
 * table, resolves configuration (flags > BINSNAP_* > --config file), creates
 * the logger, runs the command and turns errors into their exit codes
 * (0 ok, 1 runtime failure, 2 usage/configuration, 3 source unusable).
 * Wiring only: no command logic lives here.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { envName, type CommandName, type OptionSpec } from '../config/options.js';
import { optionsOf, resolveConfig } from '../config/load.js';
import { tuneGarbageCollector } from '../runtime/gc-tuning.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import type { LogLevel } from '../config/values.js';
import { COMMANDS } from './commands/index.js';

export interface MainIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly interactive: boolean;
  /** Injected for tests; defaults to a pino logger on standard error. */
  readonly createLogger?: (level: string) => Logger;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs binsnap with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: MainIo = defaultIo()): Promise<number> {
  tuneGarbageCollector();
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let json = argv.includes('--json');
  try {
    let selected: { name: CommandName; flags: Record<string, unknown>; args: string[] } | undefined;
    const program = buildProgram(io, (name, flags, args) => {
      selected = { name, flags, args };
    });
    try {
      await program.parseAsync([...argv], { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
      throw err;
    }
    if (!selected) return 0;
    const config = resolveConfig(selected.name, selected.flags, env, selected.args);
    json = config.values.get('json') === true;
    const level = (config.values.get('logLevel') as LogLevel | undefined) ?? 'info';
    const logger = io.createLogger ? io.createLogger(level) : createLogger({ level });
    return await COMMANDS[selected.name].handler({
      config,
      logger,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: controller.signal,
      interactive: io.interactive,
    });
  } catch (err) {
    return reportError(err, io.stderr, json);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function reportError(err: unknown, stderr: NodeJS.WritableStream, json: boolean): number {
  if (isBinsnapError(err)) {
    stderr.write(json ? `${JSON.stringify({ error: err.toJSON() })}\n` : `binsnap: ${redactText(err.describe())}\n`);
    return err.exitCode;
  }
  const wrapped = new BinsnapError('BINSNAP_E_INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
  const stack = err instanceof Error && err.stack ? `\n${err.stack}` : '';
  stderr.write(json ? `${JSON.stringify({ error: wrapped.toJSON() })}\n` : `binsnap: ${redactText(wrapped.describe())}${redactText(stack)}\n`);
  return wrapped.exitCode;
}

function buildProgram(
  io: MainIo,
  onCommand: (name: CommandName, flags: Record<string, unknown>, args: string[]) => void,
): Command {
  const program = new Command('binsnap')
    .description('Turn a MySQL or MariaDB binary log into a versioned, queryable snapshot of the database.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run `binsnap --help` for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    [
      '',
      'Every flag can also be set as a BINSNAP_<FLAG> environment variable (e.g. BINSNAP_SOURCE) or in',
      'the JSON file given by --config; flags win over variables, variables over the file.',
      '',
      'Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,',
      '            3 the source cannot be used as configured (binlog off, not ROW, privilege, purged).',
      '',
      'See `binsnap <command> --help` for each command and docs/errors.md for every error code.',
    ].join('\n'),
  );

  for (const [name, entry] of Object.entries(COMMANDS) as Array<[CommandName, (typeof COMMANDS)[CommandName]]>) {
    const cmd = program.command(name).description(entry.summary).exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    cmd.showHelpAfterError(`(run \`binsnap ${name} --help\` for usage)`);
    if (entry.args) cmd.argument(entry.args, 'binlog files to read, in order');
    for (const spec of optionsOf(name)) cmd.addOption(toOption(spec));
    cmd.action((...actionArgs: unknown[]) => {
      const opts = (actionArgs[actionArgs.length - 1] as Command).opts();
      const files = entry.args ? ((actionArgs[0] as string[] | undefined) ?? []) : [];
      onCommand(name, opts, files);
    });
  }
  return program;
}

function toOption(spec: OptionSpec): Option {
  const extra = spec.default !== undefined && spec.type !== 'boolean' ? ` (default: ${String(spec.default)})` : '';
  return new Option(spec.flag, `${spec.description}${extra} [env: ${envName(spec.key)}]`);
}

function defaultIo(): MainIo {
  return { stdout: process.stdout, stderr: process.stderr, interactive: Boolean(process.stderr.isTTY) };
}
