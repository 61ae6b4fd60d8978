// Throwaway certificates for the demo and tests: a CA that can sign, and leaves it signed for the
// right use (a server certificate for localhost and 127.0.0.1, a client certificate).
import t from 'tap';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { makeCa, makeLeaf } from '../../src/demo/pki.js';

t.test('a CA, and server and client leaves it signed', async (t) => {
  const caPem = await makeCa('unit-ca');
  const ca = new X509Certificate(caPem.cert);
  t.ok(ca.ca, 'basicConstraints CA');
  t.equal(ca.subject, 'CN=unit-ca');
  t.ok(ca.checkPrivateKey(createPrivateKey(caPem.key)), "the key is the certificate's");
  t.equal((await makeCa()).cert.includes('BEGIN CERTIFICATE'), true);
  t.equal(new X509Certificate((await makeCa()).cert).subject, 'CN=kafka-warden-demo-ca', 'the default name');

  const serverPem = await makeLeaf(caPem, [['CN', 'localhost']], 'server');
  const server = new X509Certificate(serverPem.cert);
  t.notOk(server.ca);
  t.ok(server.verify(ca.publicKey), 'signed by the CA');
  t.equal(server.issuer, 'CN=unit-ca');
  t.ok(server.checkHost('localhost'));
  t.ok(server.checkIP('127.0.0.1'));
  t.match(server.keyUsage ?? [], ['1.3.6.1.5.5.7.3.1'], 'serverAuth');

  const clientPem = await makeLeaf(
    caPem,
    [
      ['O', 'Acme'],
      ['CN', 'alice'],
    ],
    'client',
  );
  const client = new X509Certificate(clientPem.cert);
  t.ok(client.verify(ca.publicKey));
  t.equal(client.subject, 'O=Acme\nCN=alice');
  t.equal(client.subjectAltName, undefined, 'no SAN on a client certificate');
  t.match(client.keyUsage ?? [], ['1.3.6.1.5.5.7.3.2'], 'clientAuth');

  const other = new X509Certificate((await makeCa('other')).cert);
  t.notOk(client.verify(other.publicKey), 'not verifiable with another CA');
});
