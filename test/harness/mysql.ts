/**
 * A throwaway MySQL server for the tests that need MySQL rather than MariaDB:
 * a build from a base directory (scripts/fetch-mysql.sh unpacks MySQL 8.0 from
 * Maven Central), its own datadir in a temp dir, a free port on 127.0.0.1,
 * ROW binlog with full metadata and GTIDs on. `destroyMariadb` stops and
 * removes it like any local server of the harness.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import mysql from 'mysql2/promise';
import { ROOT_PASSWORD, localInfo, type MariadbInfo } from './mariadb.js';
import { findFreePort } from './ports.js';

const execFileP = promisify(execFile);

/** The MySQL base directory the tests use: BINSNAP_TEST_MYSQL_BASEDIR, if set. */
export function mysqlBasedir(): string | undefined {
  const dir = process.env['BINSNAP_TEST_MYSQL_BASEDIR'];
  return dir === undefined || dir === '' ? undefined : dir;
}

export async function startMysql(tmpRoot: string, basedir: string, serverId = 80): Promise<MariadbInfo> {
  const dir = await mkdtemp(path.join(tmpRoot, 'mysql-'));
  const port = await findFreePort();
  const info: MariadbInfo = {
    ...localInfo(dir, port, serverId),
    binlogBaseName: 'binlog',
    pidFile: path.join(dir, 'mysqld.pid'),
    socket: path.join(dir, 'mysqld.sock'),
    basedir,
  };
  const cnf = [
    '[mysqld]',
    `basedir=${basedir}`,
    `datadir=${path.join(dir, 'data')}`,
    `socket=${info.socket}`,
    `pid-file=${info.pidFile}`,
    `log-error=${path.join(dir, 'error.log')}`,
    `lc-messages-dir=${path.join(basedir, 'share')}`,
    `port=${port}`,
    'bind-address=127.0.0.1',
    'mysqlx=OFF',
    'skip-name-resolve',
    `server-id=${serverId}`,
    `log-bin=${path.join(dir, 'data', 'binlog')}`,
    'binlog-format=ROW',
    'binlog-row-metadata=FULL',
    'gtid-mode=ON',
    'enforce-gtid-consistency=ON',
    'innodb-buffer-pool-size=64M',
    'default-time-zone=+00:00',
    'performance-schema=OFF',
  ].join('\n');
  await writeFile(info.cnfPath as string, `${cnf}\n`);
  const mysqld = path.join(basedir, 'bin', 'mysqld');
  await execFileP(mysqld, [`--defaults-file=${info.cnfPath}`, '--initialize-insecure', '--user=root'], { timeout: 120_000 });
  const child = spawn(mysqld, [`--defaults-file=${info.cnfPath}`, '--user=root'], { detached: true, stdio: 'ignore' });
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const t0 = Date.now();
  for (;;) {
    if (exited !== undefined) throw new Error(`mysqld exited with ${exited} while starting:\n${await errorLog(dir)}`);
    try {
      const c = await mysql.createConnection({ socketPath: info.socket, user: 'root', password: '' });
      try {
        for (const s of [
          `ALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PASSWORD}'`,
          `CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '${ROOT_PASSWORD}'`,
          `GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`,
          'RESET MASTER',
        ]) {
          await c.query(s);
        }
      } finally {
        await c.end();
      }
      return info;
    } catch (err) {
      if (Date.now() - t0 > 60_000) throw new Error(`mysqld did not accept connections in 60 s (${String(err)}):\n${await errorLog(dir)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function errorLog(dir: string): Promise<string> {
  try {
    return (await readFile(path.join(dir, 'error.log'), 'utf8')).split('\n').slice(-30).join('\n');
  } catch {
    return '(no error log)';
  }
}
