/**
 * Which binlog files a directory holds, in replay order. The server's
 * `<base>.index` file, when present, gives the order (one file name per line,
 * relative to the directory or absolute); otherwise files named
 * `<base>.<digits>` are ordered by their numeric suffix — numerically, so
 * mysql-bin.9 comes before mysql-bin.10.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BinsnapError } from '../core/errors.js';

const BINLOG_NAME = /^(.+)\.(\d+)$/;

function fileNumber(name: string): number {
  const m = BINLOG_NAME.exec(path.basename(name));
  return m ? Number(m[2]) : Number.NaN;
}

/** Orders paths by base name, then numeric suffix. */
export function sortBinlogFiles(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => {
    const ba = path.basename(a).replace(/\.\d+$/, '');
    const bb = path.basename(b).replace(/\.\d+$/, '');
    if (ba !== bb) return ba < bb ? -1 : 1;
    return fileNumber(a) - fileNumber(b);
  });
}

export async function listBinlogDir(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_BINLOG_FILE_NOT_FOUND', `cannot list binlog directory ${dir}`, { file: dir }, { cause: err });
  }
  const index = names.filter((n) => n.endsWith('.index')).sort()[0];
  if (index !== undefined) {
    const text = await readFile(path.join(dir, index), 'utf8');
    const listed = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => (path.isAbsolute(l) ? l : path.join(dir, path.basename(l))));
    const present: string[] = [];
    for (const f of listed) {
      const s = await stat(f).catch(() => undefined);
      if (s?.isFile()) present.push(f);
    }
    if (present.length > 0) return present;
  }
  return sortBinlogFiles(names.filter((n) => BINLOG_NAME.test(n)).map((n) => path.join(dir, n)));
}
