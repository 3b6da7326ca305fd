/**
 * One replication connection to a MySQL or MariaDB server, yielding the raw
 * bytes of each binlog event (header included, checksum included) in order.
 *
 * mysql2 does the handshake, authentication (caching_sha2_password included)
 * and TLS, and runs the session setup queries; then this module takes the
 * connection's socket over and speaks the dump protocol itself (register as a
 * replica, COM_BINLOG_DUMP or COM_BINLOG_DUMP_GTID), framing packets with the
 * pure PacketFramer. Reading is pull-based: the socket is read only while the
 * consumer asks for the next event, so a slow consumer pauses the server
 * through TCP flow control and memory stays bounded.
 *
 * A stall is detected as "no bytes for heartbeatTimeoutMs while the consumer
 * was waiting"; the server sends heartbeats every heartbeatPeriodMs when idle.
 * Errors are BinsnapErrors: transient ones (network, stall) may be retried by
 * the caller from its last committed position, definite ones may not.
 *
 * Server id clashes: a source keeps one dump thread per replica server id and,
 * when a second replica asks for a dump with an id already streaming, ends the
 * older thread. MariaDB 10.11 sends that older thread error 4052 ("A slave with
 * the same server_uuid/server_id…"), MySQL error 1236 with the same words; a
 * stream may also just drop without a word (a proxy in between). binsnap
 * registers with a report host naming itself and its instance
 * (`binsnap-<instance>@<hostname>`, see SHOW SLAVE HOSTS), stable across the
 * reconnects of one source and new for each run. After such an error or an
 * unexplained drop it lists the source's registered replicas: another
 * registrant (anything but this instance) holding the server id means binsnap
 * was displaced, and it stops with BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID rather
 * than reconnect and displace the other in turn. Never before registering: a
 * dump thread of a crashed binsnap may linger on the source for a while, and
 * the restarted one displaces it, as it should. A lookup that is not permitted
 * (SHOW SLAVE HOSTS needs REPLICATION MASTER ADMIN on MariaDB) is reported
 * through onWarning and a drop stays transient.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type mysql from 'mysql2/promise';
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { encodeMysqlGtidSet, formatGtidSet, type GtidSet } from '../core/gtid.js';
import { PacketFramer } from '../protocol/replication/packet-framer.js';
import { classifyDumpPayload, parseErrorPacket, type DumpPayload } from '../protocol/replication/responses.js';
import { encodeBinlogDump, encodeBinlogDumpGtid, encodeRegisterReplica } from '../protocol/replication/commands.js';
import type { SourceUrl } from '../config/values.js';

export type ServerFlavor = 'mysql' | 'mariadb';

export type StartAt =
  | { readonly kind: 'position'; readonly position: BinlogPosition }
  | { readonly kind: 'gtid'; readonly gtid: GtidSet };

export interface BinlogConnectionOptions {
  readonly source: SourceUrl;
  /** Server id binsnap registers with; must be unique among the source's replicas. */
  readonly serverId: number;
  readonly start: StartAt;
  /** End the stream at the end of the binlog (EOF) instead of waiting for more. */
  readonly nonBlocking?: boolean;
  readonly heartbeatPeriodMs?: number;
  /** Default: 3 heartbeat periods. */
  readonly heartbeatTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /**
   * Names this reader among the source's replicas (in its report host); the
   * same for every reconnect of one source, so its own lingering dump thread
   * is never taken for another replica. Default: a new random id.
   */
  readonly instanceId?: string;
  /** Told when binsnap cannot check who else registered with its server id (e.g. not permitted). */
  readonly onWarning?: (message: string) => void;
}

export interface ServerInfo {
  readonly flavor: ServerFlavor;
  readonly version: string;
  readonly connectionId: number;
  /** The server's binlog_checksum: events of the stream carry a CRC32 when it is CRC32. */
  readonly checksum: 'CRC32' | 'NONE';
}

export interface BinlogConnection extends AsyncIterable<Buffer> {
  /**
   * The events as batches: one event the stream waited for, plus the ones
   * already received behind it (at most BATCH_EVENTS / BATCH_BYTES). Either
   * this or the per-event iterator, not both.
   */
  batches(): AsyncGenerator<Buffer[], void, undefined>;
  readonly server: ServerInfo;
  /** The host binsnap registered with (the Host column of SHOW SLAVE HOSTS). */
  readonly reportHost: string;
  /** Closes the connection; a pending iteration ends. */
  close(): void;
}

