/**
 * TLS and authentication against real servers, no mocks: the file starts its
 * own MariaDB (ssl-ca/ssl-cert/ssl-key, a replication user created REQUIRE
 * SSL), Redis (TLS port only, ACL user with a password, default user off) and
 * Kafka (a SASL_SSL listener with PLAIN and SCRAM users), all with a
 * certificate from a throwaway CA (test/harness/tls.ts), in parallel.
 *
 * What each test shows:
 * - source: replay and seed over TLS (verify-ca, verify-identity) as the
 *   REQUIRE SSL user give exactly what the server's SELECT shows; the same
 *   user without TLS, and TLS with an unrelated CA, are coded errors that
 *   name the problem and print no password;
 * - Redis: a replay into rediss://user:pass@…?ssl-ca=CA exports exactly what
 *   the SQLite store exports; a wrong password, and a CA that did not sign
 *   the server's certificate, are coded errors without the secret;
 * - Kafka: `run` with a SASL_SSL sink (SCRAM-SHA-256) and `seed` with one
 *   (PLAIN) deliver envelopes that a kafkajs consumer with the same TLS and
 *   SASL settings reads back into the source's rows; a wrong SASL password
 *   is a definite coded error within seconds (not retried), without secret.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type Run } from '../harness/cli.js';
import { startKafka, type KafkaServer } from '../harness/kafka.js';
import { consumeAll, dedup, rebuild, rowsOf, schemaTopicOf } from '../harness/kafka-rebuild.js';
import { connect, destroyMariadb, startMariadb, type MariadbInfo } from '../harness/mariadb.js';
import { destroyRedis, startRedis, type RedisInfo } from '../harness/redis.js';
import { compareExport } from '../harness/replay-check.js';
import { killPidFiles } from '../harness/process.js';
import { makeTlsFiles, type TlsFiles } from '../harness/tls.js';
import { runWorkload, type WorkloadCheckpoint, type WorkloadResult } from '../harness/workload.js';

// Distinctive secrets, so "not in the output" means something.
const SRC_USER = 'tlsrepl';
const SRC_PASSWORD = 'SrcPw-7Qx91z';
const REDIS_USER = 'binsnap';
const REDIS_PASSWORD = 'RedisPw-4Kd20m';
const KAFKA_USER = 'binsnap';
const KAFKA_PASSWORD = 'KafkaPw-9Vb33t';
const SECRETS = [SRC_PASSWORD, REDIS_PASSWORD, KAFKA_PASSWORD];

function expectNoSecret(r: Run): void {
  for (const s of SECRETS) {
    expect(r.out, 'a password on stdout').not.toContain(s);
    expect(r.err, 'a password on stderr').not.toContain(s);
  }
}

/** The `code` of the error line binsnap printed (its JSON log or its plain message), or null. */
function errorCodeOf(r: Run): string | null {
  return /BINSNAP_E_[A-Z_]+/.exec(r.err)?.[0] ?? null;
}

/** MariaDB and Redis run detached: should this worker die without afterAll, kill them by pid file. */
function killOnExit(pidFiles: readonly string[]): () => void {
  const kill = (): void => killPidFiles(pidFiles);
  process.once('exit', kill);
  return () => process.removeListener('exit', kill);
}

