/**
 * What the server knows about character sets when it resolves a column's
 * charset and collation: the default collation of each charset, the charset
 * of a collation, the binary collation of a charset, and the maximum bytes
 * per character.
 *
 * Follows MySQL Reference Manual §12.3 "Specifying Character Sets and
 * Collations" (§12.3.2–§12.3.5: server → database → table → column
 * inheritance), §12.10 "Supported Character Sets and Collations", and the
 * MariaDB KB "Supported Character Sets and Collations" (MariaDB 10.x
 * defaults; `utf8` is `utf8mb3`).
 *
 * Invariants: names are lower case; `utf8` and `utf8_…` are always spelled
 * `utf8mb3`/`utf8mb3_…` (MariaDB ≥ 10.6 and MySQL ≥ 8.0.30 report them so);
 * an unknown charset gets `<charset>_general_ci`, the rule every charset
 * added since MySQL 4.1 follows except the ones listed here.
 */

export type ServerFlavor = 'mariadb' | 'mysql';

/** The server's defaults that a schema history starts from (character_set_server, collation_server, …). */
export interface ServerDefaults {
  readonly charset: string;
  readonly collation: string;
  /** MariaDB: JSON is LONGTEXT utf8mb4_bin; MySQL: JSON is its own binary type. Default 'mariadb'. */
  readonly flavor?: ServerFlavor;
  /** Overrides of a charset's default collation (MySQL 8: utf8mb4 → utf8mb4_0900_ai_ci; MariaDB 11: character_set_collations). */
  readonly charsetCollations?: Readonly<Record<string, string>>;
  /** explicit_defaults_for_timestamp (ON in MySQL 8 and MariaDB ≥ 10.10). Default true. */
  readonly explicitDefaultsForTimestamp?: boolean;
}

/** MariaDB 10.x compiled-in defaults (Debian packages set utf8mb4 in a config file; pass what the server reports). */
export const MARIADB_DEFAULTS: ServerDefaults = { charset: 'latin1', collation: 'latin1_swedish_ci', flavor: 'mariadb' };

/** MySQL 8.0 defaults. */
export const MYSQL8_DEFAULTS: ServerDefaults = {
  charset: 'utf8mb4',
  collation: 'utf8mb4_0900_ai_ci',
  flavor: 'mysql',
  charsetCollations: { utf8mb4: 'utf8mb4_0900_ai_ci' },
};

const DEFAULT_COLLATION: Readonly<Record<string, string>> = {
  armscii8: 'armscii8_general_ci', ascii: 'ascii_general_ci', big5: 'big5_chinese_ci', binary: 'binary',
  cp1250: 'cp1250_general_ci', cp1251: 'cp1251_general_ci', cp1256: 'cp1256_general_ci', cp1257: 'cp1257_general_ci',
  cp850: 'cp850_general_ci', cp852: 'cp852_general_ci', cp866: 'cp866_general_ci', cp932: 'cp932_japanese_ci',
  dec8: 'dec8_swedish_ci', eucjpms: 'eucjpms_japanese_ci', euckr: 'euckr_korean_ci', gb2312: 'gb2312_chinese_ci',
  gb18030: 'gb18030_chinese_ci', gbk: 'gbk_chinese_ci', geostd8: 'geostd8_general_ci', greek: 'greek_general_ci',
  hebrew: 'hebrew_general_ci', hp8: 'hp8_english_ci', keybcs2: 'keybcs2_general_ci', koi8r: 'koi8r_general_ci',
  koi8u: 'koi8u_general_ci', latin1: 'latin1_swedish_ci', latin2: 'latin2_general_ci', latin5: 'latin5_turkish_ci',
  latin7: 'latin7_general_ci', macce: 'macce_general_ci', macroman: 'macroman_general_ci', sjis: 'sjis_japanese_ci',
  swe7: 'swe7_swedish_ci', tis620: 'tis620_thai_ci', ucs2: 'ucs2_general_ci', ujis: 'ujis_japanese_ci',
  utf16: 'utf16_general_ci', utf16le: 'utf16le_general_ci', utf32: 'utf32_general_ci', utf8mb3: 'utf8mb3_general_ci',
  utf8mb4: 'utf8mb4_general_ci',
};

const MAX_BYTES: Readonly<Record<string, number>> = {
  utf8mb4: 4, utf8mb3: 3, ucs2: 2, utf16: 4, utf16le: 4, utf32: 4, big5: 2, gbk: 2, gb2312: 2, gb18030: 4, sjis: 2,
  cp932: 2, ujis: 3, eucjpms: 3, euckr: 2,
};

/** `utf8` → `utf8mb3`; lower case. */
export function normaliseCharset(name: string): string {
  const n = name.toLowerCase();
  return n === 'utf8' ? 'utf8mb3' : n;
}

/** `utf8_bin` → `utf8mb3_bin`; lower case. */
export function normaliseCollation(name: string): string {
  const n = name.toLowerCase();
  return n.startsWith('utf8_') ? `utf8mb3_${n.slice(5)}` : n;
}

export function defaultCollationOf(charset: string, server: ServerDefaults): string {
  const cs = normaliseCharset(charset);
  const override = server.charsetCollations?.[cs];
  if (override !== undefined) return normaliseCollation(override);
  return DEFAULT_COLLATION[cs] ?? `${cs}_general_ci`;
}

/** The charset a collation belongs to: its name up to the first `_` (`binary` is its own). */
export function charsetOfCollation(collation: string): string {
  const c = normaliseCollation(collation);
  if (c === 'binary') return 'binary';
  const i = c.indexOf('_');
  return i < 0 ? c : c.slice(0, i);
}

/** The collation the `BINARY` column attribute selects (§13.3.1). */
export function binaryCollationOf(charset: string): string {
  const cs = normaliseCharset(charset);
  return cs === 'binary' ? 'binary' : `${cs}_bin`;
}

export function maxBytesPerChar(charset: string): number {
  return MAX_BYTES[normaliseCharset(charset)] ?? 1;
}

/**
 * MariaDB ≥ 10.10 accepts charset-less UCA 14.0 collation names
 * (`uca1400_ai_ci`) and completes them with the charset in effect:
 * `utf8mb4` + `uca1400_ai_ci` → `utf8mb4_uca1400_ai_ci`.
 */
export function qualifyCollation(charset: string, collation: string): string {
  const c = normaliseCollation(collation);
  return c.startsWith('uca1400_') ? `${normaliseCharset(charset)}_${c}` : c;
}

/** Completes a (charset?, collation?) pair: either one determines the other. */
export function resolvePair(
  charset: string | undefined,
  collation: string | undefined,
  server: ServerDefaults,
  /** The charset in effect, for a charset-less collation (uca1400_…). */
  contextCharset: string = server.charset,
): { charset: string; collation: string } | undefined {
  if (collation !== undefined) {
    const cs = charset ?? (normaliseCollation(collation).startsWith('uca1400_') ? contextCharset : undefined);
    if (cs !== undefined) return { charset: normaliseCharset(cs), collation: qualifyCollation(cs, collation) };
    const coll = normaliseCollation(collation);
    return { charset: charsetOfCollation(coll), collation: coll };
  }
  if (charset !== undefined) {
    const cs = normaliseCharset(charset);
    return { charset: cs, collation: defaultCollationOf(cs, server) };
  }
  return undefined;
}
