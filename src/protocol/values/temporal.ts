/**
 * Date and time cells, old and MySQL 5.6 ("2") formats, to SPEC §3 text.
 *
 * Formats (MySQL sql-common/my_time.cc, "packed" binary formats; MariaDB
 * writes the same with mysql56_temporal_format=ON, its default):
 *   YEAR        1 byte, 0 or year − 1900
 *   DATE        3 bytes LE: day:5 | month:4 | year:15
 *   TIME        3 bytes LE signed integer ±HHMMSS
 *   DATETIME    8 bytes LE integer YYYYMMDDhhmmss
 *   TIMESTAMP   4 bytes LE unsigned seconds since the epoch (UTC)
 *   TIME2       3 bytes BE (offset 0x800000): sign:1 unused:1 hour:10 minute:6 second:6,
 *               then the fraction (fsp 1-2: 1 byte, 3-4: 2 bytes BE, 5-6: 3 bytes BE);
 *               negative values with a fraction borrow one second (MySQL's
 *               my_time_packed_from_binary).
 *   DATETIME2   5 bytes BE (offset 0x8000000000): sign:1 year*13+month:17 day:5
 *               hour:5 minute:6 second:6, then the fraction as TIME2
 *   TIMESTAMP2  4 bytes BE seconds, then the fraction as TIME2
 * Output: "YYYY-MM-DD", "[-]HH:MM:SS", "YYYY-MM-DD HH:MM:SS", plus "." and
 * exactly fsp digits when fsp > 0. Zero and partial dates are kept as stored.
 * Invariants: callers (readValue) check the bytes exist; integer arithmetic
 * only, no Date objects; the one piece of module state is a memo of the last
 * day's civil date, which never changes a result.
 */
import { u16be, u24be, u32be, u32le } from './bytes.js';

const TWO_24 = 16777216;

// Precomputed zero-padded numbers: formatting a date is then a few lookups
// and one concatenation, with no per-field string building.
const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const PAD4: readonly string[] = Array.from({ length: 10000 }, (_, i) => String(i).padStart(4, '0'));

export function pad2(n: number): string {
  return n < 100 ? PAD2[n]! : String(n);
}

export function pad4(n: number): string {
  return n < 10000 ? PAD4[n]! : String(n);
}

const FRAC_DIV = [1000000, 100000, 10000, 1000, 100, 10, 1] as const;
const ZEROS6 = '000000';

/** "" for fsp 0, else "." and the first fsp digits of the microseconds. */
export function fraction(usec: number, fsp: number): string {
  if (fsp === 0) return '';
  const v = Math.floor(usec / FRAC_DIV[fsp]!);
  if (fsp === 6 && v < 1000000) {
    return String.fromCharCode(46, D0 + Math.floor(v / 100000), D0 + (Math.floor(v / 10000) % 10), D0 + (Math.floor(v / 1000) % 10), D0 + (Math.floor(v / 100) % 10), D0 + (Math.floor(v / 10) % 10), D0 + (v % 10));
  }
  if (fsp === 3 && v < 1000) return String.fromCharCode(46, D0 + Math.floor(v / 100), D0 + (Math.floor(v / 10) % 10), D0 + (v % 10));
  const s = String(v);
  return s.length >= fsp ? `.${s}` : `.${ZEROS6.slice(0, fsp - s.length)}${s}`;
}

/** Bytes the fractional part takes for a given fsp (0..6). */
export function fracBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** Microseconds from the fractional bytes at `o` (fsp 1..6), unsigned. */
function readFracUsec(buf: Buffer, o: number, fsp: number): number {
  switch (fsp) {
    case 1:
    case 2:
      return buf[o]! * 10000;
    case 3:
    case 4:
      return u16be(buf, o) * 100;
    case 5:
    case 6:
      return u24be(buf, o);
    default:
      return 0;
  }
}

// The fast paths below build the text with one String.fromCharCode call (one
// string allocation) instead of a chain of concatenations; fields out of their
// usual width take the general path.
const D0 = 48; // '0'

export function formatDate(y: number, m: number, d: number): string {
  if (y < 10000 && m < 100 && d < 100) {
    return String.fromCharCode(
      D0 + Math.floor(y / 1000), D0 + (Math.floor(y / 100) % 10), D0 + (Math.floor(y / 10) % 10), D0 + (y % 10), 45,
      D0 + Math.floor(m / 10), D0 + (m % 10), 45, D0 + Math.floor(d / 10), D0 + (d % 10),
    );
  }
  return `${pad4(y)}-${pad2(m)}-${pad2(d)}`;
}

