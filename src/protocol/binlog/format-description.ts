/**
 * The format description of one binlog file: header length, per-type
 * post-header lengths and checksum algorithm, read from the file's
 * FORMAT_DESCRIPTION event (v4) or implied by START_EVENT_V3 (v1: 13-byte
 * headers, v3: 19-byte headers).
 *
 * Invariants: the checksum algorithm byte is read only when the server
 * version says it exists (MySQL ≥ 5.6.1, MariaDB ≥ 5.3), never guessed from
 * trailing bytes; the header length is the FDE's own (Google 5.1 patches
 * declare 23–31 bytes), and bodies start after it.
 *
 * MySQL reference: libbinlogevents/src/control_events.cpp
 * (Format_description_event), MySQL internals manual "Binlog Version Detection".
 */
import { BinsnapError } from '../../core/errors.js';
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';
import { EventType } from './event-types.js';
import type { ChecksumAlgorithm, FormatDescriptionBody, StartV3Body } from './events.js';

export const V4_HEADER_LENGTH = 19;
export const V1_HEADER_LENGTH = 13;
const SERVER_VERSION_LENGTH = 50;
/** binlog_version(2) + server_version(50) + create_timestamp(4) + header_length(1). */
const FDE_FIXED_LENGTH = 2 + SERVER_VERSION_LENGTH + 4 + 1;
const START_V3_LENGTH = 2 + SERVER_VERSION_LENGTH + 4;

export interface FormatDescription {
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly headerLength: number;
  /** Index = type code − 1. */
  readonly postHeaderLengths: readonly number[];
  readonly checksum: ChecksumAlgorithm | null;
  readonly mariadb: boolean;
}

/** Post-header lengths of binlog v1/v3 (START_EVENT_V3 files), by type code. */
function legacyPostHeaders(version: 1 | 3): number[] {
  const p: number[] = [];
  const set = (type: number, len: number): void => {
    p[type - 1] = len;
  };
  set(EventType.START_V3, START_V3_LENGTH);
  set(EventType.QUERY, 11);
  set(EventType.STOP, 0);
  set(EventType.ROTATE, version === 1 ? 0 : 8);
  set(EventType.INTVAR, 0);
  set(EventType.LOAD, 18);
  set(EventType.SLAVE, 0);
  set(EventType.CREATE_FILE, 22);
  set(EventType.APPEND_BLOCK, 4);
  set(EventType.EXEC_LOAD, 4);
  set(EventType.DELETE_FILE, 4);
  set(EventType.NEW_LOAD, 18);
  set(EventType.RAND, 0);
  set(EventType.USER_VAR, 0);
  return p;
}

export function legacyFormat(version: 1 | 3, serverVersion: string): FormatDescription {
  return {
    binlogVersion: version,
    serverVersion,
    headerLength: version === 1 ? V1_HEADER_LENGTH : V4_HEADER_LENGTH,
    postHeaderLengths: legacyPostHeaders(version),
    checksum: null,
    mariadb: false,
  };
}

/** What a reader assumes for events decoded before any FDE (network streams, tests). */
export const DEFAULT_V4_FORMAT: FormatDescription = {
  binlogVersion: 4,
  serverVersion: '',
  headerLength: V4_HEADER_LENGTH,
  postHeaderLengths: [],
  checksum: null,
  mariadb: false,
};

/** [major, minor, patch] from the leading digits of a server version string. */
export function splitServerVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) return [0, 0, 0];
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Whether a server of this version writes the checksum algorithm byte in its FDE. */
export function hasChecksumAlgorithmByte(serverVersion: string): boolean {
  const [a, b, c] = splitServerVersion(serverVersion);
  const n = a * 10000 + b * 100 + c;
  if (/mariadb/i.test(serverVersion)) return n >= 50300;
  return n >= 50601;
}

function cleanVersion(raw: Buffer): string {
  const nul = raw.indexOf(0);
  return raw.toString('latin1', 0, nul < 0 ? raw.length : nul);
}