export async function openBinlogConnection(opts: BinlogConnectionOptions, signal?: AbortSignal): Promise<BinlogConnection> {
  const conn = await connect(opts);
  // A connection error with no query pending (the server going away between
  // two of our steps) is reported by the step that follows; this listener
  // only keeps it from becoming an unhandled 'error' event.
  let lastConnectionError: Error | undefined;
  conn.on('error', (err: Error) => {
    lastConnectionError = err;
  });
  try {
    const server = await setUpSession(conn, opts);
    const socket = takeOver(conn);
    const framer = new PacketFramer();
    const reader = new SocketReader(socket, framer);

    const reportHost = reportHostOf(opts.instanceId ?? newInstanceId());
    framer.resetSequence();
    socket.write(framer.frame(encodeRegisterReplica({ serverId: opts.serverId, hostname: reportHost, port: 0 })));
    const reply = await reader.next();
    if (reply === undefined) throw lost('while registering as a replica', opts);
    if (reply[0] === 0xff) throw await explainServerError(mapServerError(parseErrorPacket(reply), opts), opts, reportHost);

    framer.resetSequence();
    socket.write(framer.frame(dumpCommand(opts, server.flavor)));
    return new DumpStream(server, reportHost, socket, reader, opts, signal);
  } catch (err) {
    (conn as unknown as { connection: { destroy(): void } }).connection.destroy();
    if (isBinsnapError(err)) throw err;
    throw mapSessionError(err ?? lastConnectionError, opts);
  }
}

// ── connection and session ──────────────────────────────────────────────────

async function connect(opts: BinlogConnectionOptions): Promise<mysql.Connection> {
  return openSqlConnection(opts.source, opts.connectTimeoutMs);
}

/**
 * A plain SQL connection to the source (preflight, seed, verify): the same
 * TLS, timeouts, exact numbers and UTC dates as the replication connection,
 * and the same coded errors for an unreachable server or a wrong password.
 */
export async function openSqlConnection(s: SourceUrl, connectTimeoutMs?: number): Promise<mysql.Connection> {
  const ssl = sslOptions(s);
  // mysql2 is loaded on the first connection: commands that read only files or the store do not pay for it at startup.
  const { default: mysql } = await import('mysql2/promise');
  const open = (tls: mysql.SslOptions | undefined): Promise<mysql.Connection> =>
    mysql.createConnection({
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      connectTimeout: connectTimeoutMs ?? 10_000,
      ssl: tls,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
    });
  try {
    return await open(ssl);
  } catch (err) {
    // ssl=preferred: TLS when the server offers it, plain text when it has none.
    if (s.ssl?.mode === 'preferred' && (err as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT') {
      try {
        return await open(undefined);
      } catch (plainErr) {
        throw mapConnectError(plainErr, s);
      }
    }
    throw mapConnectError(err, s);
  }
}

function sslOptions(s: SourceUrl): mysql.SslOptions | undefined {
  if (!s.ssl || s.ssl.mode === 'disabled') return undefined;
  let ca: string | undefined;
  if (s.ssl.ca) {
    try {
      ca = readFileSync(s.ssl.ca, 'utf8');
    } catch (err) {
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `--source ssl-ca: cannot read ${s.ssl.ca}: ${(err as Error).message}`, {
        field: 'source',
        file: s.ssl.ca,
      });
    }
  }
  switch (s.ssl.mode) {
    case 'preferred':
    case 'required':
      return { rejectUnauthorized: false, ...(ca ? { ca } : {}) };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), verifyIdentity: false };
    case 'verify-identity':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), verifyIdentity: true };
  }
}

