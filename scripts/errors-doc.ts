/**
 * Renders docs/errors.md from the error registry (src/core/error-codes.ts).
 * The unit test beside this file fails when the two differ; regenerate with
 *   UPDATE_DOCS=1 npx vitest run scripts/errors-doc.test.ts
 */
import { ERROR_CODES, type ErrorCode } from '../src/core/error-codes.js';

export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    'Every error binsnap reports has a stable code, printed first (`binsnap: BINSNAP_E_…: cause (where)`),',
    'followed by what to do. With `--json` the error is one JSON object on standard error.',
    'Codes are never renamed or reused. This file is generated from `src/core/error-codes.ts`;',
    'a unit test keeps the two in sync.',
    '',
    'Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 3 the source cannot be used',
    'as configured. *Transient* errors are retried by binsnap itself with backoff; all others stop it.',
    '',
    '| code | exit | transient | cause | what to do |',
    '|---|---|---|---|---|',
  ];
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const info = ERROR_CODES[code];
    lines.push(`| \`${code}\` | ${info.exitCode} | ${info.transient ? 'yes' : 'no'} | ${esc(info.summary)} | ${esc(info.remedy)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
