import { describe, expect, it } from 'vitest';
import { SILENT_LOG } from '../pipeline/pipeline-log.js';
import type { SinkLocation } from '../config/values.js';
import { describeSink, openKafkaSink } from './kafka-sink.js';

function location(params: Record<string, string>): SinkLocation {
  return { kind: 'kafka', brokers: ['127.0.0.1:1'], topicPrefix: 'bs', params, redacted: 'kafka://127.0.0.1:1' };
}

describe('openKafkaSink', () => {
  it('brokers that stay unreachable: a transient BINSNAP_E_SINK_UNAVAILABLE once the retry budget is spent', async () => {
    const err = await openKafkaSink(location({ retryTimeoutMs: '0' }), { clientId: 't', log: SILENT_LOG }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BINSNAP_E_SINK_UNAVAILABLE', transient: true });
  }, 60_000);

  it('bad SASL settings are a configuration error and the password is never in a message', async () => {
    const err = await openKafkaSink(location({ mechanism: 'gssapi', username: 'u', password: 'hunter2' }), { clientId: 't', log: SILENT_LOG }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BINSNAP_E_CONFIG_INVALID' });
    expect(String((err as Error).message)).not.toContain('hunter2');
    const missing = await openKafkaSink(location({ mechanism: 'plain', username: 'u' }), { clientId: 't', log: SILENT_LOG }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'BINSNAP_E_CONFIG_INVALID' });
    expect(describeSink(location({ password: 'hunter2' }))).toBe('kafka://127.0.0.1:1?topicPrefix=bs');
  });
});
