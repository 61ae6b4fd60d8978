// KIP-368 re-authentication: the session lifetime is returned, a re-authentication before expiry
// extends the session, any other request after expiry closes the connection, and changing the
// principal or mechanism during re-authentication fails.
import t from 'tap';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';
import { scramExchange } from '../helpers/scram-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';

const LIFETIME = 1500;

const metadata = (c: RawClient) => c.request<metadataCodec.Response>(ApiKey.Metadata, 1, { topics: null });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('KIP-368 session lifetime and re-authentication', async (t) => {
  const h = await startSecureHarness({ auth: { maxReauthMs: LIFETIME } });
  t.teardown(() => h.stop());

  const c = await RawClient.connect(h.saslPlaintext);
  const done = await scramExchange(c, 'bob', USERS.bob);
  t.equal(done.errorCode, 0);
  t.equal(done.sessionLifetimeMs, BigInt(LIFETIME), 'SessionLifetimeMs returned');
  t.equal((await metadata(c)).brokers.length, 3);
  await sleep(1100);
  const again = await scramExchange(c, 'bob', USERS.bob);
  t.equal(again.errorCode, 0, 're-authenticated before expiry');
  await sleep(800); // past the first session's expiry, inside the second's
  t.equal((await metadata(c)).brokers.length, 3, 'the re-authenticated session is still valid');
  await sleep(LIFETIME);
  await t.rejects(metadata(c), /connection closed/, 'a request after expiry closes the connection');
  t.ok(h.logs.some((l) => l.reason === 'session_expired'));

  // Re-authenticating as somebody else fails and closes.
  const d = await RawClient.connect(h.saslPlaintext);
  t.equal((await scramExchange(d, 'bob', USERS.bob)).errorCode, 0);
  await sleep(1050);
  const other = await scramExchange(d, 'alice', USERS.alice);
  t.equal(other.errorCode, 58, 'SASL_AUTHENTICATION_FAILED when the principal changes');
  await d.closed;
  t.pass('and the connection is closed');
});

t.test('without a session lifetime, a second handshake is an illegal SASL state', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const c = await RawClient.connect(h.saslPlaintext);
  const done = await scramExchange(c, 'bob', USERS.bob);
  t.equal(done.sessionLifetimeMs, 0n, 'no lifetime');
  const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  t.equal(hs.errorCode, 34, 'ILLEGAL_SASL_STATE');
  await c.closed;
});
