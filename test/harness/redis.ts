/**
 * A throwaway Redis for integration tests: the Debian redis-server binary on a
 * free port of 127.0.0.1, no persistence (no RDB, no AOF), its own temp dir.
 * With `tls` it listens only on a TLS port (`port 0`, `tls-port`); with
 * `users` it has ACL users with passwords and the default user is turned off,
 * so every connection must authenticate.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { findFreePort } from './ports.js';
import { signalPid, waitForExit } from './process.js';

export interface RedisInfo {
  readonly how: 'local' | 'env' | 'container';
  readonly url: string;
  readonly dir?: string;
  readonly pidFile?: string;
}

export interface RedisOptions {
  /** PEM files: listen with TLS only (clients are not asked for certificates). */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /** ACL users with every permission; when given, the default (password-less) user is off. */
  readonly users?: readonly { readonly name: string; readonly password: string }[];
}

export async function startRedis(tmpRoot: string, log: (msg: string) => void = () => {}, opts: RedisOptions = {}): Promise<RedisInfo> {
  const t0 = Date.now();
  const dir = await mkdtemp(path.join(tmpRoot, 'redis-'));
  const port = await findFreePort();
  const pidFile = path.join(dir, 'redis.pid');
  const listen = opts.tls
    ? [
        '--port', '0',
        '--tls-port', String(port),
        '--tls-cert-file', opts.tls.certFile,
        '--tls-key-file', opts.tls.keyFile,
        '--tls-ca-cert-file', opts.tls.caFile,
        '--tls-auth-clients', 'no',
      ]
    : ['--port', String(port)];
  const users = opts.users ?? [];
  const acl = users.length === 0 ? [] : [...users.flatMap((u) => ['--user', u.name, 'on', `>${u.password}`, '~*', '&*', '+@all']), '--user', 'default', 'off'];
  const probe: PingOptions = { port, tls: opts.tls ? { ca: await readFile(opts.tls.caFile, 'utf8') } : undefined, auth: users[0] };
  const args = [
    ...listen,
    ...acl,
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
  while (!(await ping(probe))) {
    if (Date.now() > deadline) {
      const logText = await readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
      throw new Error(`redis-server did not answer PING in 20 s:\n${logText}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`redis on 127.0.0.1:${port}${opts.tls ? ' (TLS)' : ''} ready in ${Date.now() - t0} ms`);
  return { how: 'local', url: `${opts.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}/0`, dir, pidFile };
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

interface PingOptions {
  readonly port: number;
  /** Connect with TLS, trusting this CA. */
  readonly tls: { readonly ca: string } | undefined;
  /** AUTH as this user first. */
  readonly auth: { readonly name: string; readonly password: string } | undefined;
}

/** Sends PING (after AUTH when given) over a raw or TLS socket; true when the server answers +PONG. */
function ping(o: PingOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = o.tls
      ? tls.connect({ host: '127.0.0.1', port: o.port, ca: o.tls.ca })
      : net.connect({ host: '127.0.0.1', port: o.port });
    let reply = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once(o.tls ? 'secureConnect' : 'connect', () => {
      const auth = o.auth ? `AUTH ${o.auth.name} ${o.auth.password}\r\n` : '';
      sock.write(`${auth}PING\r\n`);
    });
    sock.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-')) done(false);
    });
  });
}
