// A proxy with SASL_SSL listeners on the default TLS settings (or given ones), and a TLS client
// that reports what a handshake with them gives.
import tls from 'node:tls';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { makePki, type TestPki } from './certs.js';
import { startHarness, type Harness } from './proxy.js';

export interface TlsHarness extends Harness {
  pki: TestPki;
  /** The bootstrap port of each SASL_SSL listener, by name. */
  ports: Record<string, number>;
}

/**
 * One SASL_SSL listener per entry of `listeners` (name -> its `tls` section: certFile and keyFile,
 * anything else is left to the defaults unless given), in front of a one-broker mock cluster.
 */
export async function startTlsHarness(
  listeners: (pki: TestPki) => Record<string, Record<string, unknown>>,
  opts: { auth?: Record<string, unknown>; pki?: TestPki } = {},
): Promise<TlsHarness> {
  const pki = opts.pki ?? (await makePki());
  const credentialsFile = join(pki.dir, 'tls-users.yaml');
  const store = new CredentialStore(credentialsFile);
  store.set('alice', 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', 'alice-secret'));
  store.save();
  const entries = Object.entries(listeners(pki));
  const h = await startHarness({
    cluster: { brokers: 1 },
    auth: { credentialsFile, ...opts.auth },
    extraListeners: (base) =>
      entries.map(([name, tlsSection], i) => ({
        name,
        securityProtocol: 'SASL_SSL',
        host: '127.0.0.1',
        port: base + 20 + 20 * i,
        brokerPortBase: base + 30 + 20 * i,
        advertisedHost: 'localhost',
        tls: tlsSection,
        sasl: { mechanisms: ['SCRAM-SHA-512'] },
      })),
  });
  return { ...h, pki, ports: Object.fromEntries(entries.map(([name], i) => [name, h.base + 20 + 20 * i])) };
}

export interface HandshakeResult {
  /** The negotiated protocol, or null when the handshake failed. */
  protocol: string | null;
  cipher: string | null;
  /** The key exchange group (X25519, prime256v1...). */
  group: string | null;
  /** Why the handshake failed (the error code), or null. */
  error: string | null;
}

/** One TLS handshake with 127.0.0.1:port as a client with `opts`, verifying the test CA; 10 s at most. */
export function handshake(port: number, pki: TestPki, opts: tls.ConnectionOptions = {}): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.caFile), ...opts });
    const done = (r: HandshakeResult) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ protocol: null, cipher: null, group: null, error: 'no answer in 10 s' }),
      10_000,
    );
    s.once('secureConnect', () =>
      done({
        protocol: s.getProtocol(),
        cipher: s.getCipher().name,
        group: (s.getEphemeralKeyInfo() as tls.EphemeralKeyInfo | null)?.name ?? null,
        error: null,
      }),
    );
    s.once('error', (e: NodeJS.ErrnoException) =>
      done({ protocol: null, cipher: null, group: null, error: e.code ?? e.message }),
    );
  });
}
