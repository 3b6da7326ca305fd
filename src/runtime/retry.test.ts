import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { retry } from './retry.js';

const transient = (): BinsnapError => new BinsnapError('BINSNAP_E_SOURCE_UNREACHABLE', 'down');
const definite = (): BinsnapError => new BinsnapError('BINSNAP_E_SOURCE_AUTH', 'denied');

function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

describe('retry', () => {
  it('retries transient errors with growing, jittered delays, then succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 5) throw transient();
        return 'ok';
      },
      { initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5, ...clock },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    // ceiling 100, 200, 400, 800; delay = ceiling * (0.5 + 0.5 * random)
    expect(clock.sleeps).toEqual([75, 150, 300, 600]);
  });

  it('never retries a definite error', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw definite();
      }, clock),
    ).rejects.toMatchObject({ code: 'BINSNAP_E_SOURCE_AUTH' });
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up at the deadline with the last error', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw transient();
        },
        { initialDelayMs: 100, maxDelayMs: 100, deadlineMs: 1_000, random: () => 0.999, ...clock },
      ),
    ).rejects.toMatchObject({ code: 'BINSNAP_E_SOURCE_UNREACHABLE' });
    expect(clock.now()).toBeLessThanOrEqual(1_000);
    expect(calls).toBe(11);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const ctl = new AbortController();
    const p = retry(
      async () => {
        throw transient();
      },
      { initialDelayMs: 60_000, signal: ctl.signal },
    );
    setTimeout(() => ctl.abort(new Error('stop')), 20);
    await expect(p).rejects.toThrow('stop');
  });
});
