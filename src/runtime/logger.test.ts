import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes structured JSON lines and never a password', async () => {
    const dest = new PassThrough();
    let text = '';
    dest.on('data', (d) => (text += String(d)));
    const log = createLogger({ level: 'info', destination: dest });
    log.child({ component: 'source' }).info(
      { source: 'mysql://repl:hunter2@db:3306', config: { store: 'redis://:pw2@r:6379/0', password: 'pw3' } },
      'connecting to mysql://repl:hunter2@db:3306',
    );
    log.error({ err: new Error('auth failed for mysql://repl:hunter2@db:3306') }, 'failed');
    log.debug('not shown at info');
    await new Promise((r) => setImmediate(r));
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', component: 'source', msg: 'connecting to mysql://repl:***@db:3306' });
    expect(lines[0]?.['source']).toBe('mysql://repl:***@db:3306');
    expect(lines[0]?.['config']).toEqual({ store: 'redis://:***@r:6379/0', password: '***' });
    expect(text).not.toMatch(/hunter2|pw2|pw3/);
    expect(lines[1]?.['level']).toBe('error');
  });
});
