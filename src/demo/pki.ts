import { generate } from 'selfsigned';

/** A PEM certificate and its private key. */
export interface Pem {
  cert: string;
  key: string;
}

type Attr = { shortName: string; value: string };
const dn = (parts: Array<[string, string]>): Attr[] => parts.map(([shortName, value]) => ({ shortName, value }));

/** A throwaway certificate authority (for the demo and tests; never for production). */
export async function makeCa(cn = 'kafka-warden-demo-ca'): Promise<Pem> {
  const r = await generate(dn([['CN', cn]]), {
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  } as never);
  return { cert: r.cert, key: r.private };
}

/** A server (localhost, 127.0.0.1) or client certificate signed by `ca`. */
export async function makeLeaf(ca: Pem, subject: Array<[string, string]>, kind: 'server' | 'client'): Promise<Pem> {
  const r = await generate(dn(subject), {
    keySize: 2048,
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: kind === 'server', clientAuth: kind === 'client' },
      ...(kind === 'server'
        ? [
            {
              name: 'subjectAltName',
              altNames: [
                { type: 2, value: 'localhost' },
                { type: 7, ip: '127.0.0.1' },
              ],
            },
          ]
        : []),
    ],
  } as never);
  return { cert: r.cert, key: r.private };
}
