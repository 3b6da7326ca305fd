/**
 * A throwaway Redis for integration tests: the Debian redis-server binary on a
 * free port of 127.0.0.1, no persistence (no RDB, no AOF), its own temp dir.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import { findFreePort } from './ports.js';
import { signalPid, waitForExit } from './process.js';

export interface RedisInfo {
  readonly how: 'local' | 'env' | 'container';
  readonly url: string;
  readonly dir?: string;
  readonly pidFile?: string;
}

export async function startRedis(tmpRoot: string, log: (msg: string) => void = () => {}): Promise<RedisInfo> {
  const t0 = Date.now();
  const dir = await mkdtemp(path.join(tmpRoot, 'redis-'));
  const port = await findFreePort();
  const pidFile = path.join(dir, 'redis.pid');
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--pidfile', pidFile,
    '--logfile', path.join(dir, 'redis.log'),
    '--daemonize', 'yes',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-server exited with ${code}`))));
  });
  const deadline = Date.now() + 20_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline) {
      const logText = await readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
      throw new Error(`redis-server did not answer PING in 20 s:\n${logText}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`redis on 127.0.0.1:${port} ready in ${Date.now() - t0} ms`);
  return { how: 'local', url: `redis://127.0.0.1:${port}/0`, dir, pidFile };
}

export async function destroyRedis(info: RedisInfo): Promise<void> {
  if (info.how !== 'local' || !info.dir || !info.pidFile) return;
  const pid = Number((await readFile(info.pidFile, 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    signalPid(pid, 'SIGTERM');
    await waitForExit(pid, 5_000);
  }
  await rm(info.dir, { recursive: true, force: true });
}

/** Sends PING over a raw socket; true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
