/**
 * Test servers from Docker images through testcontainers, used when a Docker
 * engine is reachable and no server URL is given in the environment: MySQL 8.4
 * (binlog ROW, GTIDs on), Redis 7 and Apache Kafka (KRaft, single node).
 * No Docker engine runs on the project's CI machines, so this path is exercised
 * only on developers' machines that have one.
 */
import { existsSync } from 'node:fs';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { findFreePort } from './ports.js';
import type { MariadbInfo } from './mariadb.js';
import type { RedisInfo } from './redis.js';

export function dockerLikelyReachable(): boolean {
  if (process.env['BINSNAP_TEST_NO_DOCKER']) return false;
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

export interface Started<T> {
  readonly info: T;
  readonly stop: () => Promise<void>;
}

const MYSQL_ROOT_PASSWORD = 'binsnap-test-root';

export async function startMysqlContainer(): Promise<Started<MariadbInfo>> {
  const c: StartedTestContainer = await new GenericContainer('mysql:8.4')
    .withEnvironment({ MYSQL_ROOT_PASSWORD, MYSQL_ROOT_HOST: '%' })
    .withCommand([
      '--server-id=1',
      '--log-bin=mysql-bin',
      '--binlog-format=ROW',
      '--binlog-row-metadata=FULL',
      '--gtid-mode=ON',
      '--enforce-gtid-consistency=ON',
    ])
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/, 1))
    .withStartupTimeout(180_000)
    .start();
  const host = c.getHost();
  const port = c.getMappedPort(3306);
  return {
    info: {
      how: 'container',
      host,
      port,
      user: 'root',
      password: MYSQL_ROOT_PASSWORD,
      url: `mysql://root:${MYSQL_ROOT_PASSWORD}@${host}:${port}`,
      serverId: 1,
    },
    stop: async () => {
      await c.stop();
    },
  };
}

export async function startRedisContainer(): Promise<Started<RedisInfo>> {
  const c = await new GenericContainer('redis:7')
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  return {
    info: { how: 'container', url: `redis://${c.getHost()}:${c.getMappedPort(6379)}/0` },
    stop: async () => {
      await c.stop();
    },
  };
}

export async function startKafkaContainer(): Promise<Started<{ brokers: string[]; how: string }>> {
  // The advertised listener must name the host port, so bind a fixed free one.
  const port = await findFreePort();
  const c = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  return {
    info: { brokers: [`localhost:${port}`], how: 'container' },
    stop: async () => {
      await c.stop();
    },
  };
}
