/**
 * The installed command as users run it: `node bin/binsnap.js` from the built
 * dist/ (npm test builds first). Exit codes and output streams are checked on
 * the real process, not on main() in-process. The command runs from the
 * bundle (dist/bundle/, ADR 0022): a seed there starts the bundled encoding
 * threads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../harness/mariadb.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/binsnap.js');
const built = existsSync(path.join(root, 'dist/bundle/main.js'));

function binsnap(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('the binsnap command', () => {
  it('prints its version and help on stdout with exit 0', () => {
    const v = binsnap(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = binsnap(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: binsnap');
    expect(h.err).toBe('');
  });

  it('exits 2 on a usage error and on a bad BINSNAP_* variable, naming it on stderr', () => {
    expect(binsnap(['export', '--nope']).code).toBe(2);
    const r = binsnap(['run'], { BINSNAP_UNTIL: 'not-a-position', BINSNAP_SOURCE: 'mysql://u:topsecret@h:3306' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('BINSNAP_E_CONFIG_INVALID');
    expect(r.err).toContain('BINSNAP_UNTIL');
    expect(r.err).not.toContain('topsecret');
  });

  const fixture = path.resolve(root, '../shared/fixtures/binlogs/rust_mysql_common/ver_trunk_row_v2.001');
  it.skipIf(!existsSync(fixture))('dump into a pipe closed early (| head) ends quietly with exit 0', () => {
    // Several hundred KB of JSON lines: far more than a pipe buffer, so head closes it mid-write.
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `node ${JSON.stringify(bin)} dump ${JSON.stringify(fixture)} | head -1`], {
      encoding: 'utf8',
    });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pos: 4, type: 'FORMAT_DESCRIPTION', typeCode: 15 });
  });

  it('the bundle holds every worker module the code starts, and a seed through it (encoding threads) equals the source', async () => {
    const starts = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === 'bundle' ? [] : starts(p);
        return [...readFileSync(p, 'utf8').matchAll(/^(?!\s*(?:\*|\/\/)).*startModuleWorker\(import\.meta\.url, '\.\/([\w-]+)'/gm)].map((m) => m[1] as string);
      });
    const workers = starts(path.join(root, 'dist'));
    expect(workers.sort()).toEqual(['seed-encoder-worker', 'sqlite-compactor-worker']);
    for (const w of workers) expect(existsSync(path.join(root, 'dist/bundle', `${w}.js`)), w).toBe(true);

    const server = inject('mariadb');
    const c = await connect(server);
    try {
      await c.query('DROP DATABASE IF EXISTS bin_seed');
      await c.query('CREATE DATABASE bin_seed');
      await c.query("CREATE TABLE bin_seed.t (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb4, n DECIMAL(6,2))");
      await c.query("INSERT INTO bin_seed.t SELECT seq, CONCAT('ü', seq), seq / 4 FROM bin_seed.seq_1_to_3000");
    } finally {
      await c.end();
    }
    const store = path.join(mkdtempSync(path.join(inject('tmpRoot'), 'cli-binary-')), 's.db');
    const seeded = binsnap(['seed', '--source', server.url, '--tables', 'bin_seed.t', '--parallel', '2', '--store', store]);
    expect(seeded.code, seeded.err).toBe(0);
    const exported = binsnap(['export', '--table', 'bin_seed.t', '--store', store]);
    expect(exported.code, exported.err).toBe(0);
    const rows = exported.out.trim().split('\n').map((l) => JSON.parse(l) as { id: number; name: string; n: string });
    expect(rows).toHaveLength(3000);
    expect(rows[0]).toEqual({ id: 1, name: 'ü1', n: '0.25' });
    expect(rows[2999]).toEqual({ id: 3000, name: 'ü3000', n: '750.00' });
  });
});
