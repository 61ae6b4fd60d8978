// kafkajs with SCRAM-SHA-256 and SCRAM-SHA-512 over TLS: producing, and consuming in a group;
// PLAIN over TLS and a client certificate; a wrong password.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { startSecureHarness, USERS } from '../helpers/secure.js';

t.test('kafkajs SCRAM over TLS, producer and consumer group', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const ssl = { ca: [readFileSync(h.pki.caFile, 'utf8')], servername: 'localhost' };
  for (const [mechanism, user] of [
    ['scram-sha-256', 'bob'],
    ['scram-sha-512', 'alice'],
  ] as const) {
    const kafka = new Kafka({
      clientId: `warden-${mechanism}`,
      brokers: [h.saslSsl],
      ssl,
      sasl: { mechanism, username: user, password: USERS[user] } as SASLOptions,
      logLevel: logLevel.NOTHING,
    });
    const topic = 'secure';
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 30 }, (_, i) => `${mechanism}-${i}`);
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `group-${mechanism}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    const deadline = Date.now() + 30_000;
    while (!values.every((v) => seen.has(v)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    t.ok(
      values.every((v) => seen.has(v)),
      `${mechanism}: the group consumed all ${values.length} messages`,
    );
    t.ok(
      h.logs.some(
        (l) =>
          l.msg === 'authentication succeeded' &&
          l.principal === `User:${user}` &&
          l.mechanism === mechanism.toUpperCase(),
      ),
      `${mechanism}: authenticated as User:${user}`,
    );
  }
  // PLAIN over TLS, and a client certificate (mTLS) mapped to a principal by the rule.
  const viaPlain = new Kafka({
    clientId: 'warden-plain',
    brokers: [h.saslSsl],
    ssl,
    sasl: { mechanism: 'plain', username: 'alice', password: USERS.alice },
    logLevel: logLevel.NOTHING,
  });
  const viaCert = new Kafka({
    clientId: 'warden-mtls',
    brokers: [h.ssl],
    ssl: { ...ssl, cert: readFileSync(h.pki.clientCert, 'utf8'), key: readFileSync(h.pki.clientKey, 'utf8') },
    logLevel: logLevel.NOTHING,
  });
  for (const [name, kafka] of [
    ['PLAIN', viaPlain],
    ['mTLS', viaCert],
  ] as const) {
    const p = kafka.producer();
    await p.connect();
    const [meta] = await p.send({ topic: 'secure', messages: [{ value: `kafkajs-${name}` }] });
    await p.disconnect();
    t.equal(meta!.errorCode, 0, `${name}: produced`);
  }
  t.ok(
    h.logs.some((l) => l.msg === 'authentication succeeded' && l.principal === 'User:alice' && l.mechanism === 'PLAIN'),
    'PLAIN: authenticated as User:alice',
  );
  t.ok(
    h.logs.some((l) => l.msg === 'authenticated by certificate' && l.principal === 'User:writeuser'),
    'mTLS: User:writeuser from the certificate',
  );

  const bad = new Kafka({
    clientId: 'bad',
    brokers: [h.saslSsl],
    ssl,
    sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const p = bad.producer();
  await t.rejects(
    p.connect(),
    /SASL SCRAM SHA512 authentication failed|Authentication failed/,
    'kafkajs sees the SASL authentication failure',
  );
});
