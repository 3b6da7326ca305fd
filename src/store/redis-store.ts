/**
 * The Redis SnapshotStore (ioredis): the same semantics as the embedded store,
 * kept in Redis under one hash tag `{prefix}` (key layout: redis-layout.ts and
 * README "## Redis layout").
 *
 * Atomicity: every unit — an `apply` batch, a streamed transaction's commit,
 * a checkpoint move — is ONE Lua script (APPLY_SCRIPT). The script first
 * checks everything against what is stored and returns a conflict before its
 * first write, then writes rows, transaction records, schema changes, table
 * events and the checkpoint together. Redis runs a script without
 * interleaving, so a reader sees a unit whole or not at all. Validation
 * (transaction-rules.ts) and the conflicts within one batch are checked in
 * JS before the script runs.
 *
 * A streamed transaction stages its rows in two per-writer hashes (versions
 * are checked against the store as they arrive, for an early conflict);
 * commit runs the script, which moves them into the store; abort, a failing
 * batch or close deletes them. Staging hashes expire after a day, so a
 * crashed writer leaves no garbage behind for long — and never anything
 * visible: reads look only at the store's own keys.
 *
 * As of P: P resolves to the last stored commit ≤ P (the bound), found with
 * one ZREVRANGEBYLEX on the commit index; as in the embedded store, a version
 * is visible when its position ≤ bound (transactions do not overlap and every
 * version lies inside its transaction). A table read walks the table's ZSET
 * in key order (ZRANGEBYLEX): for a single lineage segment FOLD_SCRIPT folds
 * each key inside Redis and returns only the winners; a renamed lineage
 * merges the segments' pages and folds them here (row-fold.ts). Values are
 * fetched only for the versions that win.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Redis } from 'ioredis';
import { BinsnapError } from '../core/errors.js';
import { formatGtidSet, parseGtidSet } from '../core/gtid.js';
import { BinlogPosition } from '../core/position.js';
import { redactText } from '../core/redact.js';
import type { TableSchema } from '../core/schema.js';
import { encodeKey } from './key-encoding.js';
import { compareEventOrder, resolveLineage, type Segment } from './lineage.js';
import {
  APPLY_SCRIPT,
  DEFAULT_REDIS_PREFIX,
  FOLD_SCRIPT,
  LAYOUT_VERSION,
  MEMBER_SUFFIX,
  RedisKeys,
  VERSION_HEX_LENGTH,
  decodeVersionHex,
  member,
  opOfChar,
  posHex,
  versionHex,
} from './redis-layout.js';
import { foldRows, rowOpOf, type FoldStep, type FoldedRow, type StoredOp } from './row-fold.js';
import {
  compareVersionIds,
  type AsOf,
  type Checkpoint,
  type CommittedTransaction,
  type KeyOptions,
  type RowChange,
  type RowHistoryEntry,
  type RowKey,
  type RowValues,
  type SchemaChangeKind,
  type SchemaVersion,
  type SnapshotStore,
  type TableEvent,
  type TableEventRecord,
  type TableStats,
  type MetaWrites,
  type TransactionEnd,
  type TransactionInfo,
  type TransactionStart,
  type TransactionWriter,
} from './snapshot-store.js';
import {
  checkBeforeCommit,
  checkEnd,
  checkMetaName,
  metaEntries,
  checkMetaValue,
  checkStart,
  checkTimestamp,
  defaultCheckpoint,
  nextCheckpoint,
  prepareChange,
  type PreparedChange,
} from './transaction-rules.js';

export interface RedisStoreOptions {
  /**
   * redis:// or rediss:// (TLS) URL; user:password in it is used for AUTH; the path is the db number.
   * rediss:// takes `ssl-ca=FILE` (PEM of the CA to trust instead of the system's, alias `ca`) and
   * `ssl-reject-unauthorized=false` (no certificate check at all).
   */
  readonly url: string;
  /** The hash tag of every key (default `binsnap`, or the URL's `?prefix=`); one store per prefix. */
  readonly prefix?: string;
  /** false: refuse a store that does not exist yet (no meta key) instead of creating it. */
  readonly create?: boolean;
}

const PAGE = 2000;
const VALUE_BATCH = 500;
/** Members one FOLD_SCRIPT call scans at most (then it stops at the next key): bounds how long a read blocks Redis. */
const FOLD_SCAN_LIMIT = 20_000;
const STAGING_TTL_SECONDS = 24 * 3600;
const SEP = '\u0000';

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  return RedisStore.open(options);
}

interface StoredTxn {
  readonly c: string;
  readonly s: string;
  readonly ts: number;
  readonly g?: string;
}

