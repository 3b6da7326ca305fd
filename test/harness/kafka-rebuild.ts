/**
 * A Kafka consumer that rebuilds tables from binsnap's change events (SPEC §5
 * envelopes), for integration tests: read every topic of a topic prefix from
 * the beginning up to the end offsets taken when the read starts, drop
 * duplicates by (topic, source position), and apply the envelopes in
 * position order (c/u/r upsert by key, d delete, t clear; create, truncate,
 * drop and rename from the schema-changes topic). Tables without a primary
 * key (`identity: whole-row`) are multisets.
 *
 * The same algorithm as test/integration/kafka-sink.test.ts (which keeps its
 * own copy); shared here so other tests (scale-out) can use it.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Row } from './select-values.js';

export interface EnvelopeSource {
  file: string;
  pos: number;
  row: number;
  server_id?: number | null;
  db: string;
  table: string;
}

export interface Envelope {
  type?: 'ddl' | 'table';
  kind?: string;
  table?: string;
  to?: string;
  op?: 'c' | 'u' | 'd' | 'r' | 't';
  identity?: 'primary-key' | 'whole-row';
  before?: Row | null;
  after?: Row | null;
  source: EnvelopeSource;
}

export interface Received {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: Envelope;
}

/** key (JSON of the primary key, or of the row image) → row and its multiplicity. */
export type RebuiltTable = Map<string, { row: Row; count: number }>;

/** (file number, offset) of a binlog position. */
export function binlogPos(file: string, offset: number | string): [number, bigint] {
  return [Number(/\.(\d+)$/.exec(file)![1]), BigInt(offset)];
}

export function parsePosition(p: string): [number, bigint] {
  const m = /^(.*):(\d+)$/.exec(p)!;
  return binlogPos(m[1]!, m[2]!);
}

export function comparePositions(a: [number, bigint], b: [number, bigint]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

export function schemaTopicOf(prefix: string): string {
  return `${prefix}.schema-changes`;
}

export function kafkaClient(brokers: readonly string[], clientId = 'binsnap-rebuild'): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/** The topics starting with `prefix.`, sorted. */
export async function topicsOf(kafka: Kafka, prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)).sort();
  } finally {
    await admin.disconnect();
  }
}

/** topic → partition → end offset (high watermark), for the topics of `prefix`. */
export async function endOffsets(kafka: Kafka, prefix: string): Promise<Map<string, Map<number, bigint>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out = new Map<string, Map<number, bigint>>();
    for (const t of (await admin.listTopics()).filter((x) => x.startsWith(`${prefix}.`))) {
      out.set(t, new Map((await admin.fetchTopicOffsets(t)).map((p) => [p.partition, BigInt(p.high)])));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the topics of `prefix`, from the beginning to the end offsets at the start of the call. */
export async function consumeAll(kafka: Kafka, prefix: string, timeoutMs = 90_000): Promise<Received[]> {
  const ends = await endOffsets(kafka, prefix);
  let total = 0n;
  for (const parts of ends.values()) for (const o of parts.values()) total += o;
  const received: Received[] = [];
  if (total === 0n) return received;
  const consumer = kafka.consumer({ groupId: `${prefix}-rebuild-${Date.now().toString(36)}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.subscribe({ topics: [...ends.keys()], fromBeginning: true });
    let resolve: () => void = () => undefined;
    const all = new Promise<void>((r) => (resolve = r));
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (BigInt(message.offset) >= (ends.get(topic)?.get(partition) ?? 0n)) return;
        received.push({
          topic,
          partition,
          offset: BigInt(message.offset),
          key: message.key ? message.key.toString('utf8') : null,
          value: JSON.parse(message.value!.toString('utf8')) as Envelope,
        });
        if (BigInt(received.length) >= total) resolve();
      },
    });
    await Promise.race([
      all,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`only ${received.length} of ${total} records of ${prefix}.* within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    await consumer.disconnect();
  }
  return received;
}

/** Keeps the first record of every (topic, source position). */
export function dedup(records: readonly Received[]): Received[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const id = `${r.topic}|${r.value.source.file}:${r.value.source.pos}:${r.value.source.row}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Applies (deduplicated) records in position order; returns `db.table` → rows. */
export function rebuild(records: readonly Received[], schemaTopic: string): Map<string, RebuiltTable> {
  const sorted = [...records].sort((a, b) => {
    const c = comparePositions(binlogPos(a.value.source.file, a.value.source.pos), binlogPos(b.value.source.file, b.value.source.pos));
    if (c !== 0) return c;
    const sa = a.topic === schemaTopic ? 0 : 1;
    const sb = b.topic === schemaTopic ? 0 : 1;
    if (sa !== sb) return sa - sb;
    return a.value.source.row - b.value.source.row;
  });
  const tables = new Map<string, RebuiltTable>();
  const tableOf = (name: string): RebuiltTable => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = new Map()));
    return t;
  };
  for (const r of sorted) {
    const v = r.value;
    if (r.topic === schemaTopic) {
      if (v.type !== 'table') continue;
      const name = v.table!;
      if (v.kind === 'create' || v.kind === 'truncate') tables.set(name, new Map());
      else if (v.kind === 'drop') tables.delete(name);
      else if (v.kind === 'rename') {
        const content = tables.get(name) ?? new Map();
        tables.delete(name);
        tables.set(v.to!, content);
      }
      continue;
    }
    const t = tableOf(`${v.source.db}.${v.source.table}`);
    const key = r.key ?? '';
    switch (v.op) {
      case 't':
        t.clear();
        break;
      case 'c':
      case 'u':
      case 'r':
        if (v.identity === 'whole-row') {
          const e = t.get(key);
          if (e) e.count++;
          else t.set(key, { row: v.after!, count: 1 });
        } else t.set(key, { row: v.after!, count: 1 });
        break;
      case 'd': {
        const e = t.get(key);
        if (e && v.identity === 'whole-row' && e.count > 1) e.count--;
        else t.delete(key);
        break;
      }
      default:
        throw new Error(`unexpected op ${String(v.op)} in ${r.topic}`);
    }
  }
  return tables;
}

/** A rebuilt table's rows as sorted JSON strings (multiset rows repeated), for comparison with a SELECT. */
export function rowsOf(table: RebuiltTable | undefined): string[] {
  const out: string[] = [];
  for (const e of table?.values() ?? []) for (let i = 0; i < e.count; i++) out.push(JSON.stringify(e.row));
  return out.sort();
}
