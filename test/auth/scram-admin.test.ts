// DescribeUserScramCredentials and AlterUserScramCredentials answered from the proxy's own
// credential store, with Kafka's per-user errors. Error codes are Kafka's numbers, which never
// change: CLUSTER_AUTHORIZATION_FAILED 31, UNSUPPORTED_SASL_MECHANISM 33, RESOURCE_NOT_FOUND 91,
// DUPLICATE_RESOURCE 92, UNACCEPTABLE_CREDENTIAL 93.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { alterScram, describeScram } from '../../src/auth/scram-admin.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential, saltedPassword } from '../../src/auth/scram.js';
import { ScramServer } from '../../src/auth/scram.js';
import { ScramClient } from '../helpers/scram-client.js';

type DescribeRequest = Parameters<typeof describeScram>[0];
type AlterRequest = Parameters<typeof alterScram>[0];

const SHA256 = 1;
const SHA512 = 2;

function storeWith(): CredentialStore {
  const store = new CredentialStore(join(mkdtempSync(join(tmpdir(), 'warden-scram-admin-')), 'credentials.yaml'));
  store.set('alice', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'a', 4096));
  store.set('alice', 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', 'a', 8192));
  store.set('bob', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'b', 4096));
  return store;
}

const describe = (users: string[] | null): DescribeRequest => ({
  users: users === null ? null : users.map((name) => ({ name })),
});

function upsert(name: string, password: string, mechanism = SHA256, iterations = 4096) {
  const salt = Buffer.from(`salt-of-${name}`);
  const m = mechanism === SHA256 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) };
}

t.test('describe: all users for a null list, with mechanisms and iterations, no key material', async (t) => {
  const res = describeScram(describe(null), storeWith(), true);
  t.equal(res.errorCode, 0);
  t.match(res.results, [
    {
      user: 'alice',
      errorCode: 0,
      credentialInfos: [
        { mechanism: SHA256, iterations: 4096 },
        { mechanism: SHA512, iterations: 8192 },
      ],
    },
    { user: 'bob', errorCode: 0, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }] },
  ]);
  t.equal(res.results.length, 2);
  t.notMatch(JSON.stringify(res), /stored|server_key|salt/i);
});

t.test('describe: unknown users and names asked twice get their own errors', async (t) => {
  const res = describeScram(describe(['bob', 'carol', 'bob']), storeWith(), true);
  t.match(res.results, [
    { user: 'bob', errorCode: 92, errorMessage: /same user twice.*bob/ },
    { user: 'carol', errorCode: 91, errorMessage: /does not exist: carol/ },
  ]);
  t.equal(res.results.length, 2, 'one result per name');
});

t.test('describe: refused as a whole without the permission', async (t) => {
  const res = describeScram(describe(null), storeWith(), false);
  t.equal(res.errorCode, 31);
  t.equal(res.errorMessage, 'Cluster authorization failed.');
  t.same(res.results, []);
});

