// KIP-368 with real clients: the proxy returns a session lifetime, and clients that implement
// re-authentication (librdkafka >= 2.2, kafkajs 2) re-authenticate on their open connections and
// keep working across several lifetimes; a client that does not (Debian's librdkafka 2.0.2) has
// its connections closed at expiry, as a broker closes them.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { kcat, haveModern } from '../helpers/kcat.js';
import { startSecureHarness, USERS } from '../helpers/secure.js';

const LIFETIME = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('real clients across several session lifetimes', async (t) => {
  const h = await startSecureHarness({ auth: { maxReauthMs: LIFETIME } });
  t.teardown(() => h.stop());
  const auth = [
    '-X',
    'security.protocol=SASL_SSL',
    '-X',
    `ssl.ca.location=${h.pki.caFile}`,
    '-X',
    'sasl.mechanisms=SCRAM-SHA-512',
    '-X',
    'sasl.username=alice',
    '-X',
    `sasl.password=${USERS.alice}`,
  ];
  const reauths = (principal: string) =>
    h.logs.filter(
      (l) => l.msg === 'authentication succeeded' && l.reauthentication === true && l.principal === principal,
    ).length;
  const expired = () => h.logs.filter((l) => l.reason === 'session_expired').length;

  t.ok(haveModern, 'librdkafka 2.15.1 is built (scripts/build-modern-librdkafka.sh)');
  await t.test('librdkafka 2.15.1 re-authenticates its open connections', async (t) => {
    const [reauthBefore, expiredBefore] = [reauths('User:alice'), expired()];
    // One consumer connection per broker stays open for about four lifetimes while messages arrive.
    const consumer = kcat(['-b', h.saslSsl, '-t', 'secure', '-C', '-o', 'end', '-q', '-c', '5', ...auth], {
      timeoutMs: 30_000,
      modern: true,
    });
    await sleep(1500); // the consumer is connected and positioned at the end
    for (let i = 0; i < 5; i++) {
      await sleep(1200);
      const p = await kcat(['-b', h.saslSsl, '-t', 'secure', '-P', ...auth], {
        input: `modern-${i}\n`,
        timeoutMs: 20_000,
        modern: true,
      });
      t.equal(p.code, 0, `produce ${i}`);
    }
    const c = await consumer;
    t.equal(c.code, 0, `the consumer got its 5 messages and exited (${c.stderr.slice(-300)})`);
    t.same(
      c.stdout.split('\n').filter(Boolean),
      ['modern-0', 'modern-1', 'modern-2', 'modern-3', 'modern-4'],
      'every message, in order',
    );
    t.ok(
      reauths('User:alice') - reauthBefore >= 3,
      `re-authentications on open connections (${reauths('User:alice') - reauthBefore})`,
    );
    t.equal(expired() - expiredBefore, 0, 'no connection outlived its session');
  });

  await t.test('kafkajs re-authenticates before its session expires', async (t) => {
    const [reauthBefore, expiredBefore] = [reauths('User:bob'), expired()];
    const kafka = new Kafka({
      clientId: 'warden-reauth',
      brokers: [h.saslSsl],
      ssl: { ca: [readFileSync(h.pki.caFile, 'utf8')], servername: 'localhost' },
      sasl: { mechanism: 'scram-sha-256', username: 'bob', password: USERS.bob },
      // Re-authenticate when less than this is left of the session (kafkajs's KIP-368 setting).
      reauthenticationThreshold: 800,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    t.teardown(() => producer.disconnect());
    for (let i = 0; i < 6; i++) {
      await producer.send({ topic: 'secure', messages: [{ value: `kafkajs-${i}` }] });
      await sleep(900);
    }
    t.pass('six sends over about three lifetimes, none failed (retries: 0)');
    t.ok(reauths('User:bob') - reauthBefore >= 1, `re-authentications (${reauths('User:bob') - reauthBefore})`);
    t.equal(expired() - expiredBefore, 0, 'no connection outlived its session');
  });

  await t.test(
    'librdkafka 2.0.2 (no KIP-368): its connections are closed at expiry, as a broker closes them',
    async (t) => {
      const expiredBefore = expired();
      // A consumer idles at the end of the topic; its fetches after expiry close its connections.
      await kcat(['-b', h.saslSsl, '-t', 'secure', '-C', '-o', 'end', ...auth], { timeoutMs: 6000 });
      t.ok(
        expired() - expiredBefore >= 1,
        `connections that did not re-authenticate were closed at expiry (${expired() - expiredBefore})`,
      );
      const again = await kcat(['-b', h.saslSsl, '-L', ...auth], { timeoutMs: 20_000 });
      t.equal(again.code, 0, 'a new connection logs in and works');
    },
  );
});
