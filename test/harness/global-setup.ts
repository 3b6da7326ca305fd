/**
 * vitest global setup of the `integration` project: gives every test file real,
 * throwaway servers and removes them at the end, also when tests fail.
 *
 * For each server, in order: a URL in the environment (BINSNAP_TEST_MYSQL_URL,
 * BINSNAP_TEST_MYSQL_REPLICA_URL, BINSNAP_TEST_REDIS_URL,
 * BINSNAP_TEST_KAFKA_BROKERS); else testcontainers when a Docker engine is
 * reachable; else the local binaries (Debian's mariadbd and redis-server,
 * Apache Kafka's jars run with the machine's Java). It prints which was used
 * and how long each took to start. Tests read the servers with
 * `inject('mariadb')`, `inject('replica')`, `inject('redis')`, `inject('kafka')`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { destroyMariadb, startMariadb, startReplica, ROOT_PASSWORD, type MariadbInfo } from './mariadb.js';
import { destroyRedis, startRedis, type RedisInfo } from './redis.js';
import { startKafka } from './kafka.js';
import { killPidFiles } from './process.js';
import {
  dockerLikelyReachable,
  startKafkaContainer,
  startMysqlContainer,
  startRedisContainer,
} from './containers.js';

export interface KafkaInfo {
  readonly how: string;
  readonly brokers: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    mariadb: MariadbInfo;
    /** undefined when the source server came from the environment without a replica URL. */
    replica: MariadbInfo | undefined;
    redis: RedisInfo;
    kafka: KafkaInfo;
    tmpRoot: string;
  }
}

type Stopper = () => Promise<void>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const base = process.env['BINSNAP_TEST_TMP'] ?? os.tmpdir();
  mkdirSync(base, { recursive: true });
  const tmpRoot = await mkdtemp(path.join(base, 'binsnap-test-'));
  process.env['BINSNAP_TEST_TMP'] = tmpRoot;
  const stoppers: Stopper[] = [];
  const log = (msg: string): void => console.log(`[test servers] ${msg}`);
  const useDocker = dockerLikelyReachable();

  const emergency = (): void => emergencyStop(stoppedPids);
  const stoppedPids: string[] = [];
  process.once('exit', emergency);

  const teardown = async (): Promise<void> => {
    const t1 = Date.now();
    const errors: unknown[] = [];
    for (const stop of stoppers.reverse()) {
      try {
        await stop();
      } catch (err) {
        errors.push(err);
      }
    }
    await rm(tmpRoot, { recursive: true, force: true });
    process.removeListener('exit', emergency);
    log(`stopped every server in ${Date.now() - t1} ms`);
    if (errors.length > 0) throw new AggregateError(errors, 'some test servers did not stop cleanly');
  };

  try {
    const timed = async <T>(name: string, start: () => Promise<T>, how: (v: T) => string): Promise<T> => {
      const s = Date.now();
      const v = await start();
      log(`${name}: ${how(v)}, started in ${((Date.now() - s) / 1000).toFixed(1)} s`);
      return v;
    };

    const mysqlP = timed(
      'mariadb',
      async () => {
        const url = process.env['BINSNAP_TEST_MYSQL_URL'];
        if (url) return { primary: fromUrl(url, 1), replica: replicaFromEnv() };
        if (useDocker) {
          const c = await startMysqlContainer();
          stoppers.push(c.stop);
          return { primary: c.info, replica: undefined };
        }
        const primary = await startMariadb(tmpRoot, { serverId: 1 }, log);
        stoppers.push(() => destroyMariadb(primary));
        stoppedPids.push(primary.pidFile as string);
        const replica = await startReplica(tmpRoot, primary, { serverId: 2 }, log);
        stoppers.push(() => destroyMariadb(replica));
        stoppedPids.push(replica.pidFile as string);
        return { primary, replica };
      },
      (v) => `${v.primary.how} primary on ${v.primary.host}:${v.primary.port}` +
        (v.replica ? `, replica on ${v.replica.host}:${v.replica.port}` : ', no replica'),
    );
    const redisP = timed(
      'redis',
      async () => {
        const url = process.env['BINSNAP_TEST_REDIS_URL'];
        if (url) return { how: 'env', url } as RedisInfo;
        if (useDocker) {
          const c = await startRedisContainer();
          stoppers.push(c.stop);
          return c.info;
        }
        const r = await startRedis(tmpRoot, log);
        stoppers.push(() => destroyRedis(r));
        stoppedPids.push(r.pidFile as string);
        return r;
      },
      (v) => `${v.how} at ${v.url}`,
    );
    const kafkaP = timed(
      'kafka',
      async (): Promise<KafkaInfo> => {
        const brokers = process.env['BINSNAP_TEST_KAFKA_BROKERS'];
        if (brokers) return { how: 'env', brokers: brokers.split(',').map((b) => b.trim()) };
        if (useDocker) {
          const c = await startKafkaContainer();
          stoppers.push(c.stop);
          return c.info;
        }
        const k = await startKafka({ tmpRoot, log });
        stoppers.push(() => k.stop());
        return { how: 'local', brokers: k.brokers };
      },
      (v) => `${v.how} broker at ${v.brokers.join(',')}`,
    );
    // Settle all three before failing, so a failure never leaves a server behind.
    const [m, r, k] = await Promise.allSettled([mysqlP, redisP, kafkaP]);
    if (m.status === 'rejected') throw m.reason;
    if (r.status === 'rejected') throw r.reason;
    if (k.status === 'rejected') throw k.reason;
    project.provide('mariadb', m.value.primary);
    project.provide('replica', m.value.replica);
    project.provide('redis', r.value);
    project.provide('kafka', k.value);
    project.provide('tmpRoot', tmpRoot);
    log(`all servers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

function fromUrl(url: string, serverId: number): MariadbInfo {
  const u = new URL(url);
  return {
    how: 'env',
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ROOT_PASSWORD),
    url,
    serverId,
  };
}

function replicaFromEnv(): MariadbInfo | undefined {
  const url = process.env['BINSNAP_TEST_MYSQL_REPLICA_URL'];
  return url ? fromUrl(url, 2) : undefined;
}

/** Last resort when the process exits without teardown: kill what we started. */
function emergencyStop(pidFiles: string[]): void {
  killPidFiles(pidFiles);
  const tmp = process.env['BINSNAP_TEST_TMP'];
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
