// SaslHandshake v0 (deprecated in Kafka, not removed): the tokens of the exchange follow as raw
// size-prefixed frames without Kafka headers, answered the same way; a failure has no frame to
// carry it, so the connection closes after the failed-authentication delay; re-authentication
// needs v1. kafka-python 2.0 authenticates only this way (test/integration/kafka-python.test.ts).
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';
import { ScramClient, scramExchange } from '../helpers/scram-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';

t.test('SaslHandshake v0 and raw SASL tokens', async (t) => {
  const h = await startSecureHarness({ auth: { maxReauthMs: 60_000 } });
  t.teardown(() => h.stop());
  const handshake = async (t: Test, c: RawClient, mechanism: string) => {
    const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 0, { mechanism });
    t.equal(hs.errorCode, 0, `${mechanism}: v0 handshake accepted`);
    t.same(hs.mechanisms, ['SCRAM-SHA-256'], 'with the enabled mechanisms');
  };
  const metadata = (c: RawClient) => c.request<metadataCodec.Response>(ApiKey.Metadata, 1, { topics: null }, 5000);

  await t.test('SCRAM-SHA-256: two raw rounds, then Kafka requests', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    const sc = new ScramClient('SCRAM-SHA-256', 'bob', USERS.bob);
    const serverFirst = await c.rawToken(sc.first());
    t.match(serverFirst.toString(), /^r=[^,]+,s=[^,]+,i=\d+$/, 'server-first as a raw frame');
    const serverFinal = await c.rawToken(sc.final(serverFirst));
    t.match(serverFinal.toString(), /^v=/, 'server-final as a raw frame');
    t.equal((await metadata(c)).brokers.length, 3, 'authenticated: requests are served');
    t.ok(
      h.logs.some(
        (l) => l.msg === 'authentication succeeded' && l.principal === 'User:bob' && l.saslHandshakeVersion === 0,
      ),
      'logged with the handshake version',
    );

    // KIP-368 re-authentication needs SaslHandshake v1 (the lifetime travels in SaslAuthenticate).
    const again = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 0, { mechanism: 'SCRAM-SHA-256' });
    t.equal(again.errorCode, 34, 'a v0 handshake after authentication is ILLEGAL_SASL_STATE');
    await c.closed;
    t.pass('and the connection closes');
  });

  await t.test('a wrong password: no error frame, the connection closes after the delay', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    const sc = new ScramClient('SCRAM-SHA-256', 'bob', 'wrong');
    const serverFirst = await c.rawToken(sc.first());
    const started = Date.now();
    await t.rejects(c.rawToken(sc.final(serverFirst)), /connection closed/, 'closed instead of answered');
    t.ok(Date.now() - started >= 90, 'after the failed-authentication delay');
    t.ok(
      h.logs.some((l) => l.msg === 'authentication failed' && l.user === 'bob'),
      'logged as a failed login',
    );
  });

  await t.test('an unknown user fails at the same step as a wrong password', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    const sc = new ScramClient('SCRAM-SHA-256', 'nobody', 'x');
    const serverFirst = await c.rawToken(sc.first());
    t.match(serverFirst.toString(), /^r=[^,]+,s=[^,]+,i=\d+$/, 'a (phantom) challenge for an unknown user too');
    await t.rejects(c.rawToken(sc.final(serverFirst)), /connection closed/, 'refused at the final step');
  });

  await t.test('a token and the requests behind it in one write are answered in order', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    const sc = new ScramClient('SCRAM-SHA-256', 'bob', USERS.bob);
    const serverFirst = await c.rawToken(sc.first());
    // client-final and a Metadata request in the same write: the request waits for the login.
    const final = sc.final(serverFirst);
    const size = Buffer.alloc(4);
    size.writeInt32BE(final.length, 0);
    const serverFinal = c.nextRawFrame();
    const md = c.request<metadataCodec.Response>(
      ApiKey.Metadata,
      1,
      { topics: null },
      5000,
      Buffer.concat([size, final]),
    );
    t.match((await serverFinal).toString(), /^v=/, 'server-final first');
    t.equal((await md).brokers.length, 3, 'then the Metadata answer');
    c.close();
  });

  await t.test('a raw token over the 512 KiB pre-authentication limit closes the connection', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    await t.rejects(c.rawToken(Buffer.alloc(600 * 1024, 'n')), /connection closed/);
    t.ok(
      h.logs.some((l) => l.msg === 'client connection closed' && l.code === 'WARDEN_ERR_FRAME_TOO_LARGE'),
      'refused as too large',
    );
  });

  await t.test('a Kafka request where a token is due is taken as a token, and refused', async (t) => {
    const c = await RawClient.connect(h.saslPlaintext);
    await handshake(t, c, 'SCRAM-SHA-256');
    await t.rejects(
      metadata(c),
      /connection closed|no response/,
      'a Metadata request is not a SCRAM client-first: closed',
    );
    const ok = await RawClient.connect(h.bootstrap);
    t.equal((await metadata(ok)).brokers.length, 3, 'the proxy still serves');
    ok.close();
  });
});

t.test('v0 sessions expire; re-authentication after a v0 login works with v1', async (t) => {
  const h = await startSecureHarness({ auth: { maxReauthMs: 1500 } });
  t.teardown(() => h.stop());
  const login = async (c: RawClient) => {
    t.equal(
      (await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 0, { mechanism: 'SCRAM-SHA-256' })).errorCode,
      0,
    );
    const sc = new ScramClient('SCRAM-SHA-256', 'bob', USERS.bob);
    await c.rawToken(sc.final(await c.rawToken(sc.first())));
  };
  const metadata = (c: RawClient) => c.request<metadataCodec.Response>(ApiKey.Metadata, 1, { topics: null }, 5000);

  const c = await RawClient.connect(h.saslPlaintext);
  await login(c);
  t.equal((await metadata(c)).brokers.length, 3, 'logged in over v0');
  await new Promise((r) => setTimeout(r, 1100));
  t.equal(
    (await scramExchange(c, 'bob', USERS.bob)).errorCode,
    0,
    're-authenticated with SaslHandshake v1 + SaslAuthenticate',
  );
  t.ok(
    h.logs.some(
      (l) => l.msg === 'authentication succeeded' && l.reauthentication === true && l.saslHandshakeVersion === 1,
    ),
    'logged as a v1 re-authentication',
  );
  t.equal((await metadata(c)).brokers.length, 3, 'still served');
  c.close();

  const d = await RawClient.connect(h.saslPlaintext);
  await login(d);
  await new Promise((r) => setTimeout(r, 1700));
  await t.rejects(metadata(d), /connection closed/, 'a request after the v0 session expired closes the connection');
  t.ok(h.logs.some((l) => l.reason === 'session_expired'));
});

t.test('PLAIN over SaslHandshake v0 answers success with an empty frame', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const c = await RawClient.connectTls(h.saslSsl, { ca: readFileSync(h.pki.caFile), servername: 'localhost' });
  const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' });
  t.equal(hs.errorCode, 0);
  const reply = await c.rawToken(Buffer.from(`\0alice\0${USERS.alice}`));
  t.equal(reply.length, 0, 'an empty token (the int32 0 kafka-python waits for)');
  const md = await c.request<metadataCodec.Response>(ApiKey.Metadata, 1, { topics: null }, 5000);
  t.equal(md.brokers.length, 3, 'authenticated');
  c.close();
});