async function setUpSession(conn: mysql.Connection, opts: BinlogConnectionOptions): Promise<ServerInfo> {
  const [rows] = await conn.query('SELECT VERSION() AS v, CONNECTION_ID() AS id, @@global.binlog_checksum AS c');
  const row = (rows as Array<{ v: string; id: string | number; c: string }>)[0];
  const version = String(row?.v ?? '');
  const flavor: ServerFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const periodNs = BigInt(opts.heartbeatPeriodMs ?? 5_000) * 1_000_000n;
  const statements: string[] = [
    // Announce checksum capability: the server then sends events with their
    // checksum as written in its binlog (and a format description saying so).
    'SET @master_binlog_checksum = @@global.binlog_checksum',
    `SET @master_heartbeat_period = ${periodNs}`,
  ];
  if (flavor === 'mysql') {
    statements.push('SET @source_binlog_checksum = @@global.binlog_checksum', `SET @source_heartbeat_period = ${periodNs}`);
  } else {
    // 4 = MARIA_SLAVE_CAPABILITY_GTID: send MariaDB's own events (GTID, annotate, …) as they are.
    statements.push('SET @mariadb_slave_capability = 4');
    if (opts.start.kind === 'gtid') {
      if (opts.start.gtid.flavor !== 'mariadb') {
        throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', 'a MySQL GTID set cannot start a stream from a MariaDB server', {
          field: '--from-gtid',
        });
      }
      statements.push(
        `SET @slave_connect_state = '${formatGtidSet(opts.start.gtid)}'`,
        'SET @slave_gtid_strict_mode = 1',
        'SET @slave_gtid_ignore_duplicates = 0',
      );
    }
  }
  for (const sql of statements) await conn.query(sql);
  const checksum = String(row?.c ?? 'NONE').toUpperCase() === 'CRC32' ? 'CRC32' : 'NONE';
  return { flavor, version, connectionId: Number(row?.id ?? 0), checksum };
}

function dumpCommand(opts: BinlogConnectionOptions, flavor: ServerFlavor): Buffer {
  const nonBlocking = opts.nonBlocking ?? false;
  // The stream carries every event the file holds, so live and file sources agree.
  const sendAnnotateRows = flavor === 'mariadb';
  if (opts.start.kind === 'position') {
    const { file, offset } = opts.start.position;
    return encodeBinlogDump({ serverId: opts.serverId, file, offset, nonBlocking, sendAnnotateRows });
  }
  if (flavor === 'mariadb') {
    // MariaDB starts from @slave_connect_state; the file name stays empty.
    return encodeBinlogDump({ serverId: opts.serverId, file: '', offset: 4n, nonBlocking, sendAnnotateRows });
  }
  if (opts.start.gtid.flavor !== 'mysql') {
    throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', 'a MariaDB GTID position cannot start a stream from a MySQL server', {
      field: '--from-gtid',
    });
  }
  return encodeBinlogDumpGtid({
    serverId: opts.serverId,
    file: '',
    offset: 4n,
    nonBlocking,
    gtidSet: encodeMysqlGtidSet(opts.start.gtid.set),
  });
}

/**
 * Detaches the socket from mysql2 once the session is set up: from here on
 * the replication protocol is ours. mysql2's own listeners are removed so it
 * neither parses our packets nor reports our closing as its error.
 */
function takeOver(conn: mysql.Connection): Duplex {
  const core = (conn as unknown as { connection: unknown }).connection as { stream: Duplex; on(ev: 'error', fn: (e: Error) => void): void };
  const socket = core.stream;
  // mysql2 reports a closed socket as a connection error; we report it ourselves.
  core.on('error', () => undefined);
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.removeAllListeners('close');
  socket.removeAllListeners('error');
  socket.pause();
  return socket;
}

// ── reading ─────────────────────────────────────────────────────────────────

/** Pulls payloads from the socket only when asked (backpressure). */
/** A batch of events from the stream ends at this many events or bytes (few decoded rows alive at a time). */
const BATCH_EVENTS = 64;
const BATCH_BYTES = 16 * 1024;

