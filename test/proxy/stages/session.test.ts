// The session stage alone: principals per listener protocol, the SASL gate and exchange, timers.
import t from 'tap';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { RATE_LIMITED_MESSAGE, FailedLoginLimiter } from '../../../src/auth/login-guard.js';
import {
  SessionStage,
  PRE_AUTH_MAX_FRAME_BYTES,
  PRE_AUTH_MAX_REQUEST_ELEMENTS,
} from '../../../src/proxy/stages/session.js';
import type { LocalOutcome, Outcome } from '../../../src/proxy/stages/stage.js';
import type { ListenerSecurity } from '../../../src/proxy/client-context.js';
import { FakeAudit, FakePort, identityOf, recorderOf, requestOf, securityOf } from '../../helpers/stage-fakes.js';
import { metadata } from '../../helpers/requests.js';

// The stage's delays do not keep a process alive (a proxy's servers do): this test's timer does.
const alive = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(alive));

const LIMITS = { maxFrameBytes: 100 * 1024 * 1024, maxRequestElements: 1_000_000 };

function sessionOf(security: ListenerSecurity, tlsSubject: string | null = null) {
  const port = new FakePort();
  const id = identityOf(tlsSubject);
  const audit = new FakeAudit();
  const stage = new SessionStage(port, security, LIMITS, id, recorderOf(id, undefined, audit));
  t.teardown(() => stage.dispose());
  return { port, id, audit, stage };
}

const handshake = (mechanism: string, version = 1) => requestOf(ApiKey.SaslHandshake, version, { mechanism });
const authenticate = (bytes: string | Buffer) =>
  requestOf(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes) });
const plain = (user: string, password: string) => authenticate(`\0${user}\0${password}`);
const metadataRequest = () => requestOf(ApiKey.Metadata, 12, metadata(null));
const apiVersions = () => requestOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });

/** The settled outcome of a `later` one. */
async function settled(o: Outcome): Promise<LocalOutcome> {
  if (o.kind !== 'later') throw new Error(`expected a later outcome, got ${o.kind}`);
  return o.outcome;
}

function answerBody(o: Outcome): Record<string, unknown> {
  if (o.kind !== 'answer') throw new Error(`expected an answer, got ${o.kind}`);
  return o.body as unknown as Record<string, unknown>;
}

