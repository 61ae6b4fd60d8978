// Throwaway certificates for TLS tests, made with `selfsigned` (a CA, a server certificate for
// localhost/127.0.0.1, client certificates signed by the CA or by an untrusted one); other server
// certificates of the CA with the openssl command line (makeServerCert).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeCa, makeLeaf } from '../../src/demo/pki.js';

export { makeCa, makeLeaf };

export interface TestPki {
  dir: string;
  caFile: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate for CN=writeuser with the full Kafka example subject. */
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the server does not trust. */
  rogueCert: string;
  rogueKey: string;
}

export async function makePki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pki-'));
  const ca = await makeCa();
  const server = await makeLeaf(ca, [['CN', 'localhost']], 'server');
  const client = await makeLeaf(
    ca,
    [
      ['C', 'Unknown'],
      ['ST', 'Unknown'],
      ['L', 'Unknown'],
      ['O', 'Unknown'],
      ['OU', 'ServiceUsers'],
      ['CN', 'writeuser'],
    ],
    'client',
  );
  const otherCa = await makeCa('rogue-ca');
  const rogue = await makeLeaf(otherCa, [['CN', 'rogue']], 'client');
  const w = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  return {
    dir,
    caFile: w('ca.pem', ca.cert),
    caKey: w('ca.key', ca.key),
    serverCert: w('server.pem', server.cert),
    serverKey: w('server.key', server.key),
    clientCert: w('client.pem', client.cert),
    clientKey: w('client.key', client.key),
    rogueCert: w('rogue.pem', rogue.cert),
    rogueKey: w('rogue.key', rogue.key),
  };
}

let serverCerts = 0;

/**
 * Another server certificate for localhost and 127.0.0.1 signed by the test CA: an ECDSA (P-256)
 * or RSA key, and with `revocationUris` the CRL distribution point and OCSP responder a
 * certificate of a real CA names (nothing serves them; a scan without --phone-out only checks that
 * they are there). Made with openssl, as selfsigned cannot write those two extensions.
 */
export function makeServerCert(
  pki: TestPki,
  opts: { keyType?: 'rsa' | 'ecdsa'; revocationUris?: boolean } = {},
): { cert: string; key: string } {
  const n = ++serverCerts;
  const p = (name: string) => join(pki.dir, `server-${n}.${name}`);
  const ecdsa = opts.keyType === 'ecdsa';
  const ext = [
    'basicConstraints = critical, CA:FALSE',
    `keyUsage = critical, ${ecdsa ? 'digitalSignature' : 'digitalSignature, keyEncipherment'}`,
    'extendedKeyUsage = serverAuth',
    'subjectAltName = DNS:localhost, IP:127.0.0.1',
    'subjectKeyIdentifier = hash',
    ...(opts.revocationUris
      ? [
          'crlDistributionPoints = URI:http://127.0.0.1:9/kafka-warden-test-ca.crl',
          'authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp',
        ]
      : []),
  ];
  writeFileSync(p('ext'), ext.join('\n') + '\n');
  const newkey = ecdsa ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const run = (args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  run(['req', '-new', ...newkey, '-nodes', '-keyout', p('key'), '-subj', '/CN=localhost', '-out', p('csr')]);
  run([
    'x509',
    '-req',
    '-in',
    p('csr'),
    '-CA',
    pki.caFile,
    '-CAkey',
    pki.caKey,
    '-days',
    '365',
    '-sha256',
    '-extfile',
    p('ext'),
    '-out',
    p('pem'),
  ]);
  return { cert: p('pem'), key: p('key') };
}