class SocketReader {
  private queue: Buffer[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  /** Time of the last byte received (for stall detection). */
  lastByteAt = Date.now();

  constructor(
    private readonly socket: Duplex,
    private readonly framer: PacketFramer,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.lastByteAt = Date.now();
      try {
        for (const p of framer.push(chunk)) this.queue.push(p);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (this.queue.length > 0) {
        socket.pause();
        this.notify();
      }
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (err: Error) => this.fail(err));
  }

  fail(err: Error): void {
    this.error ??= err;
    this.notify();
  }

  /** The next payload, or undefined when the connection ended. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const p = this.queue.shift();
      if (p !== undefined) return p;
      if (this.error) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.socket.resume();
      });
    }
  }

  /** A payload already received, without waiting (undefined when none is). */
  takeBuffered(): Buffer | undefined {
    return this.queue.shift();
  }

  get waiting(): boolean {
    return this.wake !== undefined;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

class DumpStream implements BinlogConnection {
  private closed = false;

  constructor(
    readonly server: ServerInfo,
    readonly reportHost: string,
    private readonly socket: Duplex,
    private readonly reader: SocketReader,
    private readonly opts: BinlogConnectionOptions,
    private readonly signal: AbortSignal | undefined,
  ) {}

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for await (const batch of this.batches()) yield* batch;
  }

  async *batches(): AsyncGenerator<Buffer[], void, undefined> {
    const timeoutMs = this.opts.heartbeatTimeoutMs ?? 3 * (this.opts.heartbeatPeriodMs ?? 5_000);
    const onAbort = (): void => this.close();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    // Stall detection: only time spent waiting for the server counts, never
    // time the consumer took (then the socket is paused on purpose).
    const timer = setInterval(() => {
      if (this.reader.waiting && Date.now() - this.reader.lastByteAt > timeoutMs) {
        this.reader.fail(
          new BinsnapError('BINSNAP_E_SOURCE_STALLED', `no event or heartbeat for ${timeoutMs} ms`, {
            source: this.opts.source.redacted,
          }),
        );
        this.socket.destroy();
      }
    }, Math.min(1_000, Math.max(50, Math.floor(timeoutMs / 4))));
    try {
      for (;;) {
        let payload: Buffer | undefined;
        try {
          payload = await this.reader.next();
        } catch (err) {
          if (this.closed && !isBinsnapError(err)) return;
          if (isBinsnapError(err)) throw err;
          throw await explainDrop(lost(`: ${(err as Error).message}`, this.opts, err), this.opts, this.reportHost);
        }
        if (payload === undefined) {
          if (this.closed) return;
          throw await explainDrop(lost('(the server closed the connection)', this.opts), this.opts, this.reportHost);
        }
        // The events already received behind it go in the same batch; an end or an
        // error among them comes after the events before it.
        const batch: Buffer[] = [];
        let bytes = 0;
        let stop: DumpPayload | undefined;
        let failure: unknown;
        for (;;) {
          let p: DumpPayload;
          try {
            p = classifyDumpPayload(payload);
          } catch (err) {
            failure = err;
            break;
          }
          if (p.kind !== 'event') {
            stop = p;
            break;
          }
          // The framer's payload may share memory with the socket chunk: the
          // consumer gets bytes it owns.
          batch.push(p.bytes);
          bytes += p.bytes.length;
          if (batch.length >= BATCH_EVENTS || bytes >= BATCH_BYTES) break;
          const more = this.reader.takeBuffered();
          if (more === undefined) break;
          payload = more;
        }
        if (batch.length > 0) yield batch;
        if (failure !== undefined) throw failure;
        if (stop?.kind === 'eof') {
          // A blocking stream has no end: the server ends it only when it shuts down.
          if (this.opts.nonBlocking) return;
          throw lost('(the server ended the stream, e.g. shutting down)', this.opts);
        }
        if (stop?.kind === 'error') throw await explainServerError(mapServerError(stop, this.opts), this.opts, this.reportHost);
      }
    } finally {
      clearInterval(timer);
      this.signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }
}

// ── errors ──────────────────────────────────────────────────────────────────

function lost(when: string, opts: BinlogConnectionOptions, cause?: unknown): BinsnapError {
  return new BinsnapError('BINSNAP_E_SOURCE_UNREACHABLE', `connection to the source lost ${when}`.trim(), {
    source: opts.source.redacted,
  }, { cause });
}

/** Node's codes for a peer certificate that fails verification (untrusted CA, expired, wrong host name). */
const TLS_CERTIFICATE_CODE = /CERT|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|ERR_TLS_CERT_ALTNAME_INVALID|SSL/;

function mapConnectError(err: unknown, s: SourceUrl): BinsnapError {
  const e = err as { code?: string; errno?: number; message?: string };
  const ctx = { source: s.redacted };
  if (e.errno === 1045 || e.code === 'ER_ACCESS_DENIED_ERROR') {
    const withoutTls = !s.ssl || s.ssl.mode === 'disabled';
    return new BinsnapError(
      'BINSNAP_E_SOURCE_AUTH',
      `the server refused user "${s.user}" (wrong user or password${withoutTls ? ', or the account requires TLS: add ?ssl=required or ?ssl=verify-ca&ssl-ca=FILE' : ''})`,
      ctx,
    );
  }
  if (e.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new BinsnapError('BINSNAP_E_SOURCE_TLS', `${s.host}:${s.port} offers no TLS, and --source asks for ssl=${s.ssl?.mode ?? 'required'}`, ctx, { cause: err });
  }
  if (e.code === 'HANDSHAKE_SSL_ERROR' || (typeof e.code === 'string' && TLS_CERTIFICATE_CODE.test(e.code))) {
    return new BinsnapError('BINSNAP_E_SOURCE_TLS', `TLS handshake with ${s.host}:${s.port} failed: ${e.message ?? e.code}`, ctx, { cause: err });
  }
  if (e.errno === 1044 || e.errno === 1227) {
    return new BinsnapError('BINSNAP_E_SOURCE_PRIVILEGE', `user "${s.user}": ${e.message ?? 'access denied'}`, ctx);
  }
  return new BinsnapError('BINSNAP_E_SOURCE_UNREACHABLE', `cannot connect to ${s.host}:${s.port}: ${e.code ?? e.message ?? String(err)}`, ctx, {
    cause: err,
  });
}

/** An error while setting up the session: the network or the server going away is transient. */
function mapSessionError(err: unknown, opts: BinlogConnectionOptions): BinsnapError {
  const e = err as { code?: string; errno?: number; fatal?: boolean; message?: string };
  if (typeof e.errno === 'number' && e.errno > 0 && e.errno < 10_000 && !e.fatal) {
    return mapServerError({ code: e.errno, message: e.message ?? '' }, opts);
  }
  return lost(`while setting up the session: ${e.code ?? e.message ?? String(err)}`, opts, err);
}

/** MariaDB's ER_SLAVE_SAME_ID: sent to the dump thread a newer replica with the same server id displaced. */
const MARIADB_ER_SLAVE_SAME_ID = 4052;

/** Maps an error packet of the dump stream to a coded error (MySQL and MariaDB error codes). */
export function mapServerError(
  p: { code: number; message: string },
  opts: Pick<BinlogConnectionOptions, 'source' | 'start'> & { readonly serverId?: number },
): BinsnapError {
  const ctx = { source: opts.source.redacted, serverError: p.code, position: describeStart(opts.start) };
  const msg = p.message;
  if (p.code === MARIADB_ER_SLAVE_SAME_ID || (p.code === 1236 && /same server_?(uuid|id)/i.test(msg))) {
    return duplicateServerId(opts, [], `the server says: ${msg}`, p.code);
  }
  if (p.code === 1236) {
    if (/could not find|purged|not find first log|GTID.*(not|no longer)|binlog.*(missing|gone)/i.test(msg)) {
      return new BinsnapError('BINSNAP_E_SOURCE_POSITION_PURGED', `the server says: ${msg}`, ctx);
    }
    return new BinsnapError('BINSNAP_E_SOURCE_REPLICATION', `the server says: ${msg}`, ctx);
  }
  if (p.code === 1227 || p.code === 1045 || p.code === 1044) {
    return new BinsnapError('BINSNAP_E_SOURCE_PRIVILEGE', `the server says: ${msg}`, ctx);
  }
  if (p.code === 1381) {
    return new BinsnapError('BINSNAP_E_SOURCE_BINLOG_OFF', `the server says: ${msg}`, ctx);
  }
  return new BinsnapError('BINSNAP_E_SOURCE_REPLICATION', `the server says (error ${p.code}): ${msg}`, ctx);
}

// ── server id clashes ───────────────────────────────────────────────────────

/** A replica registered on the source, as SHOW SLAVE HOSTS (or SHOW REPLICAS) lists it. */
export interface RegisteredReplica {
  readonly serverId: number;
  /** The replica's report_host (MariaDB shows the client's address when it sent none; may be empty elsewhere). */
  readonly host: string;
  readonly port: number;
}

/** A fresh instance id: short, random, safe in a host name. */
export function newInstanceId(): string {
  return randomBytes(4).toString('hex');
}

/** The report host binsnap registers with: names binsnap, the instance and the machine. */
export function reportHostOf(instanceId: string): string {
  // 60 characters is the shortest report_host column among supported servers.
  return `binsnap-${instanceId}@${os.hostname()}`.slice(0, 60);
}

/**
 * The replicas registered on the source. Throws BINSNAP_E_SOURCE_PRIVILEGE
 * when the user may not list them (MariaDB ≥ 10.5.2 wants REPLICATION MASTER
 * ADMIN for SHOW SLAVE HOSTS), BINSNAP_E_SOURCE_UNREACHABLE when the server
 * cannot be reached.
 */
export async function listRegisteredReplicas(source: SourceUrl, timeoutMs = 5_000): Promise<RegisteredReplica[]> {
  const conn = await openSqlConnection(source, timeoutMs);
  // A connection error also rejects the query below, which reports it; the listener only keeps
  // mysql2 from raising it a second time as an unhandled 'error' event.
  conn.on('error', () => undefined);
  try {
    let rows: unknown;
    try {
      [rows] = await conn.query({ sql: 'SHOW SLAVE HOSTS', timeout: timeoutMs });
    } catch (err) {
      // MySQL ≥ 8.4 knows only SHOW REPLICAS.
      if ((err as { errno?: number }).errno !== 1064) throw err;
      [rows] = await conn.query({ sql: 'SHOW REPLICAS', timeout: timeoutMs });
    }
    return (rows as Array<Record<string, unknown>>).map((r) => {
      const get = (name: string): unknown => Object.entries(r).find(([k]) => k.toLowerCase() === name)?.[1];
      return { serverId: Number(get('server_id')), host: String(get('host') ?? ''), port: Number(get('port') ?? 0) };
    });
  } catch (err) {
    if (isBinsnapError(err)) throw err;
    throw mapConnectError(err, source);
  } finally {
    conn.destroy();
  }
}

type HolderCheck =
  | { readonly kind: 'others'; readonly others: RegisteredReplica[] }
  | { readonly kind: 'unknown'; readonly why: BinsnapError };

/** Who else than this instance (its report host) is registered on the source with our server id. */
async function otherHolders(opts: BinlogConnectionOptions, reportHost: string): Promise<HolderCheck> {
  try {
    const replicas = await listRegisteredReplicas(opts.source, Math.min(opts.connectTimeoutMs ?? 5_000, 5_000));
    return { kind: 'others', others: replicas.filter((r) => r.serverId === opts.serverId && r.host !== reportHost) };
  } catch (err) {
    return { kind: 'unknown', why: isBinsnapError(err) ? err : lost(`: ${String(err)}`, opts, err) };
  }
}

/**
 * An unexplained drop of the stream: if another replica now holds our server
 * id, we were displaced (a definite error); otherwise the drop stays transient.
 */
async function explainDrop(drop: BinsnapError, opts: BinlogConnectionOptions, reportHost: string): Promise<BinsnapError> {
  const check = await otherHolders(opts, reportHost);
  if (check.kind === 'others') {
    return check.others.length > 0 ? duplicateServerId(opts, check.others, 'the source dropped this stream', undefined, drop) : drop;
  }
  if (check.why.code === 'BINSNAP_E_SOURCE_PRIVILEGE') {
    opts.onWarning?.(
      `cannot tell whether another replica uses server id ${opts.serverId} (${check.why.message}); ` +
        'a connection the source drops is retried, which would displace such a replica in turn; ' +
        'grant REPLICATION MASTER ADMIN (MariaDB) to let binsnap check',
    );
  }
  return drop;
}

/** A duplicate-server-id error from the server: names the other replica when the source lists it. */
async function explainServerError(err: BinsnapError, opts: BinlogConnectionOptions, reportHost: string): Promise<BinsnapError> {
  if (err.code !== 'BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID') return err;
  const check = await otherHolders(opts, reportHost);
  if (check.kind !== 'others' || check.others.length === 0) return err;
  return duplicateServerId(opts, check.others, err.message, err.context['serverError'] as number | undefined, err.cause);
}

function duplicateServerId(
  opts: Pick<BinlogConnectionOptions, 'source' | 'start'> & { readonly serverId?: number },
  others: readonly RegisteredReplica[],
  detail: string,
  serverError?: number,
  cause?: unknown,
): BinsnapError {
  const id = opts.serverId === undefined ? 'binsnap\'s server id' : `server id ${opts.serverId}`;
  const who = others.length > 0 ? others.map(describeReplica).join(', ') : 'another replica';
  return new BinsnapError(
    'BINSNAP_E_SOURCE_DUPLICATE_SERVER_ID',
    `${who} registered on the source with ${id}, so the source ended binsnap's stream (${detail}); ` +
      'binsnap stops rather than reconnect, which would in turn cut off the other replica',
    {
      source: opts.source.redacted,
      ...(opts.serverId !== undefined ? { serverId: opts.serverId } : {}),
      ...(serverError !== undefined ? { serverError } : {}),
      position: describeStart(opts.start),
    },
    cause === undefined ? undefined : { cause },
  );
}

function describeReplica(r: RegisteredReplica): string {
  if (r.host.startsWith('binsnap-')) return `another binsnap (${r.host})`;
  if (r.host === '') return `a replica with no report_host${r.port ? ` (port ${r.port})` : ''}`;
  return `the replica at ${r.host}${r.port ? `:${r.port}` : ''}`;
}

function describeStart(start: StartAt): string {
  return start.kind === 'position' ? start.position.format() : `gtid ${formatGtidSet(start.gtid)}`;
}
