import { readFileSync } from 'node:fs';
import { load as parseYaml } from 'js-yaml';
import { configSchema, type Config } from './schema.js';
import { WardenError } from '../protocol/errors.js';
import { resolveSecrets, scrub, SecretError, type SecretUse } from './secrets.js';

/** A configuration that cannot be used; the message names the key path and the problem. */
export class ConfigError extends WardenError {
  readonly issues: string[];
  constructor(message: string, issues: string[] = []) {
    super('WARDEN_ERR_CONFIG', issues.length ? `${message}:\n  ${issues.join('\n  ')}` : message);
    this.issues = issues;
  }
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(root)';
}

/** A validated configuration and where secret references were used in it. */
export interface LoadedConfig {
  config: Config;
  secrets: SecretUse[];
}

/**
 * Resolves `${env:...}` / `${file:...}` references and validates a parsed configuration object.
 * Error messages never carry a secret value.
 */
export function parseConfigWithSecrets(raw: unknown, source = 'configuration'): LoadedConfig {
  let resolved;
  try {
    resolved = resolveSecrets(raw);
  } catch (e) {
    if (e instanceof SecretError) throw new ConfigError(`invalid ${source}`, [e.message]);
    throw e;
  }
  const res = configSchema.safeParse(resolved.value);
  if (!res.success) {
    const issues = res.error.issues.map((i) => scrub(`${pathText(i.path)}: ${i.message}`, resolved.values));
    throw new ConfigError(`invalid ${source}`, issues);
  }
  return { config: res.data, secrets: resolved.uses };
}

/** Validates a parsed configuration object. */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  return parseConfigWithSecrets(raw, source).config;
}

/** Reads, parses and validates a YAML configuration file. */
export function loadConfigFile(file: string): Config {
  return loadConfigFileWithSecrets(file).config;
}

/** loadConfigFile, also telling where secret references were used. */
export function loadConfigFileWithSecrets(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    throw new ConfigError(
      `configuration file ${file} is not valid YAML${where}: ${(e as { reason?: string }).reason ?? 'parse error'}`,
    );
  }
  return parseConfigWithSecrets(raw, `configuration file ${file}`);
}