/** A row as the APPLY script takes it. */
interface RowArgs {
  readonly vhex: string;
  readonly table: string;
  readonly identity: string;
  readonly keyJson: string;
  readonly member: Buffer;
}

interface ScanStep extends FoldStep<string> {
  readonly vhex: string;
}

type ApplyScript = (numKeys: number, ...args: (string | Buffer | number)[]) => Promise<string>;
type FoldScript = (numKeys: number, ...args: (string | Buffer | number)[]) => Promise<[(Buffer | number)[], Buffer | null]>;

export class RedisStore implements SnapshotStore {
  private writer: RedisTransactionWriter | null = null;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    readonly keys: RedisKeys,
    /** The URL with its password replaced: the only form put into messages. */
    readonly where: string,
  ) {}

  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const where = redactText(options.url);
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', `"${where}" is not a valid redis:// URL`, { field: 'store' });
    }
    const prefix = options.prefix ?? url.searchParams.get('prefix') ?? DEFAULT_REDIS_PREFIX;
    url.searchParams.delete('prefix');
    // After this, url holds none of binsnap's own parameters (ioredis reads the rest as options).
    const tls = tlsOptionsOf(url, where);
    if (prefix === '' || /[{}]/.test(prefix)) {
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', `the Redis key prefix "${prefix}" must be non-empty and contain no { or }`, { field: 'store' });
    }
    // ioredis is loaded when a Redis store is opened: the embedded store does not pay for it at startup.
    const { Redis } = await import('ioredis');
    const redis = new Redis(url.toString(), { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true, ...(tls ? { tls } : {}) });
    // ioredis emits connection errors as events (without a listener Node prints them, with no secret
    // but noisily) and rejects connect() with only "Connection is closed": keep the first one, the
    // cause (a refused certificate, a refused connection) to report.
    let connectError: Error | undefined;
    redis.on('error', (err: Error) => {
      connectError ??= err;
    });
    const keys = new RedisKeys(prefix);
    try {
      await redis.connect();
      const layout = await redis.hget(keys.meta, 'layout');
      if (layout === null) {
        if (options.create === false) {
          throw new BinsnapError('BINSNAP_E_STORE_OPEN', `there is no store with prefix "${prefix}" at ${where}`, { file: where });
        }
        await redis.hsetnx(keys.meta, 'layout', String(LAYOUT_VERSION));
      } else if (Number(layout) > LAYOUT_VERSION) {
        throw new BinsnapError('BINSNAP_E_STORE_VERSION', `the store at ${where} (prefix "${prefix}") has layout ${layout}; this binsnap reads ${LAYOUT_VERSION}`, {
          file: where,
        });
      } else if (Number(layout) !== LAYOUT_VERSION) {
        throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the store at ${where} (prefix "${prefix}") has an unknown layout "${layout}"`, { file: where });
      }
    } catch (err) {
      redis.disconnect();
      if (err instanceof BinsnapError) throw err;
      const cause = connectError ?? err;
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', `the Redis store at ${where} cannot be opened: ${redactText(String((cause as Error).message ?? cause))}`, { file: where }, {
        cause,
      });
    }
    redis.defineCommand('binsnapApply', { lua: APPLY_SCRIPT });
    redis.defineCommand('binsnapFold', { lua: FOLD_SCRIPT });
    return new RedisStore(redis, keys, where);
  }

  // ── writes ────────────────────────────────────────────────────────────

  async apply(transactions: readonly CommittedTransaction[]): Promise<void> {
    this.checkWritable();
    if (transactions.length === 0) return;
    const prepared = transactions.map((t) => {
      checkStart(t);
      checkEnd(t, t);
      return t.rowChanges.map((c) => {
        const p = prepareChange(c, t.startPosition);
        checkBeforeCommit(c, t.commitPosition);
        return p;
      });
    });
    let checkpoint: Checkpoint | null = null;
    for (const t of transactions) checkpoint = nextCheckpoint(checkpoint, defaultCheckpoint(t));
    const units = transactions.map((t) => transactionArgs(t, t));
    checkTogether(units, prepared);
    const rows: { args: RowArgs; txnKey: string }[] = [];
    const seen = new Set<string>();
    prepared.forEach((changes, i) => {
      const txnKey = (units[i] as TxnArgs).key;
      for (const p of changes) {
        const args = rowArgs(p);
        if (seen.has(args.vhex)) continue;
        seen.add(args.vhex);
        rows.push({ args, txnKey });
      }
    });
    await this.runApply({ stage: '', checkpoint, units, rows });
  }

  async beginTransaction(start: TransactionStart): Promise<TransactionWriter> {
    this.checkWritable();
    checkStart(start);
    const w = new RedisTransactionWriter(this, start, randomUUID().replace(/-/g, ''));
    this.writer = w;
    return w;
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkWritable();
    checkTimestamp(checkpoint.commitTimestamp, checkpoint.position);
    await this.runApply({ stage: '', checkpoint, units: [], rows: [] });
  }

  /** @internal One atomic unit through the APPLY script. */
  async runApply(unit: {
    stage: string;
    stagedTables?: Iterable<string>;
    checkpoint: Checkpoint | null;
    units: readonly TxnArgs[];
    rows: readonly { args: RowArgs; txnKey: string }[];
    documents?: ReadonlyArray<[string, string | null]>;
  }): Promise<void> {
    const k = this.keys;
    const keys = new Set<string>([
      k.versions,
      k.tables,
      k.transactions,
      k.transactionGtids,
      k.commitsByPosition,
      k.commitsByTime,
      k.schemas,
      k.schemaNames,
      k.events,
      k.checkpoint,
    ]);
    if (unit.stage !== '') {
      keys.add(k.staged(unit.stage));
      keys.add(k.stagedMembers(unit.stage));
    }
    for (const t of unit.stagedTables ?? []) keys.add(k.table(t));
    const argv: (string | Buffer | number)[] = [k.base, unit.stage];
    if (unit.checkpoint === null) argv.push('', '');
    else argv.push(posHex(unit.checkpoint.position), checkpointJson(unit.checkpoint));
    argv.push(unit.units.length, unit.rows.length);
    for (const t of unit.units) {
      argv.push(t.key, t.gtid, t.record, t.ts, t.schemas.length, t.events.length);
      for (const s of t.schemas) {
        argv.push(s.id, s.record, s.table);
        keys.add(k.schemasOf(s.table));
      }
      for (const e of t.events) {
        argv.push(e.id, e.record, e.names.length, ...e.names);
        for (const n of e.names) keys.add(k.eventsOf(n));
      }
    }
    for (const { args: r, txnKey } of unit.rows) {
      argv.push(r.vhex, r.table, r.identity, r.keyJson, r.member, txnKey);
      keys.add(k.table(r.table));
    }
    const documents = unit.documents ?? [];
    argv.push(documents.length);
    for (const [name, value] of documents) argv.push(name, value === null ? '0' : '1', value ?? '');
    if (documents.length > 0) keys.add(k.documents);
    const run = (this.redis as unknown as { binsnapApply: ApplyScript }).binsnapApply;
    const result = await run.call(this.redis, keys.size, ...keys, ...argv);
    if (result === 'OK') return;
    if (result.startsWith('CONFLICT ')) throw new BinsnapError('BINSNAP_E_STORE_CONFLICT', result.slice('CONFLICT '.length), { file: this.where });
    throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the Redis store refused a write: ${result}`, { file: this.where });
  }

  // ── reads ─────────────────────────────────────────────────────────────

  async resolveAsOf(asOf: AsOf): Promise<BinlogPosition | null> {
    this.checkOpen();
    let txnKey: string | null;
    switch (asOf.kind) {
      case 'latest':
        txnKey = (await this.redis.zrevrangebylex(this.keys.commitsByPosition, '+', '-', 'LIMIT', 0, 1))[0] ?? null;
        break;
      case 'position':
        txnKey = (await this.redis.zrevrangebylex(this.keys.commitsByPosition, `(${posHex(asOf.position)}~`, '-', 'LIMIT', 0, 1))[0] ?? null;
        break;
      case 'instant':
        txnKey = await this.lastCommitAt(asOf.at.getTime());
        break;
    }
    if (txnKey === null) return null;
    return (await this.transactionOf(txnKey)).commitPosition;
  }

  async *readTable(table: string, asOf: AsOf): AsyncIterable<RowValues> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return;
    const segments = await resolveLineage(table, bound, this.eventsTouching);
    // One segment (no rename in the lineage): Redis folds and returns only the winners.
    // Several: their versions are merged and folded here.
    const rows = segments.length === 1 ? this.foldInRedis(segments[0] as Segment, posHex(bound)) : foldRows(mergeScans(segments.map((s) => this.scan(s, posHex(bound)))));
    let batch: FoldedRow<string>[] = [];
    for await (const row of rows) {
      batch.push(row);
      if (batch.length >= VALUE_BATCH) {
        yield* await this.valuesOfRows(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield* await this.valuesOfRows(batch);
  }

  async readRow(table: string, key: RowKey, asOf: AsOf, options?: KeyOptions): Promise<RowValues | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    const segments = await resolveLineage(table, bound, this.eventsTouching);
    const pk = encodeKey(key, options?.numericKeyColumns);
    const steps: ScanStep[] = [];
    // Segments come newest first; a key's versions are folded oldest first.
    for (const s of [...segments].reverse()) steps.push(...(await this.keyScan(s, pk, posHex(bound))));
    for await (const row of foldRows(steps)) {
      const [values] = await this.valuesOfRows([{ ...row, count: 1 }]);
      return values ?? null;
    }
    return null;
  }

  async rowHistory(table: string, key: RowKey, options?: KeyOptions): Promise<RowHistoryEntry[]> {
    this.checkOpen();
    const segments = await resolveLineage(table, null, this.eventsTouching, { acrossTruncates: true });
    const pk = encodeKey(key, options?.numericKeyColumns);
    const steps: ScanStep[] = [];
    for (const s of [...segments].reverse()) steps.push(...(await this.keyScan(s, pk, null)));
    if (steps.length === 0) return [];
    const stored = await this.redis.hmget(this.keys.versions, ...steps.map((s) => s.vhex));
    const txns = new Map<string, TransactionInfo>();
    const out: RowHistoryEntry[] = [];
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as ScanStep;
      const v = parseStoredVersion(step.vhex, stored[i] ?? null);
      let transaction = txns.get(v.txnKey);
      if (transaction === undefined) {
        transaction = await this.transactionOf(v.txnKey);
        txns.set(v.txnKey, transaction);
      }
      const version = decodeVersionHex(step.vhex);
      out.push({
        table: v.table,
        version,
        op: rowOpOf(v.op),
        identity: v.op === 'add' || v.op === 'remove' ? 'whole-row' : 'primary-key',
        key: JSON.parse(v.keyJson) as RowKey,
        values: v.valuesJson === null ? null : (JSON.parse(v.valuesJson) as RowValues),
        position: transaction.commitPosition.withOffset(version.offset),
        transaction,
      });
    }
    return out;
  }

  async schemaAt(table: string, asOf: AsOf): Promise<SchemaVersion | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    const visible = (await this.schemaHistory(table)).filter((s) => s.transaction.commitPosition.compare(bound) <= 0);
    return visible[visible.length - 1] ?? null;
  }

  async schemaHistory(table: string): Promise<SchemaVersion[]> {
    this.checkOpen();
    const ids = await this.redis.smembers(this.keys.schemasOf(table));
    if (ids.length === 0) return [];
    const records = await this.redis.hmget(this.keys.schemas, ...ids);
    const txns = await this.transactionsOf(ids.map(txnKeyOfId));
    const out = ids.map((id, i): SchemaVersion => {
      const text = records[i];
      if (text === null || text === undefined) throw corrupt(`schema change ${id} is listed but not stored`, this.where);
      const r = JSON.parse(text) as { table: string; schema: TableSchema | null; ddl: string; kind: SchemaChangeKind };
      return { table: r.table, schema: r.schema, ddl: r.ddl, kind: r.kind, seq: seqOfId(id), transaction: txns[i] as TransactionInfo };
    });
    return out.sort((a, b) => a.transaction.startPosition.compare(b.transaction.startPosition) || a.seq - b.seq);
  }

  async schemaTables(): Promise<string[]> {
    this.checkOpen();
    return (await this.redis.smembers(this.keys.schemaNames)).sort(byText);
  }

  async tableEventsOf(table: string): Promise<TableEventRecord[]> {
    this.checkOpen();
    return [...(await this.eventsTouching(table))].sort(compareEventOrder);
  }

  async checkpoint(): Promise<Checkpoint | null> {
    this.checkOpen();
    const text = await this.redis.hget(this.keys.checkpoint, 'json');
    return text === null ? null : parseCheckpoint(text, this.where);
  }

  async tableStats(): Promise<TableStats[]> {
    this.checkOpen();
    const names = (await this.redis.smembers(this.keys.tables)).sort(byText);
    const out: TableStats[] = [];
    for (const table of names) {
      const versions = await this.redis.zcard(this.keys.table(table));
      let rows = 0;
      for await (const _row of this.readTable(table, { kind: 'latest' })) rows++;
      out.push({ table, rows, versions });
    }
    return out;
  }

  // ── bookkeeping documents ─────────────────────────────────────────────

  async getMeta(name: string): Promise<string | null> {
    this.checkOpen();
    checkMetaName(name);
    return this.redis.hget(this.keys.documents, name);
  }

  /** One HSET/HDEL on `{p}:docs`: outside every APPLY script, ordered with them in the AOF and on replicas. */
  async setMeta(name: string, value: string | null): Promise<void> {
    this.checkWritable();
    checkMetaName(name);
    checkMetaValue(name, value);
    if (value === null) await this.redis.hdel(this.keys.documents, name);
    else await this.redis.hset(this.keys.documents, name, value);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.writer !== null) await this.writer.abort();
    } finally {
      this.closed = true;
      this.writer = null;
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }

  // ── for the streamed writer ───────────────────────────────────────────

  /** @internal Stages a batch: checks it against the store and the rows staged before. */
  async stageRows(writer: string, prepared: readonly PreparedChange[]): Promise<void> {
    this.checkOpen();
    if (prepared.length === 0) return;
    const rows = prepared.map(rowArgs);
    const ids = rows.map((r) => r.vhex);
    const [stored, staged] = await Promise.all([this.redis.hmget(this.keys.versions, ...ids), this.redis.hmget(this.keys.staged(writer), ...ids)]);
    const inBatch = new Map<string, string>();
    rows.forEach((r, i) => {
      for (const existing of [stored[i], staged[i], inBatch.get(r.vhex)]) {
        if (existing !== null && existing !== undefined && !existing.startsWith(r.identity + SEP)) throw versionConflict(r, this.where);
      }
      inBatch.set(r.vhex, `${r.identity}${SEP}${r.keyJson}`);
    });
    const m = this.redis.multi();
    const values: (string | Buffer)[] = [];
    const members: (string | Buffer)[] = [];
    for (const r of rows) {
      values.push(r.vhex, `${r.identity}${SEP}${r.keyJson}`);
      members.push(r.vhex, r.member);
    }
    m.hset(this.keys.staged(writer), ...values);
    m.hset(this.keys.stagedMembers(writer), ...members);
    m.expire(this.keys.staged(writer), STAGING_TTL_SECONDS);
    m.expire(this.keys.stagedMembers(writer), STAGING_TTL_SECONDS);
    await m.exec();
  }

  /** @internal Deletes a writer's staged rows. */
  async dropStaged(writer: string): Promise<void> {
    if (this.closed) return;
    await this.redis.del(this.keys.staged(writer), this.keys.stagedMembers(writer));
  }

  /** @internal */
  writerFinished(w: RedisTransactionWriter): void {
    if (this.writer === w) this.writer = null;
  }

  // ── internals ─────────────────────────────────────────────────────────

  private readonly eventsTouching = async (table: string): Promise<readonly TableEventRecord[]> => {
    const ids = await this.redis.smembers(this.keys.eventsOf(table));
    if (ids.length === 0) return [];
    const records = await this.redis.hmget(this.keys.events, ...ids);
    const txns = await this.transactionsOf(ids.map(txnKeyOfId));
    return ids.map((id, i) => {
      const text = records[i];
      if (text === null || text === undefined) throw corrupt(`table event ${id} is listed but not stored`, this.where);
      return { event: JSON.parse(text) as TableEvent, seq: seqOfId(id), transaction: txns[i] as TransactionInfo };
    });
  };

  /**
   * The greatest commit (txnKey) among transactions committed at or before `ms`. Few such
   * transactions: read them by score. Otherwise walk commits from the last one down and stop at
   * the first whose time is ≤ ms — by definition the greatest such position (exact; binlog
   * clocks that step back only make the walk longer).
   */
  private async lastCommitAt(ms: number): Promise<string | null> {
    const k = this.keys;
    const n = await this.redis.zcount(k.commitsByTime, '-inf', ms);
    if (n === 0) return null;
    if (n <= PAGE) {
      const keys = await this.redis.zrangebyscore(k.commitsByTime, '-inf', ms);
      return keys.reduce<string | null>((best, key) => (best === null || key > best ? key : best), null);
    }
    let max = '+';
    for (;;) {
      this.checkOpen();
      const page = await this.redis.zrevrangebylex(k.commitsByPosition, max, '-', 'LIMIT', 0, PAGE);
      if (page.length === 0) return null;
      const scores = await this.redis.zmscore(k.commitsByTime, ...page);
      for (let i = 0; i < page.length; i++) {
        const score = scores[i];
        if (score !== null && score !== undefined && Number(score) <= ms) return page[i] as string;
      }
      max = `(${page[page.length - 1] as string}`;
    }
  }

  /** The present rows of one lineage segment, folded inside Redis (FOLD_SCRIPT), a page at a time. */
  private async *foldInRedis(s: Segment, boundHex: string): AsyncGenerator<FoldedRow<string>> {
    const run = (this.redis as unknown as { binsnapFoldBuffer: FoldScript }).binsnapFoldBuffer;
    const from = s.from === null ? '' : posHex(s.from);
    const to = s.to === null ? '' : posHex(s.to);
    let min: string | Buffer = '-';
    for (;;) {
      this.checkOpen();
      const [flat, cursor] = await run.call(this.redis, 1, this.keys.table(s.table), min, from, to, boundHex, PAGE, FOLD_SCAN_LIMIT);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        yield { keyId: '', ref: (flat[i] as Buffer).toString('latin1'), count: Number(flat[i + 1]) };
      }
      if (cursor === null) return;
      min = Buffer.concat([Buffer.from('('), cursor]);
    }
  }

  /** Versions of one lineage segment, visible at `boundHex` (a position hex), in (key, version) order, a page at a time. */
  private async *scan(s: Segment, boundHex: string): AsyncGenerator<ScanStep> {
    const key = this.keys.table(s.table);
    const filter = segmentFilter(s, boundHex);
    let min: string | Buffer = '-';
    for (;;) {
      this.checkOpen();
      const page = await this.redis.zrangebylexBuffer(key, min, '+', 'LIMIT', 0, PAGE);
      for (const m of page) {
        const step = parseMember(m, this.where);
        if (filter(step.vhex)) yield step;
      }
      if (page.length < PAGE) return;
      min = Buffer.concat([Buffer.from('('), page[page.length - 1] as Buffer]);
    }
  }

  /** The versions of one key in one segment (visible at `boundHex` unless null), oldest first. */
  private async keyScan(s: Segment, pk: Buffer, boundHex: string | null): Promise<ScanStep[]> {
    const filter = segmentFilter(s, boundHex);
    const min = Buffer.concat([Buffer.from('['), pk]);
    const max = Buffer.concat([Buffer.from('['), pk, Buffer.from([0xff])]);
    const page = await this.redis.zrangebylexBuffer(this.keys.table(s.table), min, max);
    const want = pk.toString('latin1');
    return page.map((m) => parseMember(m, this.where)).filter((st) => st.keyId === want && filter(st.vhex));
  }

  private async valuesOfRows(rows: readonly FoldedRow<string>[]): Promise<RowValues[]> {
    if (rows.length === 0) return [];
    const stored = await this.redis.hmget(this.keys.versions, ...rows.map((r) => r.ref));
    const out: RowValues[] = [];
    rows.forEach((r, i) => {
      const v = parseStoredVersion(r.ref, stored[i] ?? null);
      if (v.valuesJson === null) throw corrupt(`a present row (version ${r.ref}) has no values`, this.where);
      const values = JSON.parse(v.valuesJson) as RowValues;
      for (let n = 0; n < r.count; n++) out.push(values);
    });
    return out;
  }

  private async transactionOf(txnKey: string): Promise<TransactionInfo> {
    return (await this.transactionsOf([txnKey]))[0] as TransactionInfo;
  }

  private async transactionsOf(txnKeys: readonly string[]): Promise<TransactionInfo[]> {
    const unique = [...new Set(txnKeys)];
    const texts = await this.redis.hmget(this.keys.transactions, ...unique);
    const byKey = new Map<string, TransactionInfo>();
    unique.forEach((k, i) => {
      const text = texts[i];
      if (text === null || text === undefined) throw corrupt(`transaction ${k} is referenced but not stored`, this.where);
      const t = JSON.parse(text) as StoredTxn;
      byKey.set(k, {
        startPosition: parsePosition(t.s, this.where),
        commitPosition: parsePosition(t.c, this.where),
        commitTimestamp: t.ts,
        ...(t.g === undefined ? {} : { gtid: t.g }),
      });
    });
    return txnKeys.map((k) => byKey.get(k) as TransactionInfo);
  }

  private checkOpen(): void {
    if (this.closed) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store is closed', { file: this.where });
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.writer !== null) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a streamed transaction is open on this store', { file: this.where });
  }
}

