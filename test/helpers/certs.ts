// Throwaway certificates for TLS tests, made with `selfsigned` (a CA, a server certificate for
// localhost/127.0.0.1, client certificates signed by the CA or by an untrusted one).
import { generate } from 'selfsigned';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface Pem {
  cert: string;
  key: string;
}

type Attr = { shortName: string; value: string };
const dn = (parts: Array<[string, string]>): Attr[] => parts.map(([shortName, value]) => ({ shortName, value }));

export async function makeCa(cn = 'warden-test-ca'): Promise<Pem> {
  const r = await generate(dn([['CN', cn]]), {
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  } as never);
  return { cert: r.cert, key: r.private };
}

export async function makeLeaf(ca: Pem, subject: Array<[string, string]>, kind: 'server' | 'client'): Promise<Pem> {
  const r = await generate(dn(subject), {
    keySize: 2048,
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: kind === 'server', clientAuth: kind === 'client' },
      ...(kind === 'server'
        ? [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }]
        : []),
    ],
  } as never);
  return { cert: r.cert, key: r.private };
}

export interface TestPki {
  dir: string;
  caFile: string;
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
  const client = await makeLeaf(ca, [['C', 'Unknown'], ['ST', 'Unknown'], ['L', 'Unknown'], ['O', 'Unknown'], ['OU', 'ServiceUsers'], ['CN', 'writeuser']], 'client');
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
    serverCert: w('server.pem', server.cert),
    serverKey: w('server.key', server.key),
    clientCert: w('client.pem', client.cert),
    clientKey: w('client.key', client.key),
    rogueCert: w('rogue.pem', rogue.cert),
    rogueKey: w('rogue.key', rogue.key),
  };
}