t.test('alter: an upsertion stores a credential a client can log in with, and saves the file', async (t) => {
  const store = storeWith();
  const req: AlterRequest = { deletions: [], upsertions: [upsert('carol', 'carol-pw')] };
  const { response, changed } = alterScram(req, store, true);
  t.same(changed, ['carol']);
  t.match(response.results, [{ user: 'carol', errorCode: 0, errorMessage: null }]);
  t.equal(store.lookup('carol', 'SCRAM-SHA-256')?.iterations, 4096);
  t.match(readFileSync(store.file!, 'utf8'), /carol:\n\s+SCRAM-SHA-256: "?salt=/, 'saved');

  const server = new ScramServer('SCRAM-SHA-256', store.lookup, () => makeCredential('SCRAM-SHA-256', 'x'));
  const client = new ScramClient('SCRAM-SHA-256', 'carol', 'carol-pw');
  const first = server.step(client.first());
  t.equal(server.step(client.final(first.response)).user, 'carol', 'the salted password matches the password');
});

t.test('alter: deletions remove one mechanism; a user with none left is gone', async (t) => {
  const store = storeWith();
  const { changed } = alterScram(
    {
      deletions: [
        { name: 'alice', mechanism: SHA512 },
        { name: 'bob', mechanism: SHA256 },
      ],
      upsertions: [],
    },
    store,
    true,
  );
  t.same(changed, ['alice', 'bob']);
  t.ok(store.lookup('alice', 'SCRAM-SHA-256'));
  t.notOk(store.lookup('alice', 'SCRAM-SHA-512'));
  t.same(
    store.list().map((u) => u.user),
    ['alice'],
  );
});

t.test('alter: per-user errors, and other users still change', async (t) => {
  const store = storeWith();
  const req: AlterRequest = {
    deletions: [
      { name: 'bob', mechanism: SHA512 },
      { name: 'dave', mechanism: 9 },
    ],
    upsertions: [
      upsert('', 'x'),
      upsert('erin', 'x', SHA256, 100),
      { ...upsert('frank', 'x'), salt: Buffer.alloc(0) },
      upsert('gina', 'x'),
      upsert('gina', 'y'),
      upsert('hank', 'x', SHA512, 16384),
    ],
  };
  const { response, changed } = alterScram(req, store, true);
  const by = Object.fromEntries(response.results.map((r) => [r.user, r]));
  t.match(by.bob, { errorCode: 91, errorMessage: /delete a user credential that does not exist/ });
  t.match(by.dave, { errorCode: 33 });
  t.match(by[''], { errorCode: 93, errorMessage: 'Username must not be empty' });
  t.match(by.erin, { errorCode: 93, errorMessage: /Iterations must be between 4096 and 16384/ });
  t.match(by.frank, { errorCode: 93 });
  t.match(by.gina, { errorCode: 92 });
  t.match(by.hank, { errorCode: 0 });
  t.same(changed, ['hank']);
  t.ok(store.lookup('bob', 'SCRAM-SHA-256'), 'a failed deletion removes nothing');
  t.notOk(store.lookup('erin', 'SCRAM-SHA-256'));
});

t.test('alter: refused for every user without the permission, and nothing is saved', async (t) => {
  const store = storeWith();
  const { response, changed } = alterScram(
    { deletions: [{ name: 'alice', mechanism: SHA256 }], upsertions: [upsert('zed', 'x'), upsert('alice', 'x')] },
    store,
    false,
  );
  t.same(changed, []);
  t.same(
    response.results.map((r) => [r.user, r.errorCode]),
    [
      ['alice', 31],
      ['zed', 31],
    ],
  );
  t.ok(store.lookup('alice', 'SCRAM-SHA-256'));
  t.throws(() => readFileSync(store.file!), { code: 'ENOENT' }, 'not saved');
});

t.test('two stores on one file (worker processes) keep each other’s users', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-scram-two-')), 'credentials.yaml');
  const a = new CredentialStore(file);
  const b = new CredentialStore(file);
  const alter = (upsertions: AlterRequest['upsertions']): AlterRequest => ({ deletions: [], upsertions });
  t.same(alterScram(alter([upsert('carol', 'c')]), a, true).changed, ['carol']);
  t.same(alterScram(alter([upsert('dave', 'd')]), b, true).changed, ['dave'], 'b had not seen carol');
  t.same(
    new CredentialStore(file).list().map((u) => u.user),
    ['carol', 'dave'],
    'the file has both',
  );
  t.same(
    b.list().map((u) => u.user),
    ['carol', 'dave'],
    'and b knows both',
  );
  const del = alterScram({ deletions: [{ name: 'dave', mechanism: SHA256 }], upsertions: [] }, a, true);
  t.same(del.changed, ['dave'], "a deletes b's user, which it had not seen");
  t.same(
    new CredentialStore(file).list().map((u) => u.user),
    ['carol'],
  );
});
