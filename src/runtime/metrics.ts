/**
 * Prometheus metrics and a health endpoint for the daemon (`--metrics
 * HOST:PORT`): `GET /metrics` in the Prometheus text exposition format 0.0.4,
 * `GET /healthz` as JSON with 200 while the daemon is healthy, 503 otherwise.
 *
 * The registry is plain data the daemon updates as it goes; rendering reads
 * it. Invariants: metric names are stable (documented in README); no label
 * value ever holds a secret; the server listens on 127.0.0.1 unless told.
 */
import { createServer, type Server } from 'node:http';
import { BinsnapError } from '../core/errors.js';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  value: number;
  /** Optional labels of the single series. */
  labels?: Readonly<Record<string, string>>;
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: Array<() => void> = [];

  /** `fn` runs before every render, to refresh values that depend on the time of the scrape. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  counter(name: string, help: string): (by?: number) => void {
    const m = this.define(name, help, 'counter');
    return (by = 1) => {
      m.value += by;
    };
  }

  gauge(name: string, help: string): (value: number, labels?: Record<string, string>) => void {
    const m = this.define(name, help, 'gauge');
    return (value, labels) => {
      m.value = value;
      if (labels) m.labels = labels;
    };
  }

  value(name: string): number | undefined {
    return this.metrics.get(name)?.value;
  }

  render(): string {
    for (const fn of this.collectors) fn();
    let out = '';
    for (const m of this.metrics.values()) {
      out += `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`;
      const labels = m.labels ? `{${Object.entries(m.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out += `${m.name}${labels} ${formatValue(m.value)}\n`;
    }
    return out;
  }

  private define(name: string, help: string, type: Metric['type']): Metric {
    let m = this.metrics.get(name);
    if (!m) {
      m = { name, help, type, value: type === 'gauge' ? Number.NaN : 0 };
      this.metrics.set(name, m);
    }
    return m;
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export interface Health {
  readonly healthy: boolean;
  readonly details: Record<string, unknown>;
}

/** Serves /metrics and /healthz; resolves once listening. */
export async function serveMetrics(host: string, port: number, registry: MetricsRegistry, health: () => Health): Promise<Server> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(registry.render());
    } else if (url === '/healthz') {
      const h = health();
      res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: h.healthy ? 'ok' : 'unhealthy', ...h.details }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('binsnap: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new BinsnapError('BINSNAP_E_CONFIG_INVALID', `cannot serve metrics on ${host}:${port}: ${(err as Error).message}`, { field: 'metrics' }, { cause: err })),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
