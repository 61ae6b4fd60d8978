import t from 'tap';
import { createHmac, createHash } from 'node:crypto';
import {
  ScramServer,
  credentialFromSalted,
  saltedPassword,
  makeCredential,
  formatCredential,
  parseCredential,
  unescapeSaslName,
  type ScramCredential,
} from '../../src/auth/scram.js';
import { AuthError } from '../../src/auth/errors.js';
import { UnknownUsers, profileOf } from '../../src/auth/unknown-users.js';

const noUnknowns = new UnknownUsers(Buffer.alloc(32), profileOf([]));
const unknownFor =
  (mech: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', u: UnknownUsers = noUnknowns) =>
  (user: string) =>
    u.scram(mech, user);

t.test('RFC 7677 test vector (user "user", password "pencil")', async (t) => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const salted = saltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096);
  t.equal(salted.toString('base64'), 'xKSVEDI6tPlSysH6mUQZOeeOp01r6B3fcJbodRPcYV0=', 'SaltedPassword');
  const cred = credentialFromSalted('SCRAM-SHA-256', salted, salt, 4096);
  t.equal(cred.storedKey.toString('base64'), 'WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=', 'StoredKey');
  t.equal(cred.serverKey.toString('base64'), 'wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=', 'ServerKey');
  const server = new ScramServer(
    'SCRAM-SHA-256',
    (u) => (u === 'user' ? cred : undefined),
    unknownFor('SCRAM-SHA-256'),
  );
  const first = server.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'), '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  t.equal(
    first.response.toString(),
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    'server-first',
  );
  const final = server.step(
    Buffer.from(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    ),
  );
  t.equal(final.response.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', 'server-final');
  t.equal(final.user, 'user');
});

function exchange(
  mech: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  lookup: (u: string) => ScramCredential | undefined,
  user: string,
  password: string,
  unknown: UnknownUsers = noUnknowns,
) {
  // A minimal client side, to drive the server with other users and passwords.
  const d = mech === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const server = new ScramServer(mech, (u) => lookup(u), unknownFor(mech, unknown));
  const cnonce = 'clientnonce123';
  const bare = `n=${user},r=${cnonce}`;
  const sf = server.step(Buffer.from(`n,,${bare}`)).response.toString();
  const [, r, s, i] = /^r=([^,]+),s=([^,]+),i=(\d+)$/.exec(sf)!;
  const salted = saltedPassword(mech, password, Buffer.from(s!, 'base64'), Number(i));
  const clientKey = createHmac(d, salted).update('Client Key').digest();
  const storedKey = createHash(d).update(clientKey).digest();
  const withoutProof = `c=biws,r=${r}`;
  const authMessage = `${bare},${sf},${withoutProof}`;
  const sig = createHmac(d, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, k) => b ^ sig[k]!));
  return { sf, result: () => server.step(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)) };
}

t.test('SHA-512 success, wrong password and unknown user fail at the same step', async (t) => {
  const cred = makeCredential('SCRAM-SHA-512', 'secret-pw', 8192);
  const lookup = (u: string) => (u === 'alice' ? cred : undefined);
  const users = new UnknownUsers(Buffer.from('secret-of-this-test'), profileOf([new Map([['SCRAM-SHA-512', cred]])]));
  t.equal(exchange('SCRAM-SHA-512', lookup, 'alice', 'secret-pw', users).result().user, 'alice');
  const wrong = exchange('SCRAM-SHA-512', lookup, 'alice', 'nope', users);
  t.throws(() => wrong.result(), AuthError, 'wrong password fails in round two');
  const unknown = exchange('SCRAM-SHA-512', lookup, 'mallory', 'whatever', users);
  t.match(
    unknown.sf,
    /^r=clientnonce123[^,]+,s=[^,]+,i=8192$/,
    'unknown user gets a challenge with the iterations real users have',
  );
  t.equal(
    Buffer.from(unknown.sf.split(',s=')[1]!.split(',')[0]!, 'base64').length,
    cred.salt.length,
    'and a salt of their length',
  );
  t.throws(() => unknown.result(), AuthError, 'and fails in round two');
  const again = exchange('SCRAM-SHA-512', lookup, 'mallory', 'x', users);
  t.equal(again.sf.split(',s=')[1], unknown.sf.split(',s=')[1], 'the stand-in salt is the same on every attempt');
});

t.test('a final nonce that ends with the server nonce is accepted, as Kafka does (librdkafka 2.0.2)', async (t) => {
  const cred = makeCredential('SCRAM-SHA-256', 'pw');
  const server = new ScramServer('SCRAM-SHA-256', () => cred, unknownFor('SCRAM-SHA-256'));
  const sf = server.step(Buffer.from('n,,n=u,r=abc')).response.toString();
  const nonce = /r=([^,]+)/.exec(sf)![1]!;
  t.throws(
    () => server.step(Buffer.from(`c=biws,r=xyz${nonce.slice(3)},p=AAAA`)),
    /nonce/,
    'a nonce that does not end with ours is refused',
  );
});

t.test('malformed and refused client-first messages', async (t) => {
  const server = () => new ScramServer('SCRAM-SHA-256', () => undefined, unknownFor('SCRAM-SHA-256'));
  for (const bad of [
    'y,,n=u,r=abc',
    'p=tls-unique,,n=u,r=abc',
    'n,,n=,r=abc',
    'n,,r=abc',
    'n,a=other,n=u,r=abc',
    'n,,n=u=x,r=abc',
    'n,,n=u,r=abc,tokenauth=true',
    'garbage',
  ]) {
    t.throws(() => server().step(Buffer.from(bad)), { code: 'WARDEN_ERR_AUTH_FAILED' }, bad);
  }
  t.doesNotThrow(() => server().step(Buffer.from('n,a=u,n=u,r=abc')), 'authzid equal to the user is accepted');
  t.equal(unescapeSaslName('a=2Cb=3Dc'), 'a,b=c');
});

t.test("credentials in Kafka's text form", async (t) => {
  const c = makeCredential('SCRAM-SHA-256', 'pw', 4096);
  const text = formatCredential(c);
  t.match(text, /^salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=4096$/);
  t.same(parseCredential('SCRAM-SHA-256', text), c);
  t.throws(() => makeCredential('SCRAM-SHA-256', 'pw', 1000), /between 4096 and 16384/);
  t.throws(() => parseCredential('SCRAM-SHA-256', text.replace('iterations=4096', 'iterations=100')), /between/);
  t.throws(() => parseCredential('SCRAM-SHA-512', text), /length/);
  t.throws(() => parseCredential('SCRAM-SHA-256', 'password=hunter2'), AuthError);
});
