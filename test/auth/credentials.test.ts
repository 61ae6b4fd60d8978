// The credential store file: "no users yet" in every shape an operator writes it (an empty file,
// comments only, `users:` with nothing under it), a store that starts from such a file and saves
// users into it, and files that are mistakes still refused.
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential, formatCredential } from '../../src/auth/scram.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-credentials-'));
let n = 0;
function file(text: string): string {
  const f = join(dir, `users-${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

t.test('an empty file, comments only, and users: with no entries mean no users', async (t) => {
  const empty = {
    'a zero-byte file': '',
    'blank lines': '\n  \n\n',
    'only comments':
      '# kafka-warden credentials: SCRAM salted hashes only, never passwords\n# add users with kafka-warden scram add\n',
    'users: with nothing under it': 'users:\n',
    'users: and a comment': '# no one yet\nusers:  # filled by kafka-warden scram add\n',
    'users: ~': 'users: ~\n',
    'users: {}': 'users: {}\n',
    'a document marker only': '---\n',
  };
  for (const [what, text] of Object.entries(empty)) {
    const f = file(text);
    t.equal(CredentialStore.read(f).size, 0, what);
    const store = new CredentialStore(f);
    t.same(store.list(), [], `${what}: the store starts with no users`);
    t.equal(store.lookup('alice', 'SCRAM-SHA-256'), undefined, `${what}: nobody authenticates`);
  }
});

t.test('a store started on an empty file adds, saves and reloads a user', async (t) => {
  for (const text of ['', '# comments only\n', 'users:\n']) {
    const f = file(text);
    const store = new CredentialStore(f);
    store.set('alice', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'alice-secret'));
    store.save();
    const again = new CredentialStore(f);
    t.same(
      again.list().map((u) => u.user),
      ['alice'],
      `saved over ${JSON.stringify(text)}`,
    );
    t.notMatch(readFileSync(f, 'utf8'), 'alice-secret', 'no password in the file');
    // And the reverse: removing the last user leaves a file that reads back as no users.
    again.remove('alice');
    again.save();
    t.equal(CredentialStore.read(f).size, 0, 'the last user removed: no users, and the file still reads');
  }
});

t.test('a reload to an empty file empties the store (users were removed on purpose)', async (t) => {
  const f = file(
    `users:\n  bob:\n    SCRAM-SHA-512: "${formatCredential(makeCredential('SCRAM-SHA-512', 'bob-secret'))}"\n`,
  );
  const store = new CredentialStore(f);
  t.ok(store.lookup('bob', 'SCRAM-SHA-512'), 'bob at start');
  writeFileSync(f, 'users:\n');
  store.reload();
  t.equal(store.lookup('bob', 'SCRAM-SHA-512'), undefined, 'bob gone after the reload');
});

t.test('files that are mistakes are still refused, naming the problem', async (t) => {
  const bad: Record<string, RegExp> = {
    'users: a list': /expected a "users" map/,
    'users: a scalar': /expected a "users" map/,
    'a list at the top': /expected a "users" map/,
    'a scalar at the top': /expected a "users" map/,
    'two documents': /expected one YAML document, found 2/,
    'a user without mechanisms': /users\.carol must map mechanisms to credentials/,
    'not YAML': /cannot be read/,
  };
  const text: Record<string, string> = {
    'users: a list': 'users:\n  - alice\n',
    'users: a scalar': 'users: alice\n',
    'a list at the top': '- alice\n',
    'a scalar at the top': 'alice\n',
    'two documents': 'users: {}\n---\nusers: {}\n',
    'a user without mechanisms': 'users:\n  carol:\n',
    'not YAML': 'users: {alice: [\n',
  };
  for (const [what, re] of Object.entries(bad)) {
    const f = file(text[what]!);
    t.throws(() => CredentialStore.read(f), re, what);
  }
});
