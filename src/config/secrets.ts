import { readFileSync } from 'node:fs';

/** `${env:NAME}` or `${file:/path}` inside any configuration string. */
const REFERENCE = /\$\{(env|file):([^}]*)\}/g;

export interface SecretUse {
  /** Key path in the configuration, e.g. listeners[1].tls.keyPassphrase. */
  path: string;
  /** The references the value was built from, e.g. env:KEY_PASS. */
  refs: string[];
}

export interface Resolved {
  /** The configuration with every reference replaced by its value. */
  value: unknown;
  /** Where secrets were used. */
  uses: SecretUse[];
  /** The secret values themselves, to scrub from any message. */
  values: string[];
}

export class SecretError extends Error {}

const pathOf = (path: Array<string | number>) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') || '(root)';

/**
 * Replaces `${env:NAME}` and `${file:/path}` references in every string of a parsed
 * configuration. A missing variable or an unreadable file is an error naming the key path and the
 * reference, never a value. File contents lose one trailing newline.
 */
export function resolveSecrets(raw: unknown, env: NodeJS.ProcessEnv = process.env): Resolved {
  const uses: SecretUse[] = [];
  const values: string[] = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      const refs: string[] = [];
      const out = v.replace(REFERENCE, (_m, kind: string, name: string) => {
        refs.push(`${kind}:${name}`);
        let secret: string;
        if (kind === 'env') {
          const e = env[name];
          if (e === undefined) throw new SecretError(`${pathOf(path)}: environment variable ${name} is not set`);
          secret = e;
        } else {
          try {
            secret = readFileSync(name, 'utf8').replace(/\r?\n$/, '');
          } catch (e) {
            throw new SecretError(
              `${pathOf(path)}: cannot read secret file ${name} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
            );
          }
        }
        if (secret !== '') values.push(secret);
        return secret;
      });
      if (refs.length > 0) uses.push({ path: pathOf(path), refs });
      return out;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return { value: walk(raw, []), uses, values };
}

/** The text with every secret value replaced by [redacted]. */
export function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) out = out.split(v).join('[redacted]');
  return out;
}

/** A copy of the effective configuration with the values that came from secrets replaced. */
export function redactConfig(config: unknown, uses: readonly SecretUse[]): unknown {
  const byPath = new Map(uses.map((u) => [u.path, u.refs]));
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    const refs = byPath.get(pathOf(path));
    if (refs !== undefined) return `[redacted: ${refs.join(', ')}]`;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object' && !(v instanceof Buffer))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return walk(config, []);
}
