/**
 * Throwaway MariaDB servers for integration tests, from the Debian package's
 * binaries (mariadbd, mariadb-install-db). Each server gets its own datadir in
 * a temp dir, a free port on 127.0.0.1, a binary log in ROW format and a
 * server_id; options per server cover what binlog tests vary. A replica is a
 * second server with log_slave_updates, replicating from a primary by GTID.
 *
 * Servers run as detached processes with a pid file, so a test (in a vitest
 * worker) can stop, stall (SIGSTOP) or restart a server it did not start;
 * `describeServer` gives everything needed for that, and stays serialisable.
 */
import { spawn, execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { findFreePort } from './ports.js';
import { isAlive, signalPid, waitForExit } from './process.js';
import type { SourceUrl } from '../../src/config/values.js';
import { BinlogPosition } from '../../src/core/position.js';

const execFileP = promisify(execFile);

export interface MariadbOptions {
  readonly serverId?: number;
  /** false starts the server without a binary log (for preflight tests). */
  readonly logBin?: boolean;
  readonly binlogFormat?: 'ROW' | 'STATEMENT' | 'MIXED';
  readonly binlogRowMetadata?: 'FULL' | 'MINIMAL' | 'NO_LOG';
  readonly binlogRowImage?: 'FULL' | 'MINIMAL' | 'NOBLOB';
  readonly binlogChecksum?: 'CRC32' | 'NONE';
  readonly gtidStrictMode?: boolean;
  readonly gtidDomainId?: number;
  readonly maxBinlogSize?: number;
  readonly logSlaveUpdates?: boolean;
  /**
   * PEM files for TLS (ssl-ca, ssl-cert, ssl-key): the server then accepts TLS
   * next to plain connections; accounts created `REQUIRE SSL` need it.
   */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
  /** Any further mariadbd options, written to the [mariadbd] section as is. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Another MariaDB build to run instead of the one on PATH: its base directory, with
   * bin/mariadbd and scripts/mariadb-install-db (scripts/fetch-mariadb.sh unpacks one).
   */
  readonly basedir?: string;
}

/** A serialisable description of a running server (what tests receive). */
export interface MariadbInfo {
  readonly how: 'local' | 'env' | 'container';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** mysql://user:password@host:port — the root account of the throwaway server. */
  readonly url: string;
  readonly serverId: number;
  /** Only for local servers: where the binlog files, config and pid file are. */
  readonly dir?: string;
  readonly binlogDir?: string;
  readonly binlogBaseName?: string;
  readonly cnfPath?: string;
  readonly pidFile?: string;
  readonly socket?: string;
  /** The MariaDB build's base directory when not the one on PATH. */
  readonly basedir?: string;
}

export const ROOT_PASSWORD = 'binsnap-test-root';

export async function startMariadb(
  tmpRoot: string,
  opts: MariadbOptions = {},
  log: (msg: string) => void = () => {},
): Promise<MariadbInfo> {
  const dir = await mkdtemp(path.join(tmpRoot, 'mariadb-'));
  const port = await findFreePort();
  const serverId = opts.serverId ?? 1;
  const info = { ...localInfo(dir, port, serverId), ...(opts.basedir ? { basedir: opts.basedir } : {}) };
  await writeFile(info.cnfPath as string, renderCnf(dir, port, serverId, opts));
  await initDatadir(info);
  await launch(info, log);
  await adminQuery(info, [
    // The root account keeps a password so tests exercise real authentication.
    `ALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PASSWORD}'`,
    `CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '${ROOT_PASSWORD}'`,
    `GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`,
    // Start every server with an empty binlog: mysql-bin.000001 holds only what tests write.
    ...(opts.logBin === false ? [] : ['RESET MASTER']),
  ]);
  return info;
}

/**
 * Starts a second server replicating from `primary` by GTID, with
 * log_slave_updates so it writes its own binary log (binsnap normally tails a
 * replica). Returns once replication is running and caught up.
 */
export async function startReplica(
  tmpRoot: string,
  primary: MariadbInfo,
  opts: MariadbOptions = {},
  log: (msg: string) => void = () => {},
): Promise<MariadbInfo> {
  const replica = await startMariadb(tmpRoot, { serverId: 2, logSlaveUpdates: true, ...opts }, log);
  const conn = await connect(primary);
  try {
    await conn.query(`CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-pass'`);
    await conn.query(`GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`);
  } finally {
    await conn.end();
  }
  const rc = await connect(replica);
  try {
    await rc.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', ` +
        `MASTER_PASSWORD='repl-pass', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await rc.query('START SLAVE');
  } finally {
    await rc.end();
  }
  await waitForReplica(primary, replica);
  return replica;
}

/** Waits until the replica has applied everything the primary has logged so far. */
export async function waitForReplica(primary: MariadbInfo, replica: MariadbInfo, timeoutMs = 30_000): Promise<void> {
  const p = await connect(primary);
  let target: string;
  try {
    const [rows] = await p.query('SELECT @@gtid_binlog_pos AS pos');
    target = String((rows as Array<{ pos: string }>)[0]?.pos ?? '');
  } finally {
    await p.end();
  }
  const r = await connect(replica);
  try {
    const [rows] = await r.query('SELECT MASTER_GTID_WAIT(?, ?) AS w', [target, timeoutMs / 1000]);
    const w = (rows as Array<{ w: number }>)[0]?.w;
    if (w !== 0) {
      const [status] = await r.query('SHOW SLAVE STATUS');
      throw new Error(`replica did not reach ${target} in ${timeoutMs} ms: ${JSON.stringify(status)}`);
    }
  } finally {
    await r.end();
  }
}

export async function connect(info: MariadbInfo, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password,
    database,
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
  });
}

/** One statement on a connection of its own; the rows of its first result. */
export async function queryRows(info: MariadbInfo, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = await connect(info);
  try {
    return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

/** SHOW MASTER STATUS as a position. */
export async function binlogPosition(info: MariadbInfo): Promise<BinlogPosition> {
  const [row] = await queryRows(info, 'SHOW MASTER STATUS');
  return BinlogPosition.of(String(row?.['File']), BigInt(String(row?.['Position'])));
}

/** The server as binsnap's --source sees it (root account; the printed form masks the password). */
export function sourceUrlOf(info: MariadbInfo, user = info.user, password = info.password): SourceUrl {
  return { host: info.host, port: info.port, user, password, ssl: undefined, redacted: `mysql://${user}:***@${info.host}:${info.port}` };
}

/** Stops a local server cleanly (SIGTERM, then SIGKILL after the timeout). */
export async function stopMariadb(info: MariadbInfo, timeoutMs = 20_000): Promise<void> {
  const pid = await readPid(info);
  if (pid === undefined) return;
  signalPid(pid, 'SIGCONT');
  signalPid(pid, 'SIGTERM');
  if (!(await waitForExit(pid, timeoutMs))) {
    signalPid(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

/** Stops and starts a local server on the same port and datadir. */
export async function restartMariadb(info: MariadbInfo, log: (msg: string) => void = () => {}): Promise<void> {
  await stopMariadb(info);
  await launch(info, log);
}

/** Sends a signal to a local server (SIGSTOP/SIGCONT to stall it, SIGKILL to crash it). */
export async function signalMariadb(info: MariadbInfo, sig: NodeJS.Signals): Promise<void> {
  const pid = await readPid(info);
  if (pid === undefined) throw new Error(`server on port ${info.port} is not running`);
  signalPid(pid, sig);
}

/** Stops the server and removes its directory. */
export async function destroyMariadb(info: MariadbInfo): Promise<void> {
  if (info.how !== 'local' || !info.dir) return;
  await stopMariadb(info);
  await rm(info.dir, { recursive: true, force: true });
}

// ── internals ───────────────────────────────────────────────────────────────

/** The description of a local server of the harness (MariaDB's file names; other servers override them). */
export function localInfo(dir: string, port: number, serverId: number): MariadbInfo {
  return {
    how: 'local',
    host: '127.0.0.1',
    port,
    user: 'root',
    password: ROOT_PASSWORD,
    url: `mysql://root:${ROOT_PASSWORD}@127.0.0.1:${port}`,
    serverId,
    dir,
    binlogDir: path.join(dir, 'data'),
    binlogBaseName: 'mysql-bin',
    cnfPath: path.join(dir, 'my.cnf'),
    pidFile: path.join(dir, 'mariadbd.pid'),
    socket: path.join(dir, 'mariadbd.sock'),
  };
}

function renderCnf(dir: string, port: number, serverId: number, o: MariadbOptions): string {
  const opts: Record<string, string | number | boolean> = {
    datadir: path.join(dir, 'data'),
    socket: path.join(dir, 'mariadbd.sock'),
    'pid-file': path.join(dir, 'mariadbd.pid'),
    'log-error': path.join(dir, 'error.log'),
    port,
    'bind-address': '127.0.0.1',
    'skip-name-resolve': true,
    'server-id': serverId,
    // Small and quick: tests need correctness, not throughput.
    'innodb-buffer-pool-size': '64M',
    'innodb-log-file-size': '48M',
    'innodb-flush-log-at-trx-commit': 2,
    'sync-binlog': 0,
    'max-connections': 200,
    'character-set-server': 'utf8mb4',
    'collation-server': 'utf8mb4_general_ci',
    'default-time-zone': '+00:00',
    'performance-schema': 'OFF',
    'skip-log-bin': o.logBin === false,
    ...(o.basedir ? { basedir: o.basedir } : {}),
  };
  if (o.logBin !== false) {
    Object.assign(opts, {
      'log-bin': path.join(dir, 'data', 'mysql-bin'),
      'binlog-format': o.binlogFormat ?? 'ROW',
      'binlog-row-metadata': o.binlogRowMetadata ?? 'FULL',
      'binlog-row-image': o.binlogRowImage ?? 'FULL',
      'binlog-checksum': o.binlogChecksum ?? 'CRC32',
      'gtid-strict-mode': o.gtidStrictMode ?? true,
      'gtid-domain-id': o.gtidDomainId ?? 0,
      'max-binlog-size': o.maxBinlogSize ?? 1024 * 1024 * 1024,
      'log-slave-updates': o.logSlaveUpdates ?? false,
    });
  }
  if (o.tls) Object.assign(opts, { 'ssl-ca': o.tls.caFile, 'ssl-cert': o.tls.certFile, 'ssl-key': o.tls.keyFile });
  Object.assign(opts, o.extra ?? {});
  const lines = ['[mariadbd]'];
  for (const [k, v] of Object.entries(opts)) {
    if (v === false) continue;
    lines.push(v === true ? k : `${k}=${v}`);
  }
  return `${lines.join('\n')}\n`;
}

async function initDatadir(info: MariadbInfo): Promise<void> {
  await mkdir(path.join(info.dir as string, 'data'), { recursive: true });
  const template = await datadirTemplate(info.basedir);
  // Copying a datadir initialised once per run is much faster than running
  // mariadb-install-db for every server.
  await cp(template, path.join(info.dir as string, 'data'), { recursive: true });
}

const templates = new Map<string, Promise<string>>();

function datadirTemplate(basedir: string | undefined): Promise<string> {
  let template = templates.get(basedir ?? '');
  if (template === undefined) {
    template = (async () => {
      const base = process.env['BINSNAP_TEST_TMP'] ?? path.join(process.cwd(), '.tmp');
      await mkdir(base, { recursive: true });
      const dir = await mkdtemp(path.join(base, 'mariadb-template-'));
      const data = path.join(dir, 'data');
      const cnf = path.join(dir, 'my.cnf');
      await writeFile(cnf, `[mariadbd]\ndatadir=${data}\nskip-log-bin\ninnodb-log-file-size=48M\n${basedir ? `basedir=${basedir}\n` : ''}`);
      await execFileP(
        basedir ? path.join(basedir, 'scripts', 'mariadb-install-db') : 'mariadb-install-db',
        [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root', ...(basedir ? [`--basedir=${basedir}`] : [])],
        { timeout: 120_000 },
      );
      process.once('exit', () => {
        // Best effort: the template holds no running server.
        void rm(dir, { recursive: true, force: true });
      });
      return data;
    })();
    templates.set(basedir ?? '', template);
  }
  return template;
}

async function launch(info: MariadbInfo, log: (msg: string) => void): Promise<void> {
  const t0 = Date.now();
  const mariadbd = info.basedir ? path.join(info.basedir, 'bin', 'mariadbd') : 'mariadbd';
  const child = spawn(mariadbd, [`--defaults-file=${info.cnfPath}`, '--user=root'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`mariadbd exited with ${exited} while starting:\n${await tail(path.join(info.dir as string, 'error.log'))}`);
    }
    if (await canConnect(info)) break;
    if (Date.now() > deadline) {
      throw new Error(`mariadbd did not accept connections in 60 s:\n${await tail(path.join(info.dir as string, 'error.log'))}`);
    }
    await sleep(100);
  }
  log(`mariadb server_id=${info.serverId} on 127.0.0.1:${info.port} ready in ${Date.now() - t0} ms`);
}

async function canConnect(info: MariadbInfo): Promise<boolean> {
  // Before the password is set (fresh datadir) root has none; after, it has ROOT_PASSWORD.
  for (const password of [info.password, '']) {
    try {
      const c = await mysql.createConnection({ socketPath: info.socket, user: 'root', password, connectTimeout: 1000 });
      await c.end();
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ER_ACCESS_DENIED_ERROR') continue;
      return false;
    }
  }
  return false;
}

async function adminQuery(info: MariadbInfo, statements: string[]): Promise<void> {
  const c = await mysql.createConnection({ socketPath: info.socket, user: 'root', password: '' }).catch(() =>
    mysql.createConnection({ socketPath: info.socket, user: 'root', password: info.password }),
  );
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

async function readPid(info: MariadbInfo): Promise<number | undefined> {
  if (!info.pidFile || !existsSync(info.pidFile)) return undefined;
  const pid = Number((await readFile(info.pidFile, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isAlive(pid) ? pid : undefined;
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
