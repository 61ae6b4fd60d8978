// DescribeUserScramCredentials and AlterUserScramCredentials, answered by the proxy from its
// credential store for super users. Neither mock broker nor kafkajs implements these APIs, so the
// requests are built with our codec from Kafka's spec (as Kafka's AdminClient sends them: the
// salted password, never the password) and the result is checked with a real login by kcat.
import t from 'tap';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { loginScram as loginAs } from '../helpers/scram-client.js';
import { kcat } from '../helpers/kcat.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as describeUserScramCredentials from '../../src/protocol/generated/describe-user-scram-credentials.js';
import type * as alterUserScramCredentials from '../../src/protocol/generated/alter-user-scram-credentials.js';
import { CredentialStore } from '../../src/auth/credentials.js';

t.test('SCRAM admin APIs for super users', async (t) => {
  const h = await startSecureHarness({ acl: { superUsers: ['User:alice'] } });
  t.teardown(() => h.stop());
  const admin = await loginAs(h.saslPlaintext, 'alice', USERS.alice); // alice is a super user
  const plainUser = await loginAs(h.saslPlaintext, 'bob', USERS.bob);
  t.teardown(() => {
    admin.close();
    plainUser.close();
  });

  const all = await admin.request<describeUserScramCredentials.Response>(ApiKey.DescribeUserScramCredentials, 0, {
    users: null,
  });
  t.equal(all.errorCode, 0);
  t.same(
    all.results.map((r) => [r.user, r.credentialInfos.map((c) => [c.mechanism, c.iterations])]),
    [
      [
        'alice',
        [
          [2, 4096],
          [1, 4096],
        ],
      ],
      ['bob', [[1, 4096]]],
    ],
    'all users with mechanisms and iterations',
  );
  const some = await admin.request<describeUserScramCredentials.Response>(ApiKey.DescribeUserScramCredentials, 0, {
    users: [{ name: 'bob' }, { name: 'ghost' }],
  });
  t.same(
    some.results.map((r) => [r.user, r.errorCode]),
    [
      ['bob', 0],
      ['ghost', 91],
    ],
    'RESOURCE_NOT_FOUND for an unknown user',
  );
  const denied = await plainUser.request<describeUserScramCredentials.Response>(
    ApiKey.DescribeUserScramCredentials,
    0,
    { users: null },
  );
  t.equal(denied.errorCode, 31, 'CLUSTER_AUTHORIZATION_FAILED for a non-super user');

  // Create erin as Kafka's AdminClient does: salt + PBKDF2 salted password.
  const salt = randomBytes(16);
  const saltedPassword = pbkdf2Sync('erin-pw', salt, 8192, 32, 'sha256');
  const alter = await admin.request<alterUserScramCredentials.Response>(ApiKey.AlterUserScramCredentials, 0, {
    deletions: [{ name: 'bob', mechanism: 1 }],
    upsertions: [
      { name: 'erin', mechanism: 1, iterations: 8192, salt, saltedPassword },
      { name: 'weak', mechanism: 1, iterations: 10, salt, saltedPassword },
    ],
  });
  t.same(
    alter.results.map((r) => [r.user, r.errorCode]),
    [
      ['bob', 0],
      ['erin', 0],
      ['weak', 93],
    ],
    'per-user results; too few iterations is UNACCEPTABLE_CREDENTIAL',
  );
  const stored = new CredentialStore(h.credentialsFile);
  t.equal(stored.lookup('erin', 'SCRAM-SHA-256')?.iterations, 8192, 'persisted to the credentials file');
  t.equal(stored.lookup('bob', 'SCRAM-SHA-256'), undefined, 'bob deleted from the file');
  const login = await kcat(
    [
      '-b',
      h.saslPlaintext,
      '-L',
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=erin',
      '-X',
      'sasl.password=erin-pw',
    ],
    { timeoutMs: 15_000 },
  );
  t.equal(login.code, 0, 'erin logs in with kcat at once');
  const deniedAlter = await plainUser.request<alterUserScramCredentials.Response>(ApiKey.AlterUserScramCredentials, 0, {
    deletions: [{ name: 'alice', mechanism: 2 }],
    upsertions: [],
  });
  t.same(
    deniedAlter.results.map((r) => [r.user, r.errorCode]),
    [['alice', 31]],
    'a non-super user may not alter',
  );
  t.ok(new CredentialStore(h.credentialsFile).lookup('alice', 'SCRAM-SHA-512'), 'alice untouched');
});
