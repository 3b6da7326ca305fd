/**
 * The test harness itself: each throwaway server works as later tests rely on.
 * A row written on the primary reaches the replica and the replica's own binary
 * log (log_slave_updates); Redis answers set/get.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { connect, waitForReplica } from '../harness/mariadb.js';

const execFileP = promisify(execFile);

describe('throwaway MariaDB primary and replica', () => {
  const primary = inject('mariadb');
  const replica = inject('replica');

  it('the primary logs in ROW format with the requested settings', async () => {
    const c = await connect(primary);
    try {
      const [rows] = await c.query(
        'SELECT @@log_bin AS log_bin, @@binlog_format AS fmt, @@server_id AS sid, @@binlog_row_metadata AS meta',
      );
      const [row] = rows as Array<Record<string, unknown>>;
      expect({ ...row, log_bin: Number(row?.['log_bin']), sid: Number(row?.['sid']) }).toEqual({
        log_bin: 1,
        fmt: 'ROW',
        sid: primary.serverId,
        meta: 'FULL',
      });
    } finally {
      await c.end();
    }
  });

  it.skipIf(!replica)('a row written on the primary is on the replica and in its binlog', async () => {
    if (!replica) return;
    const marker = `harness-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const p = await connect(primary);
    try {
      await p.query('CREATE DATABASE IF NOT EXISTS harness');
      await p.query('CREATE TABLE IF NOT EXISTS harness.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100))');
      await p.query('INSERT INTO harness.t (v) VALUES (?)', [marker]);
    } finally {
      await p.end();
    }
    await waitForReplica(primary, replica);

    const r = await connect(replica);
    try {
      const [rows] = await r.query('SELECT v FROM harness.t WHERE v = ?', [marker]);
      expect(rows).toEqual([{ v: marker }]);
      const [sid] = await r.query('SELECT @@server_id AS sid, @@log_slave_updates AS lsu');
      const [settings] = sid as Array<{ sid: string; lsu: string }>;
      expect([Number(settings?.sid), Number(settings?.lsu)]).toEqual([replica.serverId, 1]);
    } finally {
      await r.end();
    }

    // The replica's own binlog, read by an independent decoder, holds the row.
    const dir = replica.binlogDir as string;
    const files = readdirSync(dir)
      .filter((f) => /^mysql-bin\.\d+$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    const { stdout } = await execFileP('mariadb-binlog', ['--base64-output=decode-rows', '--verbose', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain(`### INSERT INTO \`harness\`.\`t\``);
    expect(stdout).toContain(`'${marker}'`);
    // Written by the replica's SQL thread, the event keeps the primary's server id.
    expect(stdout).toMatch(new RegExp(`server id ${primary.serverId} .*\\n(?:.*\\n)*?### INSERT INTO \`harness\`\\.\`t\``));
  });
});

describe('throwaway Redis', () => {
  it('sets and gets a value', async () => {
    const redis = new Redis(inject('redis').url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = `harness:${Date.now()}`;
      await redis.set(key, 'value-1', 'EX', 60);
      expect(await redis.get(key)).toBe('value-1');
      expect(await redis.config('GET', 'save')).toEqual(['save', '']);
    } finally {
      redis.disconnect();
    }
  });
});
