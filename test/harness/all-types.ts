/**
 * A table with every column type MariaDB has, and four rows that reach each
 * type's limits (minimum, maximum, NULL everywhere, ordinary values), for the
 * live decoder tests: the decoder against SELECT, and against zongji.
 */
export const ALL_TYPES_TABLE = `CREATE TABLE types.t (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  de DECIMAL(20,6), de0 DECIMAL(5,0), fl FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), yr YEAR,
  d DATE, t0 TIME, t3 TIME(3), dt0 DATETIME, dt6 DATETIME(6), ts3 TIMESTAMP(3) NULL,
  c10 CHAR(10) CHARACTER SET utf8mb4, vc VARCHAR(300) CHARACTER SET utf8mb4, vl VARCHAR(20) CHARACTER SET latin1,
  va VARCHAR(20) CHARACTER SET ascii, bn BINARY(8), vb VARBINARY(20), tb TINYBLOB, tx TEXT, mt MEDIUMTEXT, lb LONGBLOB,
  en ENUM('alpha','beta','gamma'), st SET('x','y','z'), js JSON, g GEOMETRY
) DEFAULT CHARSET=utf8mb4`;

export const ALL_TYPES_ROWS = [
  `(1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
    '-99999999999999.999999', -99999, -3.4028e38, -1.7976931348623157e308, 0, 0, 1901,
    '1000-01-01', '-838:59:59', '-00:00:00.001', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000',
    '', '', '', '', '', '', '', '', '', '', 'alpha', '', '[]', ST_GeomFromText('POINT(0 0)'))`,
  `(2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
    '99999999999999.999999', 99999, 3.4028e38, 1.7976931348623157e308, 1, 18446744073709551615, 2155,
    '9999-12-31', '838:59:59', '838:59:58.999', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999',
    'ten chars!', REPEAT('ü', 290), 'ÿ€ latin1', 'ascii~', 0x0102030405060708, 0xff00ff, 0x00, REPEAT('t', 1000),
    REPEAT('m', 70000), REPEAT(0xAB, 300000), 'gamma', 'x,y,z', '{"a": [1, 2.5, "s"], "b": null}',
    ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 0))'))`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, 7, 200, -1, 1, 0, 1, 42, 3000000000, 9007199254740993, 9007199254740991,
    '-0.500000', 0, 0.1, 0.1, 1, 9007199254740993, 0,
    '0000-00-00', '-00:00:01', '12:34:56.789', '0000-00-00 00:00:00', '2026-11-22 10:00:00.000001', '2026-11-22 10:00:00.123',
    'a', '日本語 😀', 'café', 'x', 0x41, '', 'blob', 'text', 'medium', 'long', 'beta', 'y', '"just a string"', ST_GeomFromText('POINT(1.5 -2.25)'))`,
];
