import { describe, expect, it } from 'vitest';
import { charsetOfCollation } from './charsets.js';
import { mariadbCollationName } from './mariadb-collations.js';

describe('mariadbCollationName', () => {
  it('names listed and UCA 14.0.0 collations as MariaDB 11.4 reports them', () => {
    expect(mariadbCollationName(8)).toBe('latin1_swedish_ci');
    expect(mariadbCollationName(31)).toBe('latin1_german2_ci');
    expect(mariadbCollationName(45)).toBe('utf8mb4_general_ci');
    expect(mariadbCollationName(255)).toBe('utf8mb4_0900_ai_ci'); // MariaDB 11.4's alias of MySQL's default
    expect(mariadbCollationName(224)).toBe('utf8mb4_unicode_ci');
    expect(mariadbCollationName(1069)).toBe('utf8mb4_general_nopad_ci');
    expect(mariadbCollationName(2304)).toBe('utf8mb4_uca1400_ai_ci');
    expect(mariadbCollationName(2048 + 3)).toBe('utf8mb3_uca1400_as_cs');
    expect(mariadbCollationName(2304 + 8 * 8 + 4)).toBe('utf8mb4_uca1400_swedish_nopad_ai_ci');
    expect(mariadbCollationName(3072 + 24 * 8 + 7)).toBe('utf32_uca1400_croatian_nopad_as_cs');
  });

  it('knows no id MariaDB does not have: unused language numbers, past the last block, gaps', () => {
    expect(mariadbCollationName(2304 + 21 * 8)).toBeUndefined();
    expect(mariadbCollationName(3328)).toBeUndefined();
    expect(mariadbCollationName(0)).toBeUndefined();
  });

  it("agrees with the decoder's charset of every id it names", () => {
    let named = 0;
    for (let id = 0; id < 4096; id++) {
      const name = mariadbCollationName(id);
      if (name === undefined) continue;
      named++;
      const charset = charsetOfCollation(id)?.name;
      expect(charset, `collation ${id} (${name})`).toBeDefined();
      expect(name === 'binary' ? 'binary' : name.slice(0, name.indexOf('_')), `collation ${id} (${name})`).toBe(charset);
    }
    expect(named).toBe(1286);
  });
});
