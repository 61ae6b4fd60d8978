// KIP-368 under attack: an expired session must not live on by starting a re-authentication and
// never finishing it; requests sent during a re-authentication are refused as Kafka refuses them
// (ILLEGAL_SASL_STATE, then close) and never forwarded; a credential removed from the store stops
// working at the next expiry at the latest.
import t from 'tap';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';
import { scramExchange } from '../helpers/scram-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import { recordBatch } from '../helpers/raw-client.js';

const LIFETIME = 1200;
const AUTH_TIMEOUT = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metadata = (c: RawClient) => c.request<metadataCodec.Response>(ApiKey.Metadata, 1, { topics: null }, 5000);

const h = await startSecureHarness({
  auth: { maxReauthMs: LIFETIME, authenticationTimeoutMs: AUTH_TIMEOUT, failedAuthenticationDelayMs: 50 },
});
t.teardown(() => h.stop());

t.test('a handshake after expiry that never finishes does not keep the connection forwarding', async (t) => {
  const c = await RawClient.connect(h.saslPlaintext);
  t.equal((await scramExchange(c, 'bob', USERS.bob)).errorCode, 0);
  t.equal((await metadata(c)).brokers.length, 3, 'served while the session is valid');
  await sleep(LIFETIME + 100);
  const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' }, 5000);
  t.equal(hs.errorCode, 0, 'the re-authentication starts');
  const records = await recordBatch([Buffer.from('smuggled')]);
  const produced = await c
    .request<produce.Response>(
      ApiKey.Produce,
      7,
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'secure', partitionData: [{ index: 0, records }] }],
      },
      5000,
    )
    .catch(() => null);
  if (produced !== null) {
    t.equal(
      produced.responses[0]!.partitionResponses[0]!.errorCode,
      34,
      'a Produce during the re-authentication gets ILLEGAL_SASL_STATE, as from Kafka',
    );
  } else t.pass('a Produce during the re-authentication closed the connection');
  await c.closed;
  t.pass('and the connection is closed');
  t.ok(h.logs.some((l) => l.msg === 'request during re-authentication refused'));
});

t.test('a re-authentication must finish within the authentication timeout', async (t) => {
  const c = await RawClient.connect(h.saslPlaintext);
  t.equal((await scramExchange(c, 'bob', USERS.bob)).errorCode, 0);
  await sleep(1050); // re-authentication is allowed once a second
  const started = Date.now();
  t.equal(
    (await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' }, 5000)).errorCode,
    0,
  );
  await c.closed;
  const took = Date.now() - started;
  t.ok(
    took >= AUTH_TIMEOUT - 50 && took < AUTH_TIMEOUT + 3000,
    `closed after ${took} ms, about the authentication timeout`,
  );
  t.ok(h.logs.some((l) => l.reason === 'reauthentication_timeout'));
});

t.test('a finished re-authentication serves again', async (t) => {
  const c = await RawClient.connect(h.saslPlaintext);
  t.equal((await scramExchange(c, 'bob', USERS.bob)).errorCode, 0);
  await sleep(1050);
  t.equal((await scramExchange(c, 'bob', USERS.bob)).errorCode, 0);
  t.equal((await metadata(c)).brokers.length, 3);
  c.close();
});

t.test('a credential removed from the store stops working at the next expiry at the latest', async (t) => {
  const reauthing = await RawClient.connect(h.saslPlaintext);
  const idle = await RawClient.connect(h.saslPlaintext);
  t.equal((await scramExchange(reauthing, 'bob', USERS.bob)).errorCode, 0);
  t.equal((await scramExchange(idle, 'bob', USERS.bob)).errorCode, 0);
  const store = new CredentialStore(h.credentialsFile);
  store.remove('bob');
  store.save();
  h.proxy.credentials.reload();
  t.equal((await metadata(reauthing)).brokers.length, 3, 'the open session lasts until it expires');
  await sleep(1050);
  const again = await scramExchange(reauthing, 'bob', USERS.bob);
  t.equal(again.errorCode, 58, 'the re-authentication of a removed user fails');
  await reauthing.closed;
  await sleep(LIFETIME);
  await t.rejects(metadata(idle), /connection closed/, 'a session that does not re-authenticate ends at expiry');
});
