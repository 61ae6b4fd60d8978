// Sarama (Go, github.com/IBM/sarama as pinned in test/clients/sarama/go.mod), a fourth
// independent client, through the proxy: PLAINTEXT, SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and
// PLAIN, and SSL with a client certificate, as a producer and a consumer group member. Sarama
// picks its request versions from the Kafka version it is configured for: configured for 2.1 it
// authenticates with SaslHandshake v1 and SaslAuthenticate, for 0.11 every mechanism goes over
// SaslHandshake v0 and raw tokens; both are run. (Configured for 1.0, this Sarama cannot read
// librdkafka 2.15.1's mock Produce responses even without the proxy in between.) Its Metadata
// v4/v5 is newer than Debian's librdkafka 2.0.2 mock speaks, so the brokers are librdkafka
// 2.15.1's mock.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { MODERN_LIB, MODERN_MOCK, haveModern } from '../helpers/kcat.js';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { runJsonClient } from '../helpers/json-client.js';

const CLIENT = join(PROJECT_ROOT, 'build', 'sarama-client');

interface Result {
  produced?: number;
  consumed?: string[];
  error?: string;
}

function sarama(plan: Record<string, unknown>, timeoutMs = 60_000): Promise<Result> {
  return runJsonClient<Result>(CLIENT, [JSON.stringify(plan)], timeoutMs);
}

t.test('Sarama through the proxy', async (t) => {
  t.ok(existsSync(CLIENT), 'build/sarama-client is built (scripts/build-test-clients.sh)');
  t.ok(haveModern, 'librdkafka 2.15.1 mock is built');
  const cases = ['plain', 'scram512', 'scram256', 'plainmech', 'mtls'];
  const versions = ['2.1.0', '0.11.0.0'];
  const topics = Object.fromEntries(versions.flatMap((v) => cases.map((c) => [`go-${c}-${v}`, 2])));
  const h = await startSecureHarness({
    cluster: { binary: MODERN_MOCK, env: { LD_LIBRARY_PATH: MODERN_LIB }, topics },
  });
  t.teardown(() => h.stop());
  const tls = { ca: h.pki.caFile };
  const settings: Record<string, [string, Record<string, unknown>, string | null]> = {
    plain: [h.bootstrap, {}, null],
    scram512: [
      h.saslSsl,
      { tls, sasl: { mechanism: 'SCRAM-SHA-512', user: 'alice', password: USERS.alice } },
      'User:alice',
    ],
    scram256: [h.saslSsl, { tls, sasl: { mechanism: 'SCRAM-SHA-256', user: 'bob', password: USERS.bob } }, 'User:bob'],
    plainmech: [h.saslSsl, { tls, sasl: { mechanism: 'PLAIN', user: 'alice', password: USERS.alice } }, 'User:alice'],
    mtls: [h.ssl, { tls: { ...tls, cert: h.pki.clientCert, key: h.pki.clientKey } }, 'User:writeuser'],
  };

  for (const version of versions) {
    for (const name of cases) {
      await t.test(`Sarama ${version}, ${name}`, async (t) => {
        const [bootstrap, extra, principal] = settings[name]!;
        const topic = `go-${name}-${version}`;
        const values = Array.from({ length: 20 }, (_, i) => `${name}-${version}-${i}`);
        const before = h.logs.length;
        const r = await sarama({
          bootstrap,
          version,
          ...extra,
          steps: [
            { produce: { topic, values } },
            { consumeGroup: { topic, group: `g-${topic}`, expect: values, timeoutMs: 30_000 } },
          ],
        });
        t.equal(r.error, undefined, r.error ?? 'no error');
        t.equal(r.produced, values.length, 'produced');
        t.same(r.consumed, [...values].sort(), 'the group member consumed exactly what was produced');
        if (principal !== null && name !== 'mtls') {
          // Below 1.0 Sarama runs every mechanism over SaslHandshake v0 and raw tokens.
          const v = version === '2.1.0' ? 1 : 0;
          t.ok(
            h.logs
              .slice(before)
              .some(
                (l) =>
                  l.msg === 'authentication succeeded' && l.principal === principal && l.saslHandshakeVersion === v,
              ),
            `authenticated as ${principal} with SaslHandshake v${v}`,
          );
        } else if (principal !== null) {
          t.ok(
            h.logs.slice(before).some((l) => l.msg === 'authenticated by certificate' && l.principal === principal),
            `authenticated as ${principal} by its certificate`,
          );
        }
      });
    }
  }

  await t.test('a wrong password', async (t) => {
    const r = await sarama({
      bootstrap: h.saslSsl,
      version: '2.1.0',
      tls,
      sasl: { mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'wrong' },
      steps: [{ produce: { topic: 'go-plain-2.1.0', values: ['never'] } }],
    });
    t.match(r.error, /SASL|authenticat|out of available brokers/i, `refused (${r.error})`);
  });
});