/**
 * A transaction streamed into Redis: rows are staged in `{p}:s:<id>` as they
 * arrive and made visible by one script at commit.
 */
class RedisTransactionWriter implements TransactionWriter {
  private done = false;
  private last: PreparedChange | null = null;
  private readonly tables = new Set<string>();

  constructor(
    private readonly store: RedisStore,
    private readonly start: TransactionStart,
    private readonly id: string,
  ) {}

  async addRows(batch: readonly RowChange[]): Promise<void> {
    this.live();
    try {
      const prepared = batch.map((c) => prepareChange(c, this.start.startPosition));
      await this.store.stageRows(this.id, prepared);
      for (const p of prepared) {
        this.tables.add(p.change.table);
        if (this.last === null || compareVersionIds(p.change.version, this.last.change.version) > 0) this.last = p;
      }
    } catch (err) {
      await this.fail();
      throw err;
    }
  }

  async commit(end: TransactionEnd, meta?: MetaWrites): Promise<void> {
    this.live();
    try {
      checkEnd(this.start, end);
      const documents = metaEntries(meta);
      if (this.last !== null) checkBeforeCommit(this.last.change, end.commitPosition);
      await this.store.runApply({
        stage: this.id,
        stagedTables: this.tables,
        checkpoint: defaultCheckpoint(end),
        units: [transactionArgs(this.start, end)],
        rows: [],
        documents,
      });
      this.done = true;
      this.store.writerFinished(this);
    } catch (err) {
      await this.fail();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (!this.done) await this.fail();
  }

  private async fail(): Promise<void> {
    this.done = true;
    try {
      await this.store.dropStaged(this.id);
    } finally {
      this.store.writerFinished(this);
    }
  }

  private live(): void {
    if (this.done) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the transaction writer is already finished');
  }
}

// ── argument and record forms ─────────────────────────────────────────────

interface TxnArgs {
  readonly key: string;
  readonly gtid: string;
  readonly record: string;
  readonly ts: number;
  readonly schemas: readonly { id: string; record: string; table: string }[];
  readonly events: readonly { id: string; record: string; names: readonly string[] }[];
}

function transactionArgs(start: TransactionStart, end: TransactionEnd): TxnArgs {
  const key = posHex(end.commitPosition) + posHex(start.startPosition);
  const stored: StoredTxn = {
    c: end.commitPosition.format(),
    s: start.startPosition.format(),
    ts: end.commitTimestamp,
    ...(start.gtid === undefined ? {} : { g: start.gtid }),
  };
  return {
    key,
    gtid: start.gtid ?? '-',
    record: JSON.stringify(stored),
    ts: end.commitTimestamp,
    schemas: (end.schemaChanges ?? []).map((s, seq) => ({
      id: `${key}#${seq}`,
      record: JSON.stringify({ table: s.table, schema: s.schema, ddl: s.ddl, kind: s.kind }),
      table: s.table,
    })),
    events: (end.tableEvents ?? []).map((e, seq) => {
      const canonical: TableEvent = e.kind === 'rename' ? { kind: 'rename', table: e.table, to: e.to } : { kind: e.kind, table: e.table };
      return { id: `${key}#${seq}`, record: JSON.stringify(canonical), names: e.kind === 'rename' && e.to !== e.table ? [e.table, e.to] : [e.table] };
    }),
  };
}

function rowArgs(p: PreparedChange): RowArgs {
  const vhex = versionHex(p.change.version);
  return {
    vhex,
    table: p.change.table,
    identity: [p.change.table, p.op, p.keyBytes.toString('hex'), p.valuesJson ?? ''].join(SEP),
    keyJson: p.keyJson,
    member: member(p.keyBytes, vhex, p.op),
  };
}

/** Transactions of one `apply` must not contradict each other (the script checks only against the store). */
function checkTogether(units: readonly TxnArgs[], prepared: readonly (readonly PreparedChange[])[]): void {
  const records = new Map<string, string>();
  const same = (key: string, text: string, what: string): void => {
    const other = records.get(key);
    if (other !== undefined && other !== text) throw new BinsnapError('BINSNAP_E_STORE_CONFLICT', `${what} differs within one batch`);
    records.set(key, text);
  };
  units.forEach((t, i) => {
    same(`txn ${t.key}`, t.gtid, 'a transaction GTID');
    for (const s of t.schemas) same(`schema ${s.id}`, s.record, 'a schema change');
    for (const e of t.events) same(`event ${e.id}`, e.record, 'a table event');
    for (const p of prepared[i] ?? []) {
      const r = rowArgs(p);
      same(`row ${r.vhex}`, r.identity, `row version ${r.vhex}`);
    }
  });
}

function checkpointJson(c: Checkpoint): string {
  return JSON.stringify({
    position: c.position.format(),
    ts: c.commitTimestamp,
    ...(c.gtidSet ? { flavor: c.gtidSet.flavor, set: formatGtidSet(c.gtidSet) } : {}),
  });
}

function parseCheckpoint(text: string, where: string): Checkpoint {
  const r = JSON.parse(text) as { position: string; ts: number; flavor?: string; set?: string };
  if (r.flavor !== undefined && r.flavor !== 'mysql' && r.flavor !== 'mariadb') throw corrupt(`the checkpoint has an unknown GTID flavour "${r.flavor}"`, where);
  return {
    position: parsePosition(r.position, where),
    commitTimestamp: r.ts,
    ...(r.flavor !== undefined && r.set !== undefined ? { gtidSet: parseGtidSet(r.set, r.flavor) } : {}),
  };
}

interface StoredVersion {
  readonly table: string;
  readonly op: StoredOp;
  readonly valuesJson: string | null;
  readonly keyJson: string;
  readonly txnKey: string;
}

function parseStoredVersion(vhex: string, text: string | null): StoredVersion {
  const parts = text === null ? [] : text.split(SEP);
  const op = STORED_OPS.find((o) => o === parts[1]);
  if (parts.length !== 6 || op === undefined) {
    throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `row version ${vhex} is listed but not stored (or damaged)`);
  }
  const [table, , , valuesJson, keyJson, txnKey] = parts as [string, string, string, string, string, string];
  return { table, op, valuesJson: valuesJson === '' ? null : valuesJson, keyJson, txnKey };
}