/**
 * Parses an FDE. `event` holds the whole event (header included); the body
 * starts at 19 whatever the declared header length (the FDE is read before the
 * length is known).
 */
export function parseFormatDescription(
  event: Buffer,
  site: EventSite,
): { format: FormatDescription; body: FormatDescriptionBody; checksumInFde: boolean } {
  const size = event.length;
  if (size < V4_HEADER_LENGTH + FDE_FIXED_LENGTH) throw corruptEvent(site, `FORMAT_DESCRIPTION of ${size} bytes is too short`);
  const r = new BodyReader(event, V4_HEADER_LENGTH, size, site);
  const binlogVersion = r.u16('binlog version');
  if (binlogVersion !== 4) {
    throw new BinsnapError('BINSNAP_E_BINLOG_UNSUPPORTED_VERSION', `FORMAT_DESCRIPTION declares binlog version ${binlogVersion}`, {
      file: site.file,
      offset: site.offset,
    });
  }
  const serverVersion = cleanVersion(r.bytes(SERVER_VERSION_LENGTH, 'server version'));
  const createTimestamp = r.u32('create timestamp');
  const headerLength = r.u8('header length');
  if (headerLength < V4_HEADER_LENGTH) throw corruptEvent(site, `FORMAT_DESCRIPTION declares a header length of ${headerLength}`);
  const withAlg = hasChecksumAlgorithmByte(serverVersion);
  const tail = withAlg ? 5 : 0;
  const count = size - r.pos - tail;
  if (count < 0) throw corruptEvent(site, 'FORMAT_DESCRIPTION has no room for its checksum algorithm');
  const postHeaderLengths = Array.from(r.bytes(count, 'post-header lengths'));
  let checksum: ChecksumAlgorithm | null = null;
  if (withAlg) {
    const alg = event[size - 5]!;
    if (alg === 0) checksum = 'none';
    else if (alg === 1) checksum = 'crc32';
    else if (alg === 0xff) checksum = 'none';
    else throw corruptEvent(site, `unknown checksum algorithm ${alg} in FORMAT_DESCRIPTION`);
  }
  const format: FormatDescription = {
    binlogVersion,
    serverVersion,
    headerLength,
    postHeaderLengths,
    checksum,
    mariadb: /mariadb/i.test(serverVersion),
  };
  return {
    format,
    body: { kind: 'format_description', binlogVersion, serverVersion, createTimestamp, headerLength, checksum, postHeaderLengths },
    checksumInFde: checksum === 'crc32',
  };
}

/** Parses START_EVENT_V3; `headerLength` is 13 (v1) or 19 (v3). */
export function parseStartV3(event: Buffer, headerLength: number, site: EventSite): { format: FormatDescription; body: StartV3Body } {
  const r = new BodyReader(event, headerLength, event.length, site);
  const binlogVersion = r.u16('binlog version');
  const serverVersion = cleanVersion(r.bytes(SERVER_VERSION_LENGTH, 'server version'));
  const createTimestamp = r.u32('create timestamp');
  const version: 1 | 3 = headerLength === V1_HEADER_LENGTH ? 1 : 3;
  // 3.23 wrote 1 or 2 (13-byte headers), 4.0/4.1 wrote 3.
  if (binlogVersion < 1 || binlogVersion > 3) {
    throw new BinsnapError('BINSNAP_E_BINLOG_UNSUPPORTED_VERSION', `START_EVENT_V3 declares binlog version ${binlogVersion}`, {
      file: site.file,
      offset: site.offset,
    });
  }
  return {
    format: legacyFormat(version, serverVersion),
    body: { kind: 'start_v3', binlogVersion, serverVersion, createTimestamp },
  };
}

/** The post-header length of a type under this format (MySQL's defaults when the FDE does not list it). */
export function postHeaderLength(format: FormatDescription, type: number, fallback: number): number {
  return format.postHeaderLengths[type - 1] ?? fallback;
}
