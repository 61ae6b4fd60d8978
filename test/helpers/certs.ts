// Throwaway certificates for TLS tests, made with `selfsigned` (a CA, a server certificate for
// localhost/127.0.0.1, client certificates signed by the CA or by an untrusted one).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeCa, makeLeaf } from '../../src/cli/pki.js';

export { makeCa, makeLeaf };

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