describe('TLS and authentication against real servers', () => {
  const db = `tlsauth_${process.pid}`;
  const log = (msg: string): void => console.log(`[tls-auth] ${msg}`);
  const stops: Array<() => Promise<void>> = [];
  const pidFiles: string[] = [];
  const forgetPids = killOnExit(pidFiles);
  let dir = '';
  let tls: TlsFiles;
  let maria: MariadbInfo;
  let redis: RedisInfo;
  let kafka: KafkaServer;
  let workload: WorkloadResult;
  let last: WorkloadCheckpoint;

  const sourceUrl = (query: string, password = SRC_PASSWORD): string => `mysql://${SRC_USER}:${password}@127.0.0.1:${maria.port}${query}`;
  const verifyCa = (): string => `?ssl=verify-ca&ssl-ca=${encodeURIComponent(tls.caFile)}`;
  const redisUrl = (query: string, password = REDIS_PASSWORD): string => redis.url.replace('rediss://', `rediss://${REDIS_USER}:${password}@`) + query;
  const sinkUrl = (prefix: string, mechanism: string, password = KAFKA_PASSWORD, caFile = tls.caFile): string =>
    `kafka://${kafka.saslSslBrokers!.join(',')}?topicPrefix=${prefix}&ssl=true&ssl-ca=${encodeURIComponent(caFile)}` +
    `&mechanism=${mechanism}&username=${KAFKA_USER}&password=${password}`;
  const consumerFor = (mechanism: SASLOptions['mechanism']): Kafka =>
    new Kafka({
      clientId: 'tls-auth-check',
      brokers: kafka.saslSslBrokers!,
      ssl: { ca: [readFileSync(tls.caFile, 'utf8')] },
      sasl: { mechanism, username: KAFKA_USER, password: KAFKA_PASSWORD } as SASLOptions,
      logLevel: logLevel.NOTHING,
    });

  beforeAll(async () => {
    const t0 = Date.now();
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'tls-auth-'));
    tls = await makeTlsFiles(dir);
    const pem = { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile };
    const started = await Promise.allSettled([
      startMariadb(dir, { serverId: 1, tls: pem }, log).then((m) => {
        pidFiles.push(m.pidFile!);
        stops.push(() => destroyMariadb(m));
        return m;
      }),
      startRedis(dir, log, { tls: pem, users: [{ name: REDIS_USER, password: REDIS_PASSWORD }] }).then((r) => {
        pidFiles.push(r.pidFile!);
        stops.push(() => destroyRedis(r));
        return r;
      }),
      startKafka({
        tmpRoot: dir,
        log,
        saslSsl: { keystoreFile: tls.keystoreFile, keystorePassword: tls.keystorePassword, users: [{ name: KAFKA_USER, password: KAFKA_PASSWORD }] },
      }).then((k) => {
        stops.push(() => k.stop());
        return k;
      }),
    ]);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    [maria, redis, kafka] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [MariadbInfo, RedisInfo, KafkaServer];

    const c = await connect(maria);
    try {
      await c.query(`CREATE USER '${SRC_USER}'@'127.0.0.1' IDENTIFIED BY '${SRC_PASSWORD}' REQUIRE SSL`);
      // The privileges the README asks of a source user, nothing more.
      await c.query(`GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO '${SRC_USER}'@'127.0.0.1'`);
      workload = await runWorkload(c, { seed: 11, transactions: 40, db, bigRows: 300, checkpointEvery: 1_000 });
    } finally {
      await c.end();
    }
    last = workload.checkpoints[workload.checkpoints.length - 1]!;
    // Guards against comparing empty tables.
    expect(Object.keys(last.tables).length).toBeGreaterThan(2);
    expect(Object.values(last.tables).reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(50);
    log(`servers, certificates and workload ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);

  afterAll(async () => {
    // Every server is stopped, also when a test (or another stop) failed.
    const results = await Promise.allSettled(stops.map((stop) => stop()));
    forgetPids();
    if (dir) await rm(dir, { recursive: true, force: true });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 60_000);

  async function exportsOf(store: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const table of Object.keys(last.tables).sort()) {
      const r = await runCli(['export', '--table', table, '--at', last.position, '--format', 'jsonl', '--store', store]);
      expect(r.code, r.err).toBe(0);
      out.set(table, r.out);
    }
    return out;
  }

  describe('source over TLS', () => {
    it('replay as a REQUIRE SSL user with ssl=verify-ca gives the rows the server SELECTs', async () => {
      const store = path.join(dir, 'replay.db');
      const r = await runCli(['replay', '--source', sourceUrl(verifyCa()), '--from', workload.start, '--to', workload.end, '--store', store]);
      expect(r.code, r.err).toBe(0);
      expectNoSecret(r);
      for (const [table, text] of await exportsOf(store)) compareExport(last, table, text, 'replay over TLS');
    });

    it('seed as a REQUIRE SSL user with ssl=verify-identity gives the rows the server SELECTs', async () => {
      const store = path.join(dir, 'seed.db');
      const query = `?ssl=verify-identity&ssl-ca=${encodeURIComponent(tls.caFile)}`;
      const r = await runCli(['seed', '--source', sourceUrl(query), '--tables', `${db}.*`, '--store', store]);
      expect(r.code, r.err).toBe(0);
      expectNoSecret(r);
      for (const table of Object.keys(last.tables)) {
        const e = await runCli(['export', '--table', table, '--format', 'jsonl', '--store', store]);
        expect(e.code, e.err).toBe(0);
        compareExport(last, table, e.out, 'seed over TLS');
      }
      // verify's own connections (a consistent snapshot of the source) go over TLS too.
      const v = await runCli(['verify', '--source', sourceUrl(query), '--tables', `${db}.*`, '--store', store]);
      expect(v.code, v.err).toBe(0);
      expectNoSecret(v);
    });

    it('the REQUIRE SSL user without TLS is refused: BINSNAP_E_SOURCE_AUTH, exit 3, no password printed', async () => {
      const r = await runCli(['replay', '--source', sourceUrl(''), '--from', workload.start, '--to', workload.end, '--store', path.join(dir, 'no-tls.db')]);
      expect(r.code, r.err).toBe(3);
      expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_SOURCE_AUTH');
      expect(r.err).toContain(SRC_USER);
      expectNoSecret(r);
    });

    it('a CA that did not sign the server certificate is refused at once with a coded error, no password printed', async () => {
      const cases: Array<[string, string[]]> = [
        ['verify-ca', ['seed', '--tables', `${db}.*`]],
        ['verify-identity', ['replay', '--from', workload.start, '--to', workload.end]],
        ['verify-ca', ['run', '--from', workload.start, '--until', workload.end, '--server-id', '4303']],
      ];
      for (const [mode, [command, ...args]] of cases) {
        const query = `?ssl=${mode}&ssl-ca=${encodeURIComponent(tls.otherCaFile)}`;
        const t0 = Date.now();
        const r = await runCli([command!, '--source', sourceUrl(query), ...args, '--store', path.join(dir, `wrong-ca-${command}.db`)]);
        const what = `${command} ${mode}: ${r.err}`;
        expect(r.code, what).not.toBe(0);
        expect(errorCodeOf(r), what).toMatch(/^BINSNAP_E_SOURCE_/);
        expect(r.err, what).toContain('127.0.0.1');
        expect(Date.now() - t0, `${what}: not retried`).toBeLessThan(15_000);
        expectNoSecret(r);
      }
    });

    it('a CA that did not sign the server certificate: BINSNAP_E_SOURCE_TLS, exit 3, naming the certificate problem', async () => {
      const query = `?ssl=verify-ca&ssl-ca=${encodeURIComponent(tls.otherCaFile)}`;
      const r = await runCli(['seed', '--source', sourceUrl(query), '--tables', `${db}.*`, '--store', path.join(dir, 'wrong-ca-message.db')]);
      expect(r.code, r.err).not.toBe(0);
      expect(r.code, r.err).toBe(3);
      expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_SOURCE_TLS');
      expect(r.err).toMatch(/certificate/i);
      expect(r.err).not.toMatch(/retries this by itself/);
    });

    it('an ssl-ca file that cannot be read is BINSNAP_E_CONFIG_INVALID (exit 2) naming the file, not a network error', async () => {
      const missing = path.join(dir, 'no-such-ca.pem');
      const r = await runCli(['seed', '--source', sourceUrl(`?ssl=verify-ca&ssl-ca=${encodeURIComponent(missing)}`), '--tables', `${db}.*`, '--store', path.join(dir, 'no-ca.db')]);
      expect(r.code, r.err).toBe(2);
      expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_CONFIG_INVALID');
      expect(r.err).toContain('no-such-ca.pem');
      expectNoSecret(r);
    });

    (inject('mariadb').how === 'local' ? it : it.skip)('ssl=preferred falls back to plain text on a server without TLS; ssl=required refuses it', async () => {
      const plain = inject('mariadb');
      const c = await connect(plain);
      try {
        await c.query('CREATE DATABASE IF NOT EXISTS tls_preferred');
        await c.query('CREATE TABLE IF NOT EXISTS tls_preferred.t (id INT PRIMARY KEY)');
        await c.query('INSERT IGNORE INTO tls_preferred.t VALUES (1), (2)');
      } finally {
        await c.end();
      }
      const r = await runCli(['seed', '--source', `${plain.url}?ssl=preferred`, '--tables', 'tls_preferred.t', '--store', path.join(dir, 'preferred.db')]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/seeded 2 rows/);
      const q = await runCli(['seed', '--source', `${plain.url}?ssl=required`, '--tables', 'tls_preferred.t', '--store', path.join(dir, 'required.db')]);
      expect(q.code, q.err).toBe(3);
      expect(errorCodeOf(q), q.err).toBe('BINSNAP_E_SOURCE_TLS');
    });
  });

  describe('Redis store over TLS with an ACL user', () => {
    it('a replay into rediss://user:pass@…?ssl-ca=CA exports exactly what the SQLite store exports', async () => {
      const sqlite = path.join(dir, 'redis-twin.db');
      const store = redisUrl(`?prefix=tls${process.pid}&ssl-ca=${encodeURIComponent(tls.caFile)}`);
      for (const s of [sqlite, store]) {
        const r = await runCli(['replay', '--source', sourceUrl(verifyCa()), '--from', workload.start, '--to', workload.end, '--store', s]);
        expect(r.code, r.err).toBe(0);
        expectNoSecret(r);
      }
      const fromRedis = await exportsOf(store);
      const fromSqlite = await exportsOf(sqlite);
      expect([...fromRedis.keys()]).toEqual([...fromSqlite.keys()]);
      for (const [table, text] of fromSqlite) {
        expect(fromRedis.get(table), table).toBe(text);
        compareExport(last, table, text, 'sqlite');
      }
      const status = await runCli(['status', '--json', '--store', store]);
      expect(status.code, status.err).toBe(0);
      expectNoSecret(status);
    });

    it('a wrong Redis password is BINSNAP_E_STORE_OPEN, exit 1, without the password', async () => {
      const wrong = 'WrongRedisPw-0000';
      const r = await runCli(['status', '--store', redisUrl(`?ssl-ca=${encodeURIComponent(tls.caFile)}`, wrong)]);
      expect(r.code, r.err).toBe(1);
      expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_STORE_OPEN');
      expect(r.err).toMatch(/WRONGPASS|password|auth/i);
      expect(r.out + r.err).not.toContain(wrong);
      expectNoSecret(r);
    });

    it('rediss:// without the CA, or with an unrelated one, is BINSNAP_E_STORE_OPEN naming the certificate', async () => {
      for (const query of ['', `?ssl-ca=${encodeURIComponent(tls.otherCaFile)}`]) {
        const t0 = Date.now();
        const r = await runCli(['status', '--store', redisUrl(query)]);
        expect(r.code, `${query}: ${r.err}`).toBe(1);
        expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_STORE_OPEN');
        expect(r.err, query).toMatch(/certificate/i);
        expect(Date.now() - t0, 'a certificate refusal is not retried').toBeLessThan(15_000);
        expectNoSecret(r);
      }
    });
  });

  describe('Kafka sink over SASL_SSL', () => {
    it('run --sink with SCRAM-SHA-256 over TLS delivers envelopes a TLS+SASL consumer rebuilds into the source rows', async () => {
      const prefix = `tlsrun${process.pid}`;
      const r = await runCli([
        'run', '--source', sourceUrl(verifyCa()), '--from', workload.start, '--until', workload.end,
        '--store', path.join(dir, 'run-sink.db'), '--server-id', '4301', '--sink', sinkUrl(prefix, 'scram-sha-256'),
      ]);
      expect(r.code, r.err).toBe(0);
      expectNoSecret(r);
      const records = dedup(await consumeAll(consumerFor('scram-sha-256'), prefix, 30_000));
      expect(records.length).toBeGreaterThan(40);
      const tables = rebuild(records, schemaTopicOf(prefix));
      for (const [table, rows] of Object.entries(last.tables)) {
        expect(rowsOf(tables.get(table)), table).toEqual(rows.map((row) => JSON.stringify(row)).sort());
      }
    });

    it('seed --sink with PLAIN over TLS sends every row as op r', async () => {
      const prefix = `tlsseed${process.pid}`;
      const r = await runCli(['seed', '--source', sourceUrl(verifyCa()), '--tables', `${db}.*`, '--store', path.join(dir, 'seed-sink.db'), '--sink', sinkUrl(prefix, 'plain')]);
      expect(r.code, r.err).toBe(0);
      expectNoSecret(r);
      const records = dedup(await consumeAll(consumerFor('plain'), prefix, 30_000));
      const rowRecords = records.filter((rec) => rec.topic !== schemaTopicOf(prefix));
      const total = Object.values(last.tables).reduce((n, rows) => n + rows.length, 0);
      expect(rowRecords).toHaveLength(total);
      expect(new Set(rowRecords.map((rec) => rec.value.op))).toEqual(new Set(['r']));
      const tables = rebuild(records, schemaTopicOf(prefix));
      for (const [table, rows] of Object.entries(last.tables)) {
        expect(rowsOf(tables.get(table)), table).toEqual(rows.map((row) => JSON.stringify(row)).sort());
      }
    });

    it('a wrong SASL password is BINSNAP_E_SINK_REJECTED within seconds, without the password', async () => {
      const wrong = 'WrongKafkaPw-0000';
      for (const mechanism of ['plain', 'scram-sha-256']) {
        const t0 = Date.now();
        const r = await runCli([
          'run', '--source', sourceUrl(verifyCa()), '--from', workload.start, '--until', workload.end,
          '--store', path.join(dir, `bad-sasl-${mechanism}.db`), '--server-id', '4302', '--sink', sinkUrl(`bad${process.pid}`, mechanism, wrong),
        ]);
        expect(r.code, `${mechanism}: ${r.err}`).toBe(1);
        expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_SINK_REJECTED');
        expect(r.err, mechanism).toMatch(/SASL|authenticat/i);
        expect(Date.now() - t0, 'an authentication failure is not retried').toBeLessThan(20_000);
        expect(r.out + r.err).not.toContain(wrong);
        expectNoSecret(r);
      }
    });

    it('a CA that did not sign the broker certificate is BINSNAP_E_SINK_REJECTED naming the certificate, not retried', async () => {
      const t0 = Date.now();
      // retryTimeoutMs bounds the test should the refusal be taken for a transient failure.
      const sink = `${sinkUrl(`badca${process.pid}`, 'plain', KAFKA_PASSWORD, tls.otherCaFile)}&retryTimeoutMs=20000`;
      const r = await runCli(['seed', '--source', sourceUrl(verifyCa()), '--tables', `${db}.*`, '--store', path.join(dir, 'bad-ca-sink.db'), '--sink', sink]);
      expect(r.code, r.err).toBe(1);
      expect(errorCodeOf(r), r.err).toBe('BINSNAP_E_SINK_REJECTED');
      expect(r.err).toMatch(/certificate/i);
      expect(Date.now() - t0, 'a certificate refusal is not retried').toBeLessThan(15_000);
      expectNoSecret(r);
    });
  });
});
