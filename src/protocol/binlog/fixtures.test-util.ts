/**
 * Test-only: loads the shared third-party binlog corpus
 * (`../shared/fixtures/binlogs`, never copied into the repo) as raw bytes.
 * `.gz` files are gunzipped; mariadb-binlog `BINLOG '…'` text files are
 * base64-decoded chunk by chunk (each padded chunk on its own) and get the
 * magic prepended, as the corpus README says.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const corpusDir = path.resolve(repoRoot, '../shared/fixtures/binlogs');
export const corpusAvailable = existsSync(path.join(corpusDir, 'manifest.json'));

export interface ManifestEntry {
  readonly file: string;
  readonly bytes: number;
  readonly error?: string;
  readonly events?: Record<string, number>;
  readonly total_events?: number;
  readonly trailing?: string;
  readonly checksum?: string;
  readonly has_row_events?: boolean;
  readonly transaction_payloads?: readonly { readonly offset: number; readonly inner_events: readonly string[] }[];
}

export function loadManifest(): ManifestEntry[] {
  const m = JSON.parse(readFileSync(path.join(corpusDir, 'manifest.json'), 'utf8')) as { files: ManifestEntry[] };
  return m.files;
}

function decodeBinlogText(text: string): Buffer {
  const parts: Buffer[] = [Buffer.from([0xfe, 0x62, 0x69, 0x6e])];
  const re = /BINLOG '\s*([\s\S]*?)'/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let acc = '';
    for (const line of m[1]!.split(/\r?\n/)) {
      acc += line.trim();
      if (acc.endsWith('=')) {
        parts.push(Buffer.from(acc, 'base64'));
        acc = '';
      }
    }
    if (acc) parts.push(Buffer.from(acc, 'base64'));
  }
  return Buffer.concat(parts);
}

export function loadFixture(file: string): Buffer {
  const raw = readFileSync(path.join(corpusDir, file));
  if (file.endsWith('.gz')) return gunzipSync(raw);
  if (file.endsWith('.txt')) return decodeBinlogText(raw.toString('utf8'));
  return raw;
}

/** Known-defective files and the code binsnap must fail with (see the corpus README). */
export const EXPECTED_FAILURES: Record<string, string> = {
  'canal/tsdb/mysql-bin.000001': 'BINSNAP_E_BINLOG_BAD_MAGIC', // UTF-8 re-encoded magic
  'go-mysql-server-base64/binlog_no_format_desc.txt': 'BINSNAP_E_BINLOG_NO_FORMAT_DESCRIPTION', // rows without FDE
  'mariadb-test-data/std_data/binlog_before_20574.bin': 'BINSNAP_E_BINLOG_ENCRYPTED', // START_ENCRYPTION
  'mariadb-test-data/std_data/bug11747416_32228_binlog.000001': 'BINSNAP_E_BINLOG_TRUNCATED', // 65 KB event in 8 KB
  'mariadb-test-data/std_data/mdev-39404-binlog.000001': 'BINSNAP_E_BINLOG_CHECKSUM', // malformed GTID, bad CRC
  'rust_mysql_common/binlog_truncated_event.000001': 'BINSNAP_E_BINLOG_TRUNCATED',
  'rust_mysql_common/binlog_truncated_prev_gtid_event.000001': 'BINSNAP_E_BINLOG_TRUNCATED',
  'rust_mysql_common/corrupt-relay-bin.000624': 'BINSNAP_E_BINLOG_CORRUPT_EVENT', // last QUERY cut inside
  // Pre-GA 5.1 rows (types 20-22); mariadb-binlog prints no rows for them either.
  'mariadb-test-data/suite/binlog/std_data/bug32407.001': 'BINSNAP_E_BINLOG_UNSUPPORTED_VERSION',
  'mariadb-test-data/suite/binlog/std_data/ver_5_1-telco.001': 'BINSNAP_E_BINLOG_UNSUPPORTED_VERSION',
  'mariadb-test-data/suite/binlog/std_data/ver_5_1_17.001': 'BINSNAP_E_BINLOG_UNSUPPORTED_VERSION',
  // The "alcatel tree" 5.2 development format; refused by mariadb-binlog too.
  'rust_mysql_common/ver_5_1-wl2325_r.001': 'BINSNAP_E_BINLOG_CORRUPT_EVENT',
  'rust_mysql_common/ver_5_1-wl2325_s.001': 'BINSNAP_E_BINLOG_CORRUPT_EVENT',
};
