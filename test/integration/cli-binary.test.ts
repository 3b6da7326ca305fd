/**
 * The installed command as users run it: `node bin/binsnap.js` from the built
 * dist/ (npm test builds first). Exit codes and output streams are checked on
 * the real process, not on main() in-process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/binsnap.js');
const built = existsSync(path.join(root, 'dist/cli/main.js'));

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
});