t.test('PLAINTEXT: ANONYMOUS from the start, everything goes on, SASL requests are refused', async (t) => {
  const { stage, id, port } = sessionOf(securityOf('PLAINTEXT'));
  t.equal(stage.open(), null);
  t.equal(id.principal, 'User:ANONYMOUS');
  t.equal(stage.elementBudget(), LIMITS.maxRequestElements);
  t.equal(port.maxFrameBytes, Infinity, 'no pre-authentication frame limit');
  t.equal(stage.onRequest(metadataRequest()).kind, 'forward');
  const o = stage.onRequest(handshake('PLAIN'));
  t.match(o, { kind: 'answer', then: { drain: true } });
  t.equal(answerBody(o).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  t.equal(stage.interceptFrame(Buffer.from('raw')), null);
});

t.test('SSL: the mapped certificate subject, ANONYMOUS without a certificate', async (t) => {
  const mapped = sessionOf(securityOf('SSL', { mapper: 'RULE:^CN=([^,]+).*$/$1/,DEFAULT' }), 'CN=alice,O=test');
  t.equal(mapped.stage.open(), null);
  t.equal(mapped.id.principal, 'User:alice');
  t.match(mapped.audit.events[0], {
    data: {
      authenticationInfo: { principal: 'User:alice', metadata: { mechanism: 'SSL', identifier: 'CN=alice,O=test' } },
      result: { status: 'SUCCESS' },
    },
  });
  const none = sessionOf(securityOf('SSL'));
  t.equal(none.stage.open(), null);
  t.equal(none.id.principal, 'User:ANONYMOUS');
  const unmapped = sessionOf(securityOf('SSL', { mapper: 'RULE:^CN=admin$/admin/' }), 'CN=alice');
  t.equal(unmapped.stage.open(), 'authentication_failed', 'no rule matches: refused');
  t.equal(unmapped.id.principal, null);
  const unaudited = sessionOf(securityOf('SSL'), 'CN=alice');
  unaudited.audit.accepting = false;
  t.equal(
    unaudited.stage.open(),
    'authentication_failed',
    'failClosed: a login that cannot be audited does not happen',
  );
});

t.test('SASL: bounded until authenticated; PLAIN login', async (t) => {
  const { stage, id, port, audit } = sessionOf(securityOf('SASL_PLAINTEXT'));
  t.equal(stage.open(), null);
  t.equal(port.maxFrameBytes, PRE_AUTH_MAX_FRAME_BYTES);
  t.equal(stage.elementBudget(), PRE_AUTH_MAX_REQUEST_ELEMENTS);
  t.equal(stage.onRequest(apiVersions()).kind, 'forward', 'ApiVersions before the handshake');
  const hs = stage.onRequest(handshake('PLAIN'));
  t.same(answerBody(hs), { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  const ok = await settled(stage.onRequest(plain('alice', 'alice-pw')));
  t.match(ok, { kind: 'answer', body: { errorCode: 0, errorMessage: null } });
  t.equal(id.principal, 'User:alice');
  t.equal(port.maxFrameBytes, LIMITS.maxFrameBytes, 'the full frame limit once authenticated');
  t.equal(stage.elementBudget(), LIMITS.maxRequestElements);
  t.equal(stage.onRequest(metadataRequest()).kind, 'forward');
  t.match(audit.events.at(-1), {
    data: {
      authenticationInfo: { principal: 'User:alice', metadata: { mechanism: 'PLAIN' } },
      result: { status: 'SUCCESS' },
    },
  });
});

t.test('a wrong password: the failure answer after the delay, then a drain with a linger', async (t) => {
  const security = securityOf('SASL_PLAINTEXT', { failedAuthDelayMs: 20 });
  const { stage, id, audit } = sessionOf(security);
  stage.open();
  stage.onRequest(handshake('PLAIN'));
  const started = Date.now();
  const failed = await settled(stage.onRequest(plain('alice', 'wrong')));
  t.ok(Date.now() - started >= 15, 'not before the failed-authentication delay');
  t.match(failed, {
    kind: 'answer',
    body: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED },
    then: { drain: true, lingerMs: 20 },
  });
  t.equal(id.principal, null);
  t.match(audit.events.at(-1), {
    data: { authenticationInfo: { principal: 'User:alice' }, result: { status: 'UNAUTHENTICATED' } },
  });
  t.equal(stage.onRequest(metadataRequest()).kind, 'later', 'nothing else is accepted after a failure');
});

t.test('an unknown mechanism, and SaslAuthenticate without a handshake, are answered and drained', async (t) => {
  const a = sessionOf(securityOf('SASL_PLAINTEXT'));
  a.stage.open();
  const hs = a.stage.onRequest(handshake('GSSAPI'));
  t.match(hs, { kind: 'answer', then: { drain: true } });
  t.equal(answerBody(hs).errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  t.match(a.audit.events.at(-1), {
    data: { authenticationInfo: { metadata: { mechanism: 'GSSAPI' } }, result: { status: 'UNAUTHENTICATED' } },
  });
  const b = sessionOf(securityOf('SASL_PLAINTEXT'));
  b.stage.open();
  const auth = b.stage.onRequest(plain('alice', 'alice-pw'));
  t.equal(answerBody(auth).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
});

t.test(
  'a request before the handshake closes after the delay; after it, it gets ILLEGAL_SASL_STATE first',
  async (t) => {
    const before = sessionOf(securityOf('SASL_PLAINTEXT'));
    before.stage.open();
    t.match(await settled(before.stage.onRequest(metadataRequest())), {
      kind: 'close',
      reason: 'request_before_authentication',
    });
    const during = sessionOf(securityOf('SASL_PLAINTEXT'));
    during.stage.open();
    during.stage.onRequest(handshake('PLAIN'));
    const o = await settled(during.stage.onRequest(metadataRequest()));
    t.match(o, { kind: 'answer', then: { drain: true } });
    const packet = o.kind === 'answer' ? o.body : null;
    t.match(packet, { topics: [] }, "the request's own error response");
  },
);

t.test('the authentication timeout closes an exchange that does not finish', async (t) => {
  const { stage, port } = sessionOf(securityOf('SASL_PLAINTEXT', { authTimeoutMs: 20 }));
  stage.open();
  await new Promise((r) => setTimeout(r, 60));
  t.equal(port.closes[0]?.reason, 'authentication_timeout');
  const done = sessionOf(securityOf('SASL_PLAINTEXT', { authTimeoutMs: 40 }));
  done.stage.open();
  done.stage.onRequest(handshake('PLAIN'));
  await settled(done.stage.onRequest(plain('bob', 'bob-pw')));
  await new Promise((r) => setTimeout(r, 80));
  t.same(done.port.closes, [], 'a finished login stops the timer');
});

t.test('an expired session closes at its next request; re-authentication has its own timeout', async (t) => {
  const { stage, port } = sessionOf(securityOf('SASL_PLAINTEXT', { maxReauthMs: 30, authTimeoutMs: 20 }));
  stage.open();
  stage.onRequest(handshake('PLAIN'));
  const ok = await settled(stage.onRequest(plain('alice', 'alice-pw')));
  t.match(ok, { body: { sessionLifetimeMs: 30n } }, 'the session lifetime is announced');
  await new Promise((r) => setTimeout(r, 1050));
  t.match(stage.onRequest(metadataRequest()), { kind: 'close', reason: 'session_expired' });
  t.equal(answerBody(stage.onRequest(handshake('PLAIN'))).errorCode, 0, 'a v1 handshake starts a re-authentication');
  t.equal(port.maxFrameBytes, PRE_AUTH_MAX_FRAME_BYTES);
  await new Promise((r) => setTimeout(r, 60));
  t.equal(port.closes[0]?.reason, 'reauthentication_timeout');
});

t.test('SaslHandshake v0: the tokens come as raw frames', async (t) => {
  const { stage, id } = sessionOf(securityOf('SASL_PLAINTEXT'));
  stage.open();
  stage.onRequest(handshake('PLAIN', 0));
  const token = stage.interceptFrame(Buffer.from('\0bob\0bob-pw'));
  t.ok(token !== null);
  const o = await settled(token!);
  t.match(o, { kind: 'answer-packet' });
  t.same(
    o.kind === 'answer-packet' ? o.packet : null,
    Buffer.from([0, 0, 0, 0]),
    'PLAIN success: an empty size-prefixed token',
  );
  t.equal(id.principal, 'User:bob');
  t.equal(stage.interceptFrame(Buffer.from('x')), null, 'requests again once authenticated');
  const bad = sessionOf(securityOf('SASL_PLAINTEXT'));
  bad.stage.open();
  bad.stage.onRequest(handshake('PLAIN', 0));
  t.match(
    await settled(bad.stage.interceptFrame(Buffer.from('\0bob\0nope'))!),
    { kind: 'close', reason: 'authentication_failed' },
    'no frame for an error: a close',
  );
});

t.test('an address over its failed-login budget gets no verdict on its password', async (t) => {
  const security = {
    ...securityOf('SASL_PLAINTEXT'),
    failedLogins: new FailedLoginLimiter({ attempts: 1, windowMs: 60_000 }),
  };
  const first = sessionOf(security);
  first.stage.open();
  first.stage.onRequest(handshake('PLAIN'));
  await settled(first.stage.onRequest(plain('alice', 'wrong')));
  const second = sessionOf(security);
  second.stage.open();
  second.stage.onRequest(handshake('PLAIN'));
  const o = await settled(second.stage.onRequest(plain('alice', 'alice-pw')));
  t.match(
    o,
    { kind: 'answer', body: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: RATE_LIMITED_MESSAGE } },
    'the right password is refused too',
  );
  t.equal(second.id.principal, null);
});

t.test('failClosed: a SASL login that cannot be audited is refused at once', async (t) => {
  const { stage, id, audit } = sessionOf(securityOf('SASL_PLAINTEXT'));
  stage.open();
  stage.onRequest(handshake('PLAIN'));
  audit.accepting = false;
  const o = await settled(stage.onRequest(plain('alice', 'alice-pw')));
  t.match(o, { kind: 'answer', body: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED }, then: { drain: true } });
  t.equal(o.kind === 'answer' ? o.then?.lingerMs : -1, undefined, 'no linger');
  t.equal(id.principal, null);
});

t.test('a SCRAM exchange takes two steps, the first held as a challenge', async (t) => {
  const { stage, id } = sessionOf(securityOf('SASL_PLAINTEXT'));
  stage.open();
  stage.onRequest(handshake('SCRAM-SHA-256'));
  const first = await settled(stage.onRequest(authenticate('n,,n=alice,r=clientnonce')));
  t.match(first, { kind: 'answer', body: { errorCode: 0 } });
  const challenge = String(first.kind === 'answer' ? (first.body as { authBytes: Buffer }).authBytes : '');
  t.match(challenge, /^r=clientnonce.+,s=.+,i=\d+$/);
  t.equal(id.principal, null, 'not authenticated after the first step');
});
