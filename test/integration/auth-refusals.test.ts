// Refusals at the protocol level, each with the broker's behaviour: a closed connection and the
// process unaffected.
import t from 'tap';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { startSecureHarness } from '../helpers/secure.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import { scramExchange } from '../helpers/scram-client.js';

t.test('refused before or instead of authentication', async (t) => {
  const h = await startSecureHarness({ auth: { authenticationTimeoutMs: 1500 } });
  t.teardown(() => h.stop());
  const [, saslTlsPort] = h.saslSsl.split(':');

  // A TLS 1.0 / 1.1 client.
  for (const v of ['TLSv1', 'TLSv1.1'] as const) {
    const err = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: Number(saslTlsPort),
        minVersion: v,
        maxVersion: v,
        ca: readFileSync(h.pki.caFile),
        servername: 'localhost',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      s.on('secureConnect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    t.not(err, 'connected', `${v} client refused (${err})`);
  }

  // A plaintext client on the TLS port: its bytes are not a TLS handshake.
  const plain = await RawClient.connect(`127.0.0.1:${saslTlsPort}`);
  plain.writeRaw(RawClient.packet(ApiKey.ApiVersions, 0, 1, {}));
  await plain.closed;
  t.pass('plaintext client on a TLS port: connection closed');

  // A Produce before authentication on a SASL listener: closed after the failed-auth delay.
  const early = await RawClient.connect(h.saslPlaintext);
  const started = Date.now();
  early.writeRaw(
    RawClient.packet(ApiKey.Produce, 7, 1, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'secure', partitionData: [{ index: 0, records: await recordBatch([Buffer.from('x')]) }] }],
    }),
  );
  await early.closed;
  t.ok(Date.now() - started >= 90, 'closed after the failed-authentication delay');
  t.ok(
    h.logs.some((l) => l.msg === 'client connection closed' && l.reason === 'request_before_authentication'),
    'logged as a request before authentication',
  );

  // A 600 KiB frame before authentication (the limit is 512 KiB).
  const big = await RawClient.connect(h.saslPlaintext);
  const hdr = Buffer.alloc(4);
  hdr.writeInt32BE(600 * 1024);
  big.writeRaw(hdr);
  await big.closed;
  t.ok(
    h.logs.some((l) => l.msg === 'client connection closed' && l.code === 'WARDEN_ERR_FRAME_TOO_LARGE'),
    '600 KiB frame before authentication refused',
  );

  // An unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then close.
  const mech = await RawClient.connect(h.saslPlaintext);
  const hs = await mech.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' });
  t.equal(hs.errorCode, 33);
  t.same(hs.mechanisms, ['SCRAM-SHA-256']);
  await mech.closed;
  t.pass('closed after UNSUPPORTED_SASL_MECHANISM');

  // A connection that never authenticates is closed after the authentication timeout.
  const idle = await RawClient.connect(h.saslPlaintext);
  await idle.closed;
  t.ok(
    h.logs.some((l) => l.reason === 'authentication_timeout'),
    'authentication timeout',
  );

  // SASL on a listener without it: ILLEGAL_SASL_STATE, then close.
  const noSasl = await RawClient.connect(h.bootstrap);
  const ill = await noSasl.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  t.equal(ill.errorCode, 34, 'ILLEGAL_SASL_STATE');
  await noSasl.closed;

  // The process is unaffected.
  const ok = await RawClient.connect(h.bootstrap);
  const md = await ok.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  t.equal(md.brokers.length, 3, 'the proxy still serves');
  ok.close();
});

t.test(
  'a request other than SaslAuthenticate during AUTHENTICATE gets its own ILLEGAL_SASL_STATE error, then close',
  async (t) => {
    const h = await startSecureHarness();
    t.teardown(() => h.stop());
    const c = await RawClient.connect(h.saslPlaintext);
    const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
    t.equal(hs.errorCode, 0);
    const md = await c.request<metadata.Response>(ApiKey.Metadata, 1, { topics: [{ name: 'secure' }] });
    t.same(
      md.topics.map((x) => [x.name, x.errorCode]),
      [['secure', 34]],
      'Metadata answered with ILLEGAL_SASL_STATE on the topic it named',
    );
    t.same(md.brokers, [], 'and nothing else');
    await c.closed;
    t.pass('then the connection is closed');
  },
);

t.test(
  "a failed SCRAM login gets Kafka's text naming the mechanism, wrong password and unknown user alike",
  async (t) => {
    const h = await startSecureHarness();
    t.teardown(() => h.stop());
    for (const user of ['bob', 'nobody']) {
      const c = await RawClient.connect(h.saslPlaintext);
      const r = await scramExchange(c, user, 'wrong-password');
      t.equal(r.errorCode, 58, `${user}: SASL_AUTHENTICATION_FAILED`);
      t.equal(
        r.errorMessage,
        'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
        `${user}: the message`,
      );
      await c.closed;
    }
  },
);

// Kafka answers a failed login at once and closes connection.failed.authentication.delay.ms
// later; a close arriving with the answer made kafka-python report a lost connection instead of
// the authentication error. The proxy answers after the delay and closes one delay later.
t.test('a failed login is answered before the connection closes, a delay apart', async (t) => {
  const delay = 300;
  const h = await startSecureHarness({ auth: { failedAuthenticationDelayMs: delay } });
  t.teardown(() => h.stop());
  const c = await RawClient.connect(h.saslPlaintext);
  let closedAt = 0;
  void c.closed.then(() => (closedAt = Date.now()));
  const r = await scramExchange(c, 'bob', 'wrong-password');
  const answeredAt = Date.now();
  t.equal(r.errorCode, 58, 'SASL_AUTHENTICATION_FAILED');
  t.equal(closedAt, 0, 'the connection is still open when the answer is read');
  await c.closed;
  t.ok(closedAt - answeredAt >= delay / 3, `then closed, ${closedAt - answeredAt} ms after the answer`);
});
