/**
 * Running binsnap from tests: `runCli` calls main() in-process with in-memory
 * streams (fast, the same code as the binary); `startDaemon` / `startCommand`
 * spawn the built `node bin/binsnap.js run …` (for signals and kill -9); `masterPosition` and
 * `checkpointOf` read where a server's binlog and a store's checkpoint are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { connect, type MariadbInfo } from './mariadb.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin/binsnap.js');
/** The binary needs dist/ (npm test builds first). */
export const binaryBuilt = existsSync(path.join(repoRoot, 'dist/bundle/main.js'));

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function collector(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      into.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

/** binsnap's main() in-process, logging at warn; exit code and both outputs. */
export async function runCli(argv: readonly string[]): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const code = await main([...argv, '--log-level', 'warn'], process.env, { stdout: collector(out), stderr: collector(err), interactive: false });
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

/** `node bin/binsnap.js run ARGS` as a child process; `done` resolves with its exit (128 when killed by a signal). */
export function startDaemon(args: readonly string[]): { child: ChildProcess; done: Promise<Run>; stderrText: () => string } {
  return startCommand('run', args);
}

/** `node bin/binsnap.js COMMAND ARGS` as a child process, logging at info; `stderrText` is what it printed so far. */
export function startCommand(command: string, args: readonly string[]): { child: ChildProcess; done: Promise<Run>; stderrText: () => string } {
  const child = spawn(process.execPath, [binPath, command, ...args, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<Run>((resolve) =>
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : -1), out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }),
    ),
  );
  return { child, done, stderrText: () => Buffer.concat(err).toString('utf8') };
}

/** SHOW MASTER STATUS as `file:offset`. */
export async function masterPosition(info: MariadbInfo): Promise<string> {
  const c = await connect(info);
  try {
    const [rows] = await c.query('SHOW MASTER STATUS');
    const r = (rows as Array<{ File: string; Position: number }>)[0]!;
    return `${r.File}:${r.Position}`;
  } finally {
    await c.end();
  }
}

/** The store's checkpoint position (`status --json`), or null when there is none (or no store yet). */
export async function checkpointOf(store: string): Promise<string | null> {
  if (!store.includes('://') && !existsSync(store)) return null;
  const r = await runCli(['status', '--json', '--store', store]);
  if (r.code !== 0) return null;
  return (JSON.parse(r.out) as { checkpoint: { position: string } | null }).checkpoint?.position ?? null;
}
