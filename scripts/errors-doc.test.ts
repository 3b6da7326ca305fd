import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/core/error-codes.js';
import { renderErrorsDoc } from './errors-doc.js';

const docPath = new URL('../docs/errors.md', import.meta.url);

describe('docs/errors.md', () => {
  it('lists exactly the registered error codes, as generated', () => {
    const expected = renderErrorsDoc();
    if (process.env['UPDATE_DOCS']) writeFileSync(docPath, expected);
    const actual = readFileSync(docPath, 'utf8');
    const documented = [...actual.matchAll(/^\| `(BINSNAP_E_[A-Z0-9_]+)`/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(ERROR_CODES));
    expect(actual).toBe(expected);
  });

  it('every code follows the naming rule and has a cause and a remedy', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^BINSNAP_E_[A-Z0-9_]+$/);
      expect(info.summary.length).toBeGreaterThan(10);
      expect(info.remedy.length).toBeGreaterThan(10);
      // Source problems the user must fix exit 3; transient ones are retried, never exit 3.
      if (info.transient) expect(info.exitCode).toBe(1);
    }
  });
});
