// The one door to a TLS client's identity, with stand-in sockets: a certificate counts only once
// it verified, and a handshake is refused exactly when Kafka's SslFactory would refuse it.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { tlsRefusal, verifiedPeerCertificate, verifiedSubjectDn } from '../../src/auth/tls-identity.js';
import { makeCa } from '../../src/demo/pki.js';

interface FakeTls {
  authorized: boolean;
  authorizationError?: string;
  getPeerX509Certificate?: () => X509Certificate | undefined;
}

const socket = (s: FakeTls) => s as unknown as TLSSocket;

t.test('verified certificates only', async (t) => {
  const cert = new X509Certificate((await makeCa('alice-client')).cert);
  const verified = socket({ authorized: true, getPeerX509Certificate: () => cert });
  t.equal(verifiedPeerCertificate(verified), cert);
  t.equal(verifiedSubjectDn(verified), 'CN=alice-client');

  const unverified = socket({
    authorized: false,
    authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN',
    getPeerX509Certificate: () => cert,
  });
  t.equal(verifiedPeerCertificate(unverified), null, 'presented but not verified');
  t.equal(verifiedSubjectDn(unverified), null);

  t.equal(
    verifiedPeerCertificate(socket({ authorized: true, getPeerX509Certificate: () => undefined })),
    null,
    'verified, no certificate',
  );
  t.equal(verifiedPeerCertificate(socket({ authorized: true })), null, 'not a socket that can show one');
  t.equal(verifiedSubjectDn(socket({ authorized: true })), null);
});

t.test('a verified certificate whose subject cannot be parsed gives no DN', async (t) => {
  const broken = { raw: Buffer.from('not DER') } as unknown as X509Certificate;
  t.equal(verifiedSubjectDn(socket({ authorized: true, getPeerX509Certificate: () => broken })), null);
});

t.test('tlsRefusal follows clientAuth', async (t) => {
  const cert = {} as X509Certificate;
  const none = socket({ authorized: false });
  const rogue = socket({
    authorized: false,
    authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    getPeerX509Certificate: () => cert,
  });
  const rogueNoReason = socket({ authorized: false, getPeerX509Certificate: () => cert });
  const good = socket({ authorized: true, getPeerX509Certificate: () => cert });
  const bare = socket({ authorized: false, getPeerX509Certificate: () => undefined });

  t.equal(tlsRefusal(rogue, 'none'), null, 'none: nothing is checked');
  t.equal(tlsRefusal(good, 'required'), null);
  t.equal(tlsRefusal(good, 'requested'), null);
  t.equal(tlsRefusal(bare, 'requested'), null, 'requested: no certificate is fine');
  t.equal(tlsRefusal(none, 'requested'), null);
  t.equal(tlsRefusal(rogue, 'requested'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'requested: a bad certificate is not');
  t.equal(tlsRefusal(rogueNoReason, 'requested'), 'CERTIFICATE_VERIFY_FAILED');
  t.equal(tlsRefusal(bare, 'required'), 'NO_CLIENT_CERTIFICATE');
  t.equal(tlsRefusal(rogue, 'required'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});
