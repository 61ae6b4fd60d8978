import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { withFileLock } from '../file-lock.js';
import { watchFiles, type FileWatch } from '../file-watch.js';
import { dirname, basename, join } from 'node:path';
import { loadAll as parseYamlDocuments, dump as dumpYaml } from 'js-yaml';
import {
  parseCredential,
  formatCredential,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
} from './scram.js';
import { WardenError } from '../protocol/errors.js';
import { profileOf, type CredentialProfile } from './unknown-users.js';

/**
 * The credential store: a YAML file holding, per user and mechanism, only Kafka's stored SCRAM form
 * (salt, StoredKey, ServerKey, iterations), never a password:
 *
 *   users:
 *     alice:
 *       SCRAM-SHA-512: "salt=...,stored_key=...,server_key=...,iterations=4096"
 *
 * An empty file, one with only comments, and `users:` with no entries all mean "no users yet" (a
 * file made by `touch` before the first `kafka-warden scram add`). It reloads when the file
 * changes; a file that fails to parse is refused and the previous credentials stay in force.
 */
export class CredentialStore {
  private users = new Map<string, Map<ScramMechanism, ScramCredential>>();
  readonly file: string | null;
  private watcher: FileWatch | null = null;
  private readonly listeners: Array<(err: Error | null) => void> = [];

  constructor(file: string | null) {
    this.file = file;
    if (file !== null && existsSync(file)) this.users = CredentialStore.read(file);
  }

  static read(file: string): Map<string, Map<ScramMechanism, ScramCredential>> {
    let docs: unknown[];
    try {
      // js-yaml's load() refuses a source without a document (empty, or only comments).
      docs = parseYamlDocuments(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new WardenError(
        'WARDEN_ERR_CREDENTIALS',
        `credentials file ${file} cannot be read: ${(e as { code?: string; reason?: string }).code ?? (e as { reason?: string }).reason ?? 'parse error'}`,
      );
    }
    if (docs.length > 1)
      throw new WardenError(
        'WARDEN_ERR_CREDENTIALS',
        `credentials file ${file}: expected one YAML document, found ${docs.length}`,
      );
    const users = new Map<string, Map<ScramMechanism, ScramCredential>>();
    const raw = docs[0];
    if (raw === null || raw === undefined) return users;
    const root = raw as { users?: unknown };
    // `users:` with nothing under it is null: no users yet. A list or a scalar is a mistake.
    if (
      typeof root !== 'object' ||
      Array.isArray(root) ||
      (root.users != null && (typeof root.users !== 'object' || Array.isArray(root.users)))
    ) {
      throw new WardenError('WARDEN_ERR_CREDENTIALS', `credentials file ${file}: expected a "users" map`);
    }
    for (const [user, mechs] of Object.entries((root.users ?? {}) as Record<string, unknown>)) {
      if (typeof mechs !== 'object' || mechs === null)
        throw new WardenError(
          'WARDEN_ERR_CREDENTIALS',
          `credentials file ${file}: users.${user} must map mechanisms to credentials`,
        );
      const m = new Map<ScramMechanism, ScramCredential>();
      for (const [mech, text] of Object.entries(mechs as Record<string, unknown>)) {
        if (!SCRAM_MECHANISMS.includes(mech as ScramMechanism))
          throw new WardenError(
            'WARDEN_ERR_CREDENTIALS',
            `credentials file ${file}: users.${user}.${mech} is not a SCRAM mechanism`,
          );
        if (typeof text !== 'string')
          throw new WardenError(
            'WARDEN_ERR_CREDENTIALS',
            `credentials file ${file}: users.${user}.${mech} must be a string`,
          );
        try {
          m.set(mech as ScramMechanism, parseCredential(mech as ScramMechanism, text));
        } catch (e) {
          throw new WardenError(
            'WARDEN_ERR_CREDENTIALS',
            `credentials file ${file}: users.${user}.${mech}: ${(e as Error).message}`,
          );
        }
      }
      users.set(user, m);
    }
    return users;
  }

  lookup = (user: string, mechanism: ScramMechanism): ScramCredential | undefined =>
    this.users.get(user)?.get(mechanism);

  private cachedProfile: CredentialProfile | null = null;

  /** What the stored credentials typically look like (for stand-ins of unknown users), kept up to date. */
  readonly profile: CredentialProfile = {
    shape: (m) => (this.cachedProfile ??= profileOf(this.users.values())).shape(m),
    plainMechanism: () => (this.cachedProfile ??= profileOf(this.users.values())).plainMechanism(),
  };

  /** Users and their mechanisms with iteration counts (no key material). */
  list(): Array<{ user: string; mechanisms: Array<{ mechanism: ScramMechanism; iterations: number }> }> {
    return [...this.users.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([user, m]) => ({
        user,
        mechanisms: [...m.entries()].map(([mechanism, c]) => ({ mechanism, iterations: c.iterations })),
      }));
  }

  set(user: string, mechanism: ScramMechanism, c: ScramCredential): void {
    let m = this.users.get(user);
    if (m === undefined) this.users.set(user, (m = new Map()));
    m.set(mechanism, c);
    this.cachedProfile = null;
  }

  /** Removes one mechanism (or every mechanism) of a user; false when there was nothing. */
  remove(user: string, mechanism?: ScramMechanism): boolean {
    const m = this.users.get(user);
    if (m === undefined) return false;
    const had = mechanism === undefined ? true : m.delete(mechanism);
    if (mechanism === undefined || m.size === 0) this.users.delete(user);
    this.cachedProfile = null;
    return had;
  }

  /**
   * Applies `change` to the credentials as they are in the file, holding its lock (worker
   * processes, `kafka-warden scram` and other instances sharing the file write it too), and saves
   * them when it says it changed something. Throws when the file cannot be read or written
   * (nothing is saved then), or when there is no file and something changed.
   */
  update(change: () => boolean): boolean {
    const file = this.file;
    const apply = (): boolean => {
      const changed = change();
      if (changed) this.save();
      return changed;
    };
    if (file === null) return apply();
    return withFileLock(file, () => {
      // No file yet: the first `scram add` or AlterUserScramCredentials creates it.
      if (existsSync(file)) this.reload();
      return apply();
    });
  }

  /** Writes the store atomically (temporary file, then rename). */
  save(): void {
    if (this.file === null) throw new WardenError('WARDEN_ERR_CREDENTIALS', 'no credentials file configured');
    const doc: Record<string, Record<string, string>> = {};
    for (const [user, m] of [...this.users.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      doc[user] = Object.fromEntries([...m.entries()].map(([mech, c]) => [mech, formatCredential(c)]));
    }
    const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.tmp`);
    writeFileSync(
      tmp,
      `# kafka-warden credentials: SCRAM salted hashes only, never passwords\n${dumpYaml({ users: doc }, { lineWidth: -1 })}`,
      { mode: 0o600 },
    );
    renameSync(tmp, this.file);
  }

  /** Reloads now; on error the current credentials stay. */
  reload(): void {
    if (this.file === null) return;
    this.users = CredentialStore.read(this.file);
    this.cachedProfile = null;
  }

  /** Calls `fn` after every reload attempt caused by a change of the file (null = success). */
  onReload(fn: (err: Error | null) => void): void {
    this.listeners.push(fn);
  }

  /** Watches the file's directory (editors and atomic renames replace the file itself). */
  watch(): void {
    if (this.file === null || this.watcher !== null) return;
    this.watcher = watchFiles([this.file], 50, () => {
      let err: Error | null = null;
      try {
        this.reload();
      } catch (e) {
        err = e as Error;
      }
      for (const fn of this.listeners) fn(err);
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
