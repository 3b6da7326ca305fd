/**
 * Resolves a command's configuration: flags win over BINSNAP_* environment
 * variables, which win over the JSON file given by --config (or
 * BINSNAP_CONFIG), which wins over defaults. Every value is validated by its
 * option type; an error names the field and where the value came from.
 * Unknown keys in the config file are errors (a typo must not be ignored).
 */
import { readFileSync } from 'node:fs';
import { BinsnapError } from '../core/errors.js';
import { COMMAND_OPTIONS, GLOBAL_OPTIONS, envName, kebabName, type CommandName, type OptionSpec } from './options.js';
import { parseOptionValue, type OptionValue, type ValueOrigin } from './values.js';

export interface ResolvedConfig {
  readonly command: CommandName;
  readonly values: ReadonlyMap<string, OptionValue>;
  readonly origins: ReadonlyMap<string, ValueOrigin>;
  /** Positional arguments (e.g. binlog files for dump and replay). */
  readonly args: readonly string[];
}

export function optionsOf(command: CommandName): readonly OptionSpec[] {
  return [...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command]];
}

export function resolveConfig(
  command: CommandName,
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ResolvedConfig {
  const specs = optionsOf(command);
  const configPath = (flags['config'] as string | undefined) ?? env[envName('config')];
  const file = configPath ? readConfigFile(configPath, readFile) : {};
  const known = new Map<string, OptionSpec>();
  for (const s of specs) {
    known.set(s.key, s);
    known.set(kebabName(s.key), s);
  }
  for (const k of Object.keys(file)) {
    if (!known.has(k)) {
      const all = allOptionKeys();
      const why = all.has(k) ? `is not an option of \`binsnap ${command}\`` : 'is not a binsnap option';
      throw new BinsnapError('BINSNAP_E_CONFIG_INVALID', `config file key "${k}" ${why}`, { field: k, file: configPath });
    }
  }

  const values = new Map<string, OptionValue>();
  const origins = new Map<string, ValueOrigin>();
  for (const spec of specs) {
    const flagName = `--${kebabName(spec.key)}`;
    const fromFile = file[spec.key] ?? file[kebabName(spec.key)];
    let raw: unknown;
    let origin: ValueOrigin;
    if (flags[spec.key] !== undefined) {
      raw = flags[spec.key];
      origin = { kind: 'flag', name: flagName };
    } else if (env[envName(spec.key)] !== undefined) {
      raw = env[envName(spec.key)];
      origin = { kind: 'env', name: envName(spec.key) };
    } else if (fromFile !== undefined) {
      raw = fromFile;
      origin = { kind: 'file', name: spec.key };
    } else if (spec.default !== undefined) {
      raw = spec.default;
      origin = { kind: 'default', name: flagName };
    } else {
      continue;
    }
    values.set(spec.key, parseOptionValue(spec.type, raw, flagName, origin));
    origins.set(spec.key, origin);
  }
  return { command, values, origins, args };
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_CONFIG_FILE', `cannot read config file: ${(err as Error).message}`, { file: path }, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_CONFIG_FILE', `config file is not valid JSON: ${(err as Error).message}`, { file: path });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BinsnapError('BINSNAP_E_CONFIG_FILE', 'config file must hold a JSON object', { file: path });
  }
  return parsed as Record<string, unknown>;
}

let allKeys: Set<string> | undefined;
function allOptionKeys(): Set<string> {
  if (!allKeys) {
    allKeys = new Set<string>();
    for (const s of [...GLOBAL_OPTIONS, ...Object.values(COMMAND_OPTIONS).flat()]) {
      allKeys.add(s.key);
      allKeys.add(kebabName(s.key));
    }
  }
  return allKeys;
}

/** Typed accessors for command code. */
export function get<T extends OptionValue>(config: ResolvedConfig, key: string): T | undefined {
  return config.values.get(key) as T | undefined;
}

export function requireOption<T extends OptionValue>(config: ResolvedConfig, key: string): T {
  const v = config.values.get(key);
  if (v === undefined) {
    throw new BinsnapError(
      'BINSNAP_E_CONFIG_INVALID',
      `--${kebabName(key)} is required for \`binsnap ${config.command}\` (or set ${envName(key)})`,
      { field: `--${kebabName(key)}` },
    );
  }
  return v as T;
}
