import { describe, expect, it } from 'vitest';
import { MetricsRegistry, serveMetrics } from './metrics.js';

describe('MetricsRegistry and the metrics server', () => {
  it('renders the Prometheus text format with help, type, labels and infinities', () => {
    const r = new MetricsRegistry();
    const inc = r.counter('binsnap_reconnects_total', 'reconnections');
    const pos = r.gauge('binsnap_checkpoint_offset', 'offset');
    const left = r.gauge('binsnap_binlog_retention_seconds_left', 'left');
    inc();
    inc(2);
    pos(1337, { file: 'mysql-bin."000042' });
    left(Number.POSITIVE_INFINITY);
    expect(r.render()).toBe(
      [
        '# HELP binsnap_reconnects_total reconnections',
        '# TYPE binsnap_reconnects_total counter',
        'binsnap_reconnects_total 3',
        '# HELP binsnap_checkpoint_offset offset',
        '# TYPE binsnap_checkpoint_offset gauge',
        'binsnap_checkpoint_offset{file="mysql-bin.\\"000042"} 1337',
        '# HELP binsnap_binlog_retention_seconds_left left',
        '# TYPE binsnap_binlog_retention_seconds_left gauge',
        'binsnap_binlog_retention_seconds_left +Inf',
        '',
      ].join('\n'),
    );
  });

  it('refreshes values that depend on the time of the scrape before every render', () => {
    const r = new MetricsRegistry();
    const lag = r.gauge('binsnap_lag_seconds', 'lag');
    let now = 10;
    r.onCollect(() => lag(now - 4));
    expect(r.render()).toContain('binsnap_lag_seconds 6\n');
    now = 70;
    expect(r.render()).toContain('binsnap_lag_seconds 66\n');
  });

  it('serves /metrics and /healthz (503 when unhealthy) on a port', async () => {
    const r = new MetricsRegistry();
    r.gauge('binsnap_lag_seconds', 'lag')(0.5);
    let healthy = true;
    const server = await serveMetrics('127.0.0.1', 0, r, () => ({ healthy, details: { lagSeconds: 0.5 } }));
    try {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const m = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect(await m.text()).toContain('binsnap_lag_seconds 0.5');
      const h = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ status: 'ok', lagSeconds: 0.5 });
      healthy = false;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });
});
