// `kafka-warden scram`: add reads the password from stdin and stores only the salted SCRAM form;
// list and remove; and a proxy running on the file picks up the change without a restart; a
// credentials file made empty beforehand (touch, a comment, `users:`) takes its first user.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { ScramServer } from '../../src/auth/scram.js';
import { childEnv } from '../helpers/child-env.js';

const cli = (args: string[], input = '') =>
  spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'scram', ...args], {
    cwd: PROJECT_ROOT,
    env: childEnv(),
    input,
    encoding: 'utf8',
  });

t.test('scram add, list, remove', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-scram-')), 'users.yaml');
  const add = cli(
    ['add', '--user', 'carol', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192', '--credentials', file],
    'carol-password\n',
  );
  t.equal(add.status, 0, add.stderr);
  const add2 = cli(
    ['add', '--user', 'carol', '--mechanism', 'SCRAM-SHA-256', '--credentials', file],
    'carol-password\n',
  );
  t.equal(add2.status, 0);
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, 'carol-password', 'the password is not stored');
  t.match(text, /SCRAM-SHA-512: salt=.*,stored_key=.*,server_key=.*,iterations=8192/);
  const store = new CredentialStore(file);
  t.equal(store.lookup('carol', 'SCRAM-SHA-512')?.iterations, 8192);
  const list = cli(['list', '--credentials', file]);
  t.match(list.stdout, /carol\tSCRAM-SHA-512 \(iterations 8192\), SCRAM-SHA-256 \(iterations 4096\)/);
  t.notMatch(list.stdout, /salt|stored_key/, 'list shows no key material');
  // The stored credential verifies the password through a SCRAM exchange.
  const srv = new ScramServer('SCRAM-SHA-512', store.lookup, () => {
    throw new Error('carol is a stored user');
  });
  t.match(srv.step(Buffer.from('n,,n=carol,r=abc')).response.toString(), /i=8192$/);
  t.equal(
    cli(['add', '--user', 'x', '--mechanism', 'SCRAM-SHA-1', '--credentials', file], 'p\n').status,
    2,
    'unknown mechanism',
  );
  t.equal(
    cli(['add', '--user', 'x', '--mechanism', 'SCRAM-SHA-256', '--iterations', '100', '--credentials', file], 'p\n')
      .status,
    1,
    'too few iterations',
  );
  const rm = cli(['remove', '--user', 'carol', '--mechanism', 'SCRAM-SHA-256', '--credentials', file]);
  t.equal(rm.status, 0);
  t.equal(new CredentialStore(file).lookup('carol', 'SCRAM-SHA-256'), undefined);
  t.ok(new CredentialStore(file).lookup('carol', 'SCRAM-SHA-512'));
  t.equal(cli(['remove', '--user', 'nobody', '--credentials', file]).status, 1);
});

t.test('scram add on an empty credentials file (no users yet)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-scram-empty-'));
  for (const [what, text] of [
    ['a zero-byte file', ''],
    ['only a comment', '# users go here\n'],
    ['users: with no entries', 'users:\n'],
  ] as const) {
    const file = join(dir, `${what.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const list = cli(['list', '--credentials', file]);
    t.same([list.status, list.stdout], [0, ''], `${what}: list shows no users`);
    const add = cli(
      ['add', '--user', 'dave', '--mechanism', 'SCRAM-SHA-256', '--credentials', file],
      'dave-password\n',
    );
    t.equal(add.status, 0, `${what}: add works${add.stderr ? `: ${add.stderr}` : ''}`);
    t.ok(new CredentialStore(file).lookup('dave', 'SCRAM-SHA-256'), `${what}: dave stored`);
  }
});
