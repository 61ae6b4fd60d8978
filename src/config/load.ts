import { readFileSync } from 'node:fs';
import { load as parseYaml } from 'js-yaml';
import { configSchema, type Config } from './schema.js';
import { WardenError } from '../protocol/errors.js';

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

/** Validates a parsed configuration object. */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  const res = configSchema.safeParse(raw);
  if (!res.success) {
    const issues = res.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid ${source}`, issues);
  }
  return res.data;
}

/** Reads, parses and validates a YAML configuration file. */
export function loadConfigFile(file: string): Config {
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
    throw new ConfigError(`configuration file ${file} is not valid YAML${where}: ${(e as { reason?: string }).reason ?? 'parse error'}`);
  }
  return parseConfig(raw, `configuration file ${file}`);
}
