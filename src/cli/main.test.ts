import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { main } from './main.js';
import { COMMANDS } from './commands/index.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; logs: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const logStream = new PassThrough();
  let out = '';
  let err = '';
  let logs = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  logStream.on('data', (d) => (logs += String(d)));
  const code = await main(argv, env, {
    stdout,
    stderr,
    interactive: false,
    createLogger: (level) => pino({ level }, logStream),
  });
  return { code, out, err, logs };
}

describe('binsnap CLI', () => {
  it('--help lists every command of SPEC §2 plus dump', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['seed', 'run', 'replay', 'export', 'schema', 'history', 'status', 'verify', 'dump']) {
      expect(r.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(Object.keys(COMMANDS).sort()).toEqual(['dump', 'export', 'history', 'replay', 'run', 'schema', 'seed', 'status', 'verify']);
  });

  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('each command --help shows its flags and their environment variables', async () => {
    const r = await run(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--from-gtid <SET>');
    expect(r.out).toContain('BINSNAP_FROM_GTID');
    expect(r.out).toContain('--until <FILE:POS>');
  });

  it('an unknown flag or command is a usage error (exit 2)', async () => {
    expect((await run(['export', '--bogus'])).code).toBe(2);
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it('a feature not built yet (export --format parquet) exits 2 and says so', async () => {
    const r = await run(['export', '--table', 'shop.t', '--format', 'parquet', '--store', '/nonexistent/dir/x.db']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('BINSNAP_E_NOT_IMPLEMENTED');
    expect(r.err).toContain('what to do:');
  });

  it('a configuration error names the field and never prints the password', async () => {
    const r = await run(['seed', '--source', 'mysql://u:hunter2@h:3306', '--parallel', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('BINSNAP_E_CONFIG_INVALID');
    expect(r.err).toContain('--parallel');
    expect(r.err + r.logs).not.toContain('hunter2');
  });

  it('--json prints the error as one JSON object', async () => {
    const r = await run(['export', '--json']);
    expect(r.code).toBe(2);
    const parsed = JSON.parse(r.err) as { error: { code: string; exitCode: number } };
    expect(parsed.error).toMatchObject({ code: 'BINSNAP_E_USAGE', exitCode: 2 });
  });
});