export function formatDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number): string {
  if (y < 10000 && mo < 100 && d < 100 && h < 100 && mi < 100 && s < 100) {
    return String.fromCharCode(
      D0 + Math.floor(y / 1000), D0 + (Math.floor(y / 100) % 10), D0 + (Math.floor(y / 10) % 10), D0 + (y % 10), 45,
      D0 + Math.floor(mo / 10), D0 + (mo % 10), 45, D0 + Math.floor(d / 10), D0 + (d % 10), 32,
      D0 + Math.floor(h / 10), D0 + (h % 10), 58, D0 + Math.floor(mi / 10), D0 + (mi % 10), 58, D0 + Math.floor(s / 10), D0 + (s % 10),
    );
  }
  return `${pad4(y)}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
}

/** formatDateTime plus fraction(usec, fsp), as one string when fsp is 6 (the common DATETIME(6)). */
function formatDateTimeFrac(y: number, mo: number, d: number, h: number, mi: number, s: number, usec: number, fsp: number): string {
  if (fsp === 0) return formatDateTime(y, mo, d, h, mi, s);
  if (fsp === 6 && usec < 1000000 && y < 10000 && mo < 100 && d < 100 && h < 100 && mi < 100 && s < 100) {
    return String.fromCharCode(
      D0 + Math.floor(y / 1000), D0 + (Math.floor(y / 100) % 10), D0 + (Math.floor(y / 10) % 10), D0 + (y % 10), 45,
      D0 + Math.floor(mo / 10), D0 + (mo % 10), 45, D0 + Math.floor(d / 10), D0 + (d % 10), 32,
      D0 + Math.floor(h / 10), D0 + (h % 10), 58, D0 + Math.floor(mi / 10), D0 + (mi % 10), 58, D0 + Math.floor(s / 10), D0 + (s % 10),
      46, D0 + Math.floor(usec / 100000), D0 + (Math.floor(usec / 10000) % 10), D0 + (Math.floor(usec / 1000) % 10),
      D0 + (Math.floor(usec / 100) % 10), D0 + (Math.floor(usec / 10) % 10), D0 + (usec % 10),
    );
  }
  return formatDateTime(y, mo, d, h, mi, s) + fraction(usec, fsp);
}

/** "[-]HH:MM:SS" plus the fraction (hours may exceed two digits). */
function formatTime(negative: boolean, h: number, mi: number, s: number, usec: number, fsp: number): string {
  if (!negative && h < 100 && mi < 100 && s < 100) {
    const hms = String.fromCharCode(D0 + Math.floor(h / 10), D0 + (h % 10), 58, D0 + Math.floor(mi / 10), D0 + (mi % 10), 58, D0 + Math.floor(s / 10), D0 + (s % 10));
    return fsp === 0 ? hms : hms + fraction(usec, fsp);
  }
  return `${negative ? '-' : ''}${pad2(h)}:${pad2(mi)}:${pad2(s)}${fraction(usec, fsp)}`;
}

export function readYear(buf: Buffer, o: number): number {
  const b = buf[o]!;
  return b === 0 ? 0 : 1900 + b;
}

export function readDate(buf: Buffer, o: number): string {
  const v = buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16);
  return formatDate(v >>> 9, (v >>> 5) & 15, v & 31);
}

export function readTime(buf: Buffer, o: number): string {
  const v = buf.readIntLE(o, 3);
  const a = v < 0 ? -v : v;
  const h = Math.floor(a / 10000);
  return `${v < 0 ? '-' : ''}${pad2(h)}:${pad2(Math.floor(a / 100) % 100)}:${pad2(a % 100)}`;
}

export function readTime2(buf: Buffer, o: number, fsp: number): string {
  let intPart = u24be(buf, o) - 0x800000;
  let frac = 0; // in microseconds, signed
  switch (fsp) {
    case 1:
    case 2: {
      let f = buf[o + 3]!;
      if (intPart < 0 && f !== 0) {
        intPart++;
        f -= 0x100;
      }
      frac = f * 10000;
      break;
    }
    case 3:
    case 4: {
      let f = u16be(buf, o + 3);
      if (intPart < 0 && f !== 0) {
        intPart++;
        f -= 0x10000;
      }
      frac = f * 100;
      break;
    }
    case 5:
    case 6: {
      // The 6 bytes together are one integer offset by 0x800000000000.
      const packed = u24be(buf, o) * 16777216 + u24be(buf, o + 3) - 0x800000000000;
      intPart = Math.floor(packed / TWO_24);
      frac = packed - intPart * TWO_24;
      break;
    }
    default:
      break;
  }
  let packed = intPart * TWO_24 + frac;
  const negative = packed < 0;
  if (negative) packed = -packed;
  const hms = Math.floor(packed / TWO_24);
  const usec = packed - hms * TWO_24;
  const h = (hms >>> 12) & 0x3ff;
  return formatTime(negative, h, (hms >>> 6) & 63, hms & 63, usec, fsp);
}

export function readDateTime(buf: Buffer, o: number): string {
  const v = u32le(buf, o) + u32le(buf, o + 4) * 4294967296;
  const date = Math.floor(v / 1000000);
  const time = v - date * 1000000;
  return formatDateTime(
    Math.floor(date / 10000),
    Math.floor(date / 100) % 100,
    date % 100,
    Math.floor(time / 10000),
    Math.floor(time / 100) % 100,
    time % 100,
  );
}

/** Formats the 40-bit DATETIME2 integer part (without the offset) and usec. */
function formatPackedDateTime(ymdhms: number, usec: number, fsp: number): string {
  const ymd = Math.floor(ymdhms / 131072); // >> 17
  const hms = ymdhms - ymd * 131072;
  const ym = ymd >>> 5;
  return formatDateTimeFrac(Math.floor(ym / 13), ym % 13, ymd & 31, hms >>> 12, (hms >>> 6) & 63, hms & 63, usec, fsp);
}

export function readDateTime2(buf: Buffer, o: number, fsp: number): string {
  let intPart = buf[o]! * 4294967296 + u32be(buf, o + 1) - 0x8000000000;
  // Negative DATETIME values cannot be stored by MySQL; print the magnitude.
  if (intPart < 0) intPart = -intPart;
  return formatPackedDateTime(intPart, fsp > 0 ? readFracUsec(buf, o + 5, fsp) : 0, fsp);
}

// Rows in one stretch of binlog mostly share a day: remember the last one.
let cachedDays = -1;
let cachedY = 0;
let cachedM = 0;
let cachedD = 0;

/** "YYYY-MM-DD HH:MM:SS" in UTC for seconds since the epoch (0 = zero date). */
export function formatEpochSeconds(secs: number, usec: number, fsp: number): string {
  if (secs === 0) return `0000-00-00 00:00:00${fraction(usec, fsp)}`;
  const days = Math.floor(secs / 86400);
  let rem = secs - days * 86400;
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  const s = rem - mi * 60;
  if (days !== cachedDays) {
    civilDate(days);
    cachedDays = days;
  }
  return formatDateTimeFrac(cachedY, cachedM, cachedD, h, mi, s, usec, fsp);
}

/** The civil date of `days` since 1970-01-01 (proleptic Gregorian, 400-year eras), into cachedY/M/D. */
function civilDate(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  cachedY = y;
  cachedM = m;
  cachedD = d;
}

export function readTimestamp(buf: Buffer, o: number): string {
  return formatEpochSeconds(u32le(buf, o), 0, 0);
}

export function readTimestamp2(buf: Buffer, o: number, fsp: number): string {
  return formatEpochSeconds(u32be(buf, o), fsp > 0 ? readFracUsec(buf, o + 4, fsp) : 0, fsp);
}

/**
 * The MySQL "packed longlong" temporal used inside binary JSON opaque values
 * (TIME_to_longlong_*_packed): (ymdhms << 24) | usec, negated for negative
 * TIME. Read from 8 LE bytes at `o`. `kind` picks the text form MySQL's JSON
 * printer uses: DATE "YYYY-MM-DD", TIME "HH:MM:SS.ffffff", DATETIME/TIMESTAMP
 * "YYYY-MM-DD HH:MM:SS.ffffff".
 */
export function formatPackedTemporal(buf: Buffer, o: number, kind: 'date' | 'time' | 'datetime'): string {
  let lo = buf.readUInt32LE(o);
  let hi = buf.readInt32LE(o + 4);
  let negative = false;
  if (hi < 0) {
    const v = -buf.readBigInt64LE(o);
    negative = true;
    lo = Number(v & 0xffffffffn);
    hi = Number(v >> 32n);
  }
  const usec = lo & 0xffffff;
  const upper = hi * 256 + (lo >>> 24); // value >> 24
  if (kind === 'time') {
    const h = Math.floor(upper / 4096) % 1024;
    return `${negative ? '-' : ''}${pad2(h)}:${pad2((upper >>> 6) & 63)}:${pad2(upper & 63)}${fraction(usec, 6)}`;
  }
  const text = formatPackedDateTime(upper, usec, 6);
  return kind === 'date' ? text.slice(0, 10) : text;
}

/**
 * MariaDB's own fractional-second formats, kept by DATETIME(n), TIME(n) and TIMESTAMP(n) (n > 0)
 * of tables created with mysql56_temporal_format=OFF, or on MariaDB 5.3–10.0 and not rebuilt
 * since. The binlog gives them the old type codes (12, 11, 7) without metadata: the precision n
 * comes from the schema history (ColumnDecodeInfo.fsp).
 * - TIME(n): 4, 4, 5, 5, 5, 6 bytes for n = 1…6, big-endian: the microseconds of
 *   ((h × 60 + m) × 60 + s) × 10^6 + µs divided by 10^(6−n), plus the same for 838:59:59 + 1 s
 *   (so negative times sort first);
 * - DATETIME(n): 6, 6, 7, 7, 7, 8 bytes, big-endian: (((((Y × 13 + M) × 32 + D) × 24 + h) × 60 +
 *   m) × 60 + s) × 10^6 + µs, divided by 10^(6−n);
 * - TIMESTAMP(n): 4 bytes of seconds since the epoch, then µs / 10^(6−n) in
 *   HIRES_FRACTION_BYTES[n] bytes, all big-endian.
 * Checked against SELECT on MariaDB 10.11 (test/integration/replay-edge-cases.test.ts, l).
 */
export const HIRES_FRACTION_BYTES: readonly number[] = [0, 1, 1, 2, 2, 3, 3];

/** Bytes by precision 0–6: the fewest that hold the scaled value (so not the sum of parts for TIME and DATETIME). */
const HIRES_BYTES: Readonly<Record<'time' | 'datetime' | 'timestamp', readonly number[]>> = {
  time: [3, 4, 4, 5, 5, 5, 6],
  datetime: [5, 6, 6, 7, 7, 7, 8],
  timestamp: HIRES_FRACTION_BYTES.map((n) => 4 + n),
};

/** Bytes of a MariaDB high-resolution TIME/DATETIME/TIMESTAMP cell of precision `fsp` (1–6). */
export function hiresLength(kind: 'time' | 'datetime' | 'timestamp', fsp: number): number {
  return HIRES_BYTES[kind][fsp]!;
}

function bigEndian(buf: Buffer, o: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[o + i]!);
  return v;
}

const SCALE = [1000000n, 100000n, 10000n, 1000n, 100n, 10n, 1n] as const;
/** 838:59:59 + 1 s in microseconds. */
const TIME_ZERO_POINT_USEC = 3020400n * 1000000n;

export function readHiresTime(buf: Buffer, o: number, fsp: number): string {
  const scale = SCALE[fsp]!;
  let usec = (bigEndian(buf, o, hiresLength('time', fsp)) - TIME_ZERO_POINT_USEC / scale) * scale;
  const negative = usec < 0n;
  if (negative) usec = -usec;
  const secs = Number(usec / 1000000n);
  return formatTime(negative, Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, Number(usec % 1000000n), fsp);
}

export function readHiresDateTime(buf: Buffer, o: number, fsp: number): string {
  const usec = bigEndian(buf, o, hiresLength('datetime', fsp)) * SCALE[fsp]!;
  const secs = Number(usec / 1000000n);
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  const ym = Math.floor(days / 32);
  return formatDateTimeFrac(Math.floor(ym / 13), ym % 13, days % 32, Math.floor(rem / 3600), Math.floor(rem / 60) % 60, rem % 60, Number(usec % 1000000n), fsp);
}

export function readHiresTimestamp(buf: Buffer, o: number, fsp: number): string {
  const frac = Number(bigEndian(buf, o + 4, HIRES_FRACTION_BYTES[fsp]!) * SCALE[fsp]!);
  return formatEpochSeconds(u32be(buf, o), frac, fsp);
}
