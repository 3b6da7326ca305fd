import { describe, expect, it } from 'vitest';
import { splitScript } from './split-script.js';

describe('splitScript', () => {
  it('splits a dump with comments, executable comments and a trigger delimiter', () => {
    const dump = [
      '-- MariaDB dump 10.19',
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      'DROP TABLE IF EXISTS `t`;',
      'CREATE TABLE `t` (',
      "  `a` varchar(5) DEFAULT 'x;y' COMMENT \"it's; fine\", -- a comment; with a semicolon",
      '  `b` int /* block; comment */',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
      'DELIMITER ;;',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.b = 1; END ;;',
      'DELIMITER ;',
      'ALTER TABLE `t` ADD KEY (`b`);',
    ].join('\n');
    const stmts = splitScript(dump);
    expect(stmts.map((s) => s.sql.split('\n')[0])).toEqual([
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */',
      'DROP TABLE IF EXISTS `t`',
      'CREATE TABLE `t` (',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.b = 1; END',
      'ALTER TABLE `t` ADD KEY (`b`)',
    ]);
    expect(dump.slice(stmts[2]?.offset ?? 0).startsWith('CREATE TABLE `t`')).toBe(true);
  });

  it('keeps a last statement without a delimiter and drops empty ones', () => {
    expect(splitScript(';; SELECT 1;\n\nSELECT 2').map((s) => s.sql)).toEqual(['SELECT 1', 'SELECT 2']);
  });
});