const STORED_OPS: readonly StoredOp[] = ['upsert', 'delete', 'add', 'remove'];

function parseMember(m: Buffer, where: string): ScanStep {
  if (m.length < MEMBER_SUFFIX) throw corrupt('a table index member is too short', where);
  const keyEnd = m.length - MEMBER_SUFFIX;
  const vhex = m.toString('latin1', keyEnd, keyEnd + VERSION_HEX_LENGTH);
  const op = opOfChar(m.toString('latin1', m.length - 1));
  if (op === undefined) throw corrupt(`a table index member has an unknown op`, where);
  return { keyId: m.toString('latin1', 0, keyEnd), op, ref: vhex, vhex };
}

/** Whether a version (hex) lies in the segment [from, to) and at or before the bound (position hex; null: no bound). */
function segmentFilter(s: Segment, boundHex: string | null): (vhex: string) => boolean {
  const from = s.from === null ? null : posHex(s.from);
  const to = s.to === null ? null : posHex(s.to);
  return (vhex) => {
    const p = vhex.slice(0, 24);
    return (from === null || p >= from) && (to === null || p < to) && (boundHex === null || p <= boundHex);
  };
}

/** Merges per-segment scans (each in key, then version order; disjoint in version) into one such order. */
async function* mergeScans(scans: AsyncGenerator<ScanStep>[]): AsyncGenerator<ScanStep> {
  if (scans.length === 1) {
    yield* scans[0] as AsyncGenerator<ScanStep>;
    return;
  }
  const heads = await Promise.all(scans.map((s) => s.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i] as IteratorResult<ScanStep>;
      if (h.done) continue;
      const b = best < 0 ? null : (heads[best] as IteratorYieldResult<ScanStep>).value;
      if (b === null || h.value.keyId < b.keyId || (h.value.keyId === b.keyId && h.value.vhex < b.vhex)) best = i;
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<ScanStep>).value;
    heads[best] = await (scans[best] as AsyncGenerator<ScanStep>).next();
  }
}

