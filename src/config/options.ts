/**
 * Every option binsnap accepts, in one table: its flag, its value type, its
 * help text and the commands that take it. The CLI builds its flags from this
 * table and the loader reads `BINSNAP_<NAME>` variables and `--config` file
 * keys from it, so a flag, its variable and its config key never drift apart.
 */

export type OptionType =
  | 'string'
  | 'boolean'
  | 'positive-int'
  | 'source-url'
  | 'store'
  | 'sink-url'
  | 'position'
  | 'as-of'
  | 'gtid-set'
  | 'host-port'
  | 'log-level'
  | 'table'
  | 'table-list'
  | 'export-format'
  | 'global-lock'
  | 'name-case'
  | 'json';

export interface OptionSpec {
  /** camelCase key, also the config file key (kebab-case is accepted too). */
  readonly key: string;
  /** Flag as shown in --help, e.g. `--from <FILE:POS>`. */
  readonly flag: string;
  readonly type: OptionType;
  readonly description: string;
  readonly default?: string | boolean | number;
}

export type CommandName = 'seed' | 'run' | 'replay' | 'export' | 'schema' | 'history' | 'status' | 'verify' | 'dump';

const o = (key: string, flag: string, type: OptionType, description: string, def?: string | boolean | number): OptionSpec =>
  def === undefined ? { key, flag, type, description } : { key, flag, type, description, default: def };

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  o('store', '--store <PATH|URL>', 'store', 'snapshot store: a file path for the embedded store, or redis://[user:pass@]host:port/db (rediss:// for TLS, ?ssl-ca=FILE to trust a CA of your own)', './binsnap.db'),
  o('json', '--json', 'boolean', 'print machine-readable JSON instead of human output', false),
  o('config', '--config <FILE>', 'string', 'read options from a JSON file whose keys are option names (flags > BINSNAP_* variables > file)'),
  o('logLevel', '--log-level <LEVEL>', 'log-level', 'log level: fatal, error, warn, info, debug, trace, silent', 'info'),
];

const source = o('source', '--source <URL>', 'source-url', 'source server: mysql://user:password@host:port (?ssl=required, ?ssl-ca=FILE for TLS)');
const from = o('from', '--from <FILE:POS>', 'position', 'start at this binlog position, e.g. mysql-bin.000042:4');
const binlogDir = o('binlogDir', '--binlog-dir <DIR>', 'string', 'read binlog files from this directory (ordered by numeric suffix, honouring the .index file)');
const table = o('table', '--table <DB.TABLE>', 'table', 'the table, as database.table');
const at = o('at', '--at <POS>', 'as-of', 'as of FILE:POS, `latest` or an ISO-8601 instant', 'latest');

export const COMMAND_OPTIONS: Readonly<Record<CommandName, readonly OptionSpec[]>> = {
  seed: [
    source,
    o('tables', '--tables <LIST>', 'table-list', 'databases and tables to snapshot: db.t,db2.* (default: every user table)'),
    o('parallel', '--parallel <N>', 'positive-int', 'read primary-key chunks on N connections', 1),
    o(
      'globalLock',
      '--global-lock <MODE>',
      'global-lock',
      'FLUSH TABLES WITH READ LOCK to bring the read views to one position: auto (only when they cannot be aligned without it), always, or never (fail instead)',
      'auto',
    ),
    o('sink', '--sink <URL>', 'sink-url', 'also send the seeded rows as change events (op r) to kafka://host:port?topicPrefix=…'),
    o(
      'commitEvery',
      '--commit-every <ROWS>',
      'positive-int',
      'store the seed in transactions of about ROWS rows; an interrupted seed, run again with the same --tables, resumes after the last one',
      200_000,
    ),
    o('serverId', '--server-id <N>', 'positive-int', 'server id binsnap registers with as a replica when a resumed seed catches up through the binlog', 1_000_001),
  ],
  run: [
    source,
    from,
    o('fromGtid', '--from-gtid <SET>', 'gtid-set', 'start after this GTID set (MySQL uuid:1-5 or MariaDB 0-1-100)'),
    o('until', '--until <FILE:POS>', 'position', 'stop once this position is applied'),
    o('sink', '--sink <URL>', 'sink-url', 'also send change events to kafka://host:port?topicPrefix=…'),
    o('metrics', '--metrics <HOST:PORT>', 'host-port', 'serve Prometheus metrics and /healthz (host defaults to 127.0.0.1)'),
    o('serverId', '--server-id <N>', 'positive-int', 'server id binsnap registers with as a replica (unique in the topology)', 1_000_001),
  ],
  replay: [
    source,
    binlogDir,
    from,
    o('to', '--to <FILE:POS>', 'position', 'stop at this binlog position'),
    o('schemaSql', '--schema-sql <FILE>', 'string', 'initial schema as CREATE statements (e.g. mariadb-dump --no-data output)'),
    o('skipUnparseableDdl', '--skip-unparseable-ddl', 'boolean', 'log and record a DDL statement binsnap cannot parse instead of stopping (rows of the tables it changed may then be decoded with the wrong schema)', false),
    o('skipUnknownEvents', '--skip-unknown-events', 'boolean', 'skip event types binsnap does not know (each is logged) instead of stopping', false),
    o(
      'lowerCaseTableNames',
      '--lower-case-table-names <N>',
      'name-case',
      'lower_case_table_names (0, 1 or 2) of the server that wrote the binlog files: 1 folds database and table names to lower case as that server did (default: what the store recorded, else 0; --source reads it from the server)',
    ),
    o('serverId', '--server-id <N>', 'positive-int', 'server id binsnap registers with as a replica when reading from --source (unique in the topology)', 1_000_001),
  ],
  export: [
    table,
    at,
    o('format', '--format <FORMAT>', 'export-format', 'jsonl, csv or parquet', 'jsonl'),
    o('out', '--out <PATH>', 'string', 'write to this file instead of standard output'),
  ],
  schema: [table, at, o('history', '--history', 'boolean', 'every schema version with the DDL and position that made it', false)],
  history: [table, o('key', '--key <JSON>', 'json', 'the primary key as a JSON object, e.g. {"id":42}')],
  status: [],
  verify: [source, o('tables', '--tables <LIST>', 'table-list', 'databases and tables to compare: db.t,db2.* (default: all in the store)')],
  dump: [
    binlogDir,
    from,
    o('to', '--to <FILE:POS>', 'position', 'stop at this binlog position'),
    o('skipUnknownEvents', '--skip-unknown-events', 'boolean', 'skip event types binsnap does not know (each is logged) instead of stopping', false),
  ],
};

/** The environment variable of an option: `fromGtid` → `BINSNAP_FROM_GTID`. */
export function envName(key: string): string {
  return `BINSNAP_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** The flag name of an option without dashes: `fromGtid` → `from-gtid`. */
export function kebabName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
