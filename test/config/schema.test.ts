// The configuration's building blocks checked alone (load.test.ts covers whole files): listener
// coherence between security protocol, TLS and SASL; TLS defaults and client-auth needs; SASL.
import t from 'tap';
import {
  DEFAULT_TLS_CIPHERS,
  DEFAULT_TLS_CURVES,
  listenerSchema,
  saslSchema,
  tlsSchema,
} from '../../src/config/schema.js';

const tls = { certFile: '/c.pem', keyFile: '/k.pem' };
const base = { name: 'l1', port: 9092, brokerPortBase: 9100, advertisedHost: 'proxy.example' };

/** The messages of a failed parse, each prefixed with its key path. */
function issues(
  schema: {
    safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

t.test('a plain listener gets its defaults', async (t) => {
  const l = listenerSchema.parse({ ...base, securityProtocol: 'PLAINTEXT' });
  t.match(l, { host: '0.0.0.0', maxConnections: 0, maxConnectionCreationRate: 0 });
});

t.test('security protocol, tls and sasl must agree', async (t) => {
  t.same(issues(listenerSchema, { ...base, securityProtocol: 'SSL' }), ['tls: SSL needs tls (certFile, keyFile)']);
  t.same(issues(listenerSchema, { ...base, securityProtocol: 'PLAINTEXT', tls }), [
    'tls: PLAINTEXT does not use TLS; use SSL or SASL_SSL',
  ]);
  t.same(issues(listenerSchema, { ...base, securityProtocol: 'SASL_SSL', tls }), [
    'sasl: SASL_SSL needs sasl.mechanisms',
  ]);
  t.same(issues(listenerSchema, { ...base, securityProtocol: 'SSL', tls, sasl: { mechanisms: ['PLAIN'] } }), [
    'sasl: SSL does not use SASL; use SASL_PLAINTEXT or SASL_SSL',
  ]);
  t.same(issues(listenerSchema, { ...base, securityProtocol: 'PLAINTEXT', sni: { domain: 'example.com' } }), [
    'sni: SNI routing needs TLS (SSL or SASL_SSL)',
  ]);
  t.same(
    issues(listenerSchema, {
      ...base,
      securityProtocol: 'SASL_SSL',
      tls,
      sasl: { mechanisms: ['SCRAM-SHA-512', 'PLAIN'] },
    }),
    [],
  );
});

t.test('PLAIN without TLS only when explicitly allowed', async (t) => {
  t.match(issues(listenerSchema, { ...base, securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanisms: ['PLAIN'] } }), [
    /^sasl\.mechanisms: PLAIN would send passwords in clear/,
  ]);
  t.same(
    issues(listenerSchema, {
      ...base,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanisms: ['PLAIN'], allowPlainWithoutTls: true },
    }),
    [],
  );
  t.same(
    issues(listenerSchema, { ...base, securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanisms: ['SCRAM-SHA-256'] } }),
    [],
    'SCRAM never sends the password',
  );
});

t.test('each broker needs a port of its own, or SNI', async (t) => {
  const { brokerPortBase: _, ...noPorts } = base;
  t.match(issues(listenerSchema, { ...noPorts, securityProtocol: 'PLAINTEXT' }), [
    /needs brokerPortBase or brokerPorts/,
  ]);
  t.same(issues(listenerSchema, { ...noPorts, securityProtocol: 'PLAINTEXT', brokerPorts: { '1': 9101 } }), []);
  // zod reports a bad record key with its own words, not the key schema's message
  t.match(issues(listenerSchema, { ...noPorts, securityProtocol: 'PLAINTEXT', brokerPorts: { one: 9101 } }), [
    /^brokerPorts\.one: /,
  ]);
  t.same(issues(listenerSchema, { ...noPorts, securityProtocol: 'SSL', tls, sni: { domain: 'kafka.example' } }), []);
});

t.test('names, ports and unknown keys are refused', async (t) => {
  t.match(issues(listenerSchema, { ...base, name: 'has space', securityProtocol: 'PLAINTEXT' }), [
    'name: use letters, digits, _ and -',
  ]);
  t.ok(
    issues(listenerSchema, { ...base, port: 70000, securityProtocol: 'PLAINTEXT' }).some((i) => i.startsWith('port:')),
  );
  t.ok(
    issues(listenerSchema, { ...base, securityProtocol: 'PLAINTEXT', typo: 1 }).length > 0,
    'strict: an unknown key',
  );
  t.ok(issues(listenerSchema, { ...base, securityProtocol: 'TLS' }).some((i) => i.startsWith('securityProtocol:')));
});

t.test('TLS: the defaults, and a CA bundle when client certificates are checked', async (t) => {
  t.match(tlsSchema.parse(tls), {
    clientAuth: 'none',
    minVersion: 'TLSv1.2',
    ciphers: DEFAULT_TLS_CIPHERS,
    curves: DEFAULT_TLS_CURVES,
  });
  for (const suite of DEFAULT_TLS_CIPHERS.split(':'))
    t.match(
      suite,
      /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/,
      `${suite}: forward secrecy and AEAD`,
    );
  for (const clientAuth of ['requested', 'required']) {
    t.same(
      issues(tlsSchema, { ...tls, clientAuth }),
      ['caFile: caFile is needed to verify client certificates'],
      clientAuth,
    );
    t.same(issues(tlsSchema, { ...tls, clientAuth, caFile: '/ca.pem' }), []);
  }
  t.match(issues(tlsSchema, { ...tls, curves: 'no-such-curve' }), [/^curves: not usable by OpenSSL/]);
  t.match(issues(tlsSchema, { ...tls, minVersion: 'TLSv1.1' }), [/^minVersion:/]);
});

t.test('SASL: at least one known mechanism', async (t) => {
  t.match(saslSchema.parse({ mechanisms: ['SCRAM-SHA-256'] }), { allowPlainWithoutTls: false });
  t.ok(issues(saslSchema, { mechanisms: [] }).length > 0);
  t.ok(issues(saslSchema, { mechanisms: ['GSSAPI'] }).length > 0);
});