function txnKeyOfId(id: string): string {
  return id.slice(0, id.indexOf('#'));
}

function seqOfId(id: string): number {
  return Number(id.slice(id.indexOf('#') + 1));
}

function parsePosition(text: string, where: string): BinlogPosition {
  try {
    return BinlogPosition.parse(text);
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', `the store holds an invalid position "${text}"`, { position: text, file: where }, { cause: err });
  }
}

function versionConflict(r: RowArgs, where: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CONFLICT', `row version ${r.vhex} is already stored with different content`, { table: r.table, file: where });
}

function corrupt(message: string, where: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CORRUPT', message, { file: where });
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The TLS options of a rediss:// URL, taken out of `url`: `ssl-ca` (or `ca`) names a PEM file of
 * CAs to trust, `ssl-reject-unauthorized=false` turns certificate checks off. undefined for
 * redis:// (where either parameter is an error: it would silently not be used).
 */
function tlsOptionsOf(url: URL, where: string): ConnectionOptions | undefined {
  const ca = url.searchParams.get('ssl-ca') ?? url.searchParams.get('ca');
  const reject = url.searchParams.get('ssl-reject-unauthorized');
  for (const name of ['ssl-ca', 'ca', 'ssl-reject-unauthorized']) url.searchParams.delete(name);
  if (url.protocol !== 'rediss:') {
    if (ca !== null || reject !== null) {
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--store ${where}: ssl-ca and ssl-reject-unauthorized need a rediss:// (TLS) URL`, { field: 'store' });
    }
    return undefined;
  }
  const tls: ConnectionOptions = {};
  if (ca !== null) {
    try {
      tls.ca = [readFileSync(ca, 'utf8')];
    } catch (err) {
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--store ssl-ca: cannot read ${ca}: ${(err as Error).message}`, { field: 'store', file: ca });
    }
  }
  if (reject !== null) {
    const r = reject.toLowerCase();
    if (r === 'false' || r === '0') tls.rejectUnauthorized = false;
    else if (r !== 'true' && r !== '1') {
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--store ssl-reject-unauthorized=${reject} is not true or false`, { field: 'store' });
    }
  }
  return tls;
}
