/**
 * Writes src/protocol/values/charset-tables.ts: how a throwaway MariaDB (the Debian package, as
 * npm test starts it) converts the text of its legacy character sets to Unicode, where binsnap
 * cannot take that from elsewhere:
 * - single-byte charsets: the character of every byte (what `SELECT` returns for it, `?` where
 *   the server has none);
 * - multi-byte charsets binsnap decodes with a WHATWG TextDecoder: every valid sequence whose
 *   character the server converts differently (e.g. big5's ETEN kana and Cyrillic, which the
 *   WHATWG big5 puts in the private use area).
 *
 *   npx tsx scripts/gen-charset-tables.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import type mysql from 'mysql2/promise';
import { connect, destroyMariadb, startMariadb } from '../test/harness/mariadb.js';

/** Multi-byte charsets and the WHATWG decoder binsnap uses for each (charsets.ts). */
const MULTI_BYTE: Readonly<Record<string, string>> = {
  big5: 'big5',
  gbk: 'gbk',
  gb2312: 'gbk',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  euckr: 'euc-kr',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
};

/** Every byte sequence of one character of `charset` that is not ASCII (a superset of the valid ones). */
function sequences(charset: string): number[][] {
  const out: number[][] = [];
  const pairs = (leads: [number, number], trails: [number, number][], prefix: number[] = []): void => {
    for (let a = leads[0]; a <= leads[1]; a++) for (const [lo, hi] of trails) for (let b = lo; b <= hi; b++) out.push([...prefix, a, b]);
  };
  switch (charset) {
    case 'sjis':
    case 'cp932':
      for (let a = 0xa1; a <= 0xdf; a++) out.push([a]);
      pairs([0x81, 0x9f], [[0x40, 0xfc]]);
      pairs([0xe0, 0xfc], [[0x40, 0xfc]]);
      break;
    case 'ujis':
    case 'eucjpms':
      pairs([0x8e, 0x8e], [[0xa1, 0xdf]]);
      pairs([0xa1, 0xfe], [[0xa1, 0xfe]]);
      pairs([0xa1, 0xfe], [[0xa1, 0xfe]], [0x8f]);
      break;
    default:
      pairs([0x81, 0xfe], [[0x40, 0x7e], [0x80, 0xfe]]);
  }
  return out;
}

async function convert(c: mysql.Connection, charset: string, seqs: readonly number[][]): Promise<string[]> {
  await c.query('DROP TABLE IF EXISTS gen.s');
  await c.query('CREATE TABLE gen.s (i INT PRIMARY KEY, b VARBINARY(4))');
  for (let k = 0; k < seqs.length; k += 2000) {
    const chunk = seqs.slice(k, k + 2000);
    await c.query(`INSERT INTO gen.s VALUES ${chunk.map((_, j) => `(${k + j}, UNHEX('${Buffer.from(chunk[j]!).toString('hex')}'))`).join(', ')}`);
  }
  const [rows] = (await c.query(`SELECT i, HEX(CONVERT(CONVERT(b USING ${charset}) USING utf8mb4)) AS h FROM gen.s ORDER BY i`)) as unknown as [
    Array<{ i: number; h: string }>,
  ];
  return rows.map((r) => Buffer.from(r.h, 'hex').toString('utf8'));
}

/** Overrides as runs [sequence, code point, count] of consecutive sequences with consecutive code points. */
function runs(diffs: ReadonlyArray<[number, string]>): number[] {
  const out: number[] = [];
  for (const [k, ch] of diffs) {
    const cp = ch.codePointAt(0)!;
    const n = out.length;
    if (n > 0 && out[n - 3]! + out[n - 1]! === k && out[n - 2]! + out[n - 1]! === cp) out[n - 1]!++;
    else out.push(k, cp, 1);
  }
  return out;
}

function literal(text: string): string {
  return `'${[...text].map((ch) => (ch === "'" || ch === '\\' ? `\\${ch}` : ch.codePointAt(0)! < 0x20 || ch.codePointAt(0)! > 0x7e ? `\\u{${ch.codePointAt(0)!.toString(16)}}` : ch)).join('')}'`;
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'binsnap-charsets-'));
  const server = await startMariadb(tmp, {});
  let version: string;
  const single: Array<[string, string[]]> = [];
  const multi: Array<[string, Array<[number, string]>]> = [];
  try {
    const c = await connect(server);
    try {
      const [[v]] = (await c.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
      version = v!.v;
      await c.query('CREATE DATABASE gen');
      const [sets] = (await c.query('SELECT CHARACTER_SET_NAME AS n, MAXLEN AS m FROM information_schema.CHARACTER_SETS ORDER BY 1')) as unknown as [
        Array<{ n: string; m: number }>,
      ];
      for (const { n, m } of sets) {
        if (Number(m) !== 1 || n === 'binary') continue;
        const bytes = Array.from({ length: 256 }, (_, i) => [i]);
        single.push([n, await convert(c, n, bytes)]);
      }
      for (const [charset, label] of Object.entries(MULTI_BYTE)) {
        const seqs = sequences(charset);
        const server = await convert(c, charset, seqs);
        const decoder = new TextDecoder(label);
        const diffs: Array<[number, string]> = [];
        for (let k = 0; k < seqs.length; k++) {
          const want = server[k]!;
          // Not one character of the charset for the server ('?', or '?' and the trail byte as
          // ASCII): no column of it holds these bytes.
          if ([...want].length !== 1 || want === '?') continue;
          if (decoder.decode(Buffer.from(seqs[k]!)) !== want) diffs.push([seqs[k]!.reduce((x, b) => x * 256 + b, 0), want]);
        }
        multi.push([charset, diffs]);
        console.log(`${charset}: ${seqs.length} sequences, ${diffs.length} decoded otherwise by TextDecoder('${label}')`);
      }
    } finally {
      await c.end();
    }
  } finally {
    await destroyMariadb(server);
    await rm(tmp, { recursive: true, force: true });
  }
  const lines = [
    '/**',
    ` * How MariaDB ${version} converts its legacy character sets to Unicode, where binsnap cannot take`,
    ' * that from elsewhere. Generated by scripts/gen-charset-tables.ts: do not edit.',
    ' * SINGLE_BYTE: the characters of bytes 0x00–0xFF (`?` where the server has none).',
    ' * MULTI_BYTE_OVERRIDES: the sequences (bytes as one big-endian number) whose character differs',
    " * from the WHATWG TextDecoder's that charsets.ts uses for the charset, as runs of three numbers:",
    ' * first sequence, its code point, count (the next sequences and code points counting up by one).',
    ' */',
    '',
    'export const SINGLE_BYTE: Readonly<Record<string, string>> = {',
    ...single.map(([n, chars]) => `  ${n}: ${literal(chars.join(''))},`),
    '};',
    '',
    'export const MULTI_BYTE_OVERRIDES: Readonly<Record<string, readonly number[]>> = {',
    ...multi.map(([n, diffs]) => `  ${n}: [${runs(diffs).map((x) => `0x${x.toString(16)}`).join(', ')}],`),
    '};',
    '',
  ];
  for (const [n, chars] of single) {
    if (chars.length !== 256 || chars.some((ch) => [...ch].length !== 1 || ch.codePointAt(0)! > 0xffff)) throw new Error(`${n}: not one BMP character per byte`);
  }
  const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src', 'protocol', 'values', 'charset-tables.ts');
  await writeFile(out, lines.join('\n'));
  console.log(`wrote ${out}: ${single.length} single-byte charsets, overrides for ${multi.map(([n, d]) => `${n} ${d.length}`).join(', ')}`);
}

await main();
