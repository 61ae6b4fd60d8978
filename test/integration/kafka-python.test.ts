// kafka-python (Debian's python3-kafka 2.0.2), a third independent client, through the proxy:
// PLAINTEXT, SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, and SSL with a client
// certificate; producing, consuming in a group, its admin client managing the proxy's ACLs, and
// the errors it gets for a wrong password and a denied topic. kafka-python 2.0 authenticates only
// with SaslHandshake v0 and raw SASL tokens (no SaslAuthenticate), which Kafka still accepts: a
// proxy that refused v0 would lock every kafka-python 2.0 user out.
import t from 'tap';
import { kafkaPython, haveKafkaPython } from '../helpers/kafka-python.js';
import { startSecureHarness, USERS } from '../helpers/secure.js';

t.test('kafka-python through the proxy', async (t) => {
  t.ok(haveKafkaPython, "Debian's python3-kafka is installed (scripts/setup.sh --tests)");
  const h = await startSecureHarness({ cluster: { topics: { secure: 3, py: 3, 'py-secret': 1 } } });
  t.teardown(() => h.stop());
  const sasl = (mechanism: string, user: keyof typeof USERS, password: string = USERS[user]) => ({
    security_protocol: 'SASL_SSL',
    ssl_cafile: h.pki.caFile,
    sasl_mechanism: mechanism,
    sasl_plain_username: user,
    sasl_plain_password: password,
  });

  await t.test('PLAINTEXT: produce and consume in a group', async (t) => {
    const values = Array.from({ length: 100 }, (_, i) => `plain-${i}`);
    const r = await kafkaPython(h.bootstrap, {}, [
      { produce: { topic: 'py', values, keys: values.map((_, i) => `k${i % 7}`) } },
      { consume: { topic: 'py', group: 'py-plain', count: 100 } },
    ]);
    t.equal(r.error, undefined, 'no error');
    t.equal(r.produced, 100);
    t.same([...(r.consumed ?? [])].sort(), [...values].sort(), 'every message consumed once');
  });

  for (const [mechanism, user] of [
    ['SCRAM-SHA-512', 'alice'],
    ['SCRAM-SHA-256', 'bob'],
    ['PLAIN', 'alice'],
  ] as const) {
    await t.test(`SASL_SSL ${mechanism}: produce and consume`, async (t) => {
      const values = Array.from({ length: 30 }, (_, i) => `${mechanism}-${i}`);
      const r = await kafkaPython(h.saslSsl, sasl(mechanism, user), [
        { produce: { topic: 'secure', values } },
        { consume: { topic: 'secure', group: `py-${mechanism}`, count: 1000, timeoutMs: 6000 } },
      ]);
      t.equal(r.error, undefined, 'no error');
      t.equal(r.produced, 30);
      const got = new Set(r.consumed);
      t.ok(
        values.every((v) => got.has(v)),
        'consumed what it produced',
      );
      t.ok(
        h.logs.some(
          (l) =>
            l.msg === 'authentication succeeded' &&
            l.principal === `User:${user}` &&
            l.mechanism === mechanism &&
            l.saslHandshakeVersion === 0,
        ),
        `authenticated as User:${user} with SaslHandshake v0 and raw tokens`,
      );
    });
  }

  await t.test('SSL with a client certificate', async (t) => {
    const r = await kafkaPython(
      h.ssl,
      {
        security_protocol: 'SSL',
        ssl_cafile: h.pki.caFile,
        ssl_certfile: h.pki.clientCert,
        ssl_keyfile: h.pki.clientKey,
      },
      [{ produce: { topic: 'secure', values: ['by-certificate'] } }],
    );
    t.equal(r.error, undefined, 'no error');
    t.equal(r.produced, 1);
    t.ok(
      h.logs.some((l) => l.msg === 'authenticated by certificate' && l.principal === 'User:writeuser'),
      'principal from the certificate, mapped by the rule',
    );
  });

  await t.test('a wrong password is refused and the connection closed', async (t) => {
    const before = h.logs.length;
    const r = await kafkaPython(
      h.saslSsl,
      {
        ...sasl('SCRAM-SHA-512', 'alice', 'not-the-password'),
        request_timeout_ms: 5000,
        api_version_auto_timeout_ms: 5000,
      },
      [{ produce: { topic: 'secure', values: ['never'] } }],
    );
    t.match(r.error, /NoBrokersAvailable|AuthenticationFailed|KafkaConnectionError/, `kafka-python fails (${r.error})`);
    const failures = h.logs.slice(before).filter((l) => l.msg === 'authentication failed');
    t.ok(failures.length > 0 && failures.every((l) => l.user === 'alice'), 'logged as a failed login of alice');
    t.notOk(JSON.stringify(h.logs).includes('not-the-password'), 'the password is in no log line');
  });

  await t.test('its admin client manages the ACLs, and a denied topic is refused', async (t) => {
    const deny = {
      principal: 'User:bob',
      operation: 'WRITE',
      permission: 'DENY',
      resourceType: 'TOPIC',
      resourceName: 'py-secret',
    };
    const alice = sasl('SCRAM-SHA-512', 'alice');
    const bob = sasl('SCRAM-SHA-256', 'bob');
    // An ACL on the cluster resource, so that the cluster is no longer open to everyone.
    const clusterAdmin = {
      principal: 'User:alice',
      operation: 'ALL',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
    };
    const created = await kafkaPython(h.saslSsl, alice, [
      { createAcl: deny },
      { createAcl: clusterAdmin },
      { describeAcls: { principal: 'User:bob' } },
    ]);
    t.equal(created.error, undefined, 'no error');
    t.equal(created.created, 1, 'CreateAcls through kafka-python');
    t.same(created.acls, [{ ...deny, patternType: 'LITERAL' }], 'DescribeAcls shows it');

    // The DENY leaves bob no DESCRIBE either (the topic has ACLs now, none allowing him): its
    // Metadata is answered 29. kafka-python 2.0 fails a single-topic metadata update with an error
    // instead of recording the topic as unauthorized, so it gives up waiting, as it would on a broker.
    const before = h.logs.length;
    const denied = await kafkaPython(h.saslSsl, { ...bob, max_block_ms: 5000 }, [
      { produce: { topic: 'py-secret', values: ['no'] } },
    ]);
    t.match(
      denied.error,
      /TopicAuthorizationFailedError|Failed to update metadata/,
      `bob's produce to py-secret fails (${denied.error})`,
    );
    t.ok(
      h.logs
        .slice(before)
        .some((l) => l.msg === 'authorization denied' && l.principal === 'User:bob' && l.resourceName === 'py-secret'),
      'denied by the proxy',
    );
    const allowed = await kafkaPython(h.saslSsl, bob, [{ produce: { topic: 'py', values: ['yes'] } }]);
    t.equal(allowed.produced, 1, 'bob still writes py');
    const notAdmin = await kafkaPython(h.saslSsl, bob, [{ describeAcls: { principal: 'User:bob' } }]);
    t.match(notAdmin.error, /ClusterAuthorizationFailedError/, 'bob may not read the ACLs');

    const deleted = await kafkaPython(h.saslSsl, alice, [
      {
        deleteAcls: { principal: 'User:bob', resourceType: 'TOPIC', resourceName: 'py-secret', patternType: 'LITERAL' },
      },
    ]);
    t.equal(deleted.deleted, 1, 'DeleteAcls through kafka-python');
    const now = await kafkaPython(h.saslSsl, bob, [{ produce: { topic: 'py-secret', values: ['now'] } }]);
    t.equal(now.produced, 1, 'and bob writes py-secret once the DENY is gone');
  });
});
