// A proxy with every kind of listener, throwaway certificates and SCRAM users, for auth tests.
import { join } from 'node:path';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { makePki, type TestPki } from './certs.js';
import { startHarness, startProxyOn, type Harness, type ProxyHarness, type ProxyOptions } from './proxy.js';

export const USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;

export interface SecureListeners {
  pki: TestPki;
  credentialsFile: string;
  /** Bootstrap addresses by listener. */
  saslSsl: string;
  ssl: string;
  saslPlaintext: string;
}

export type SecureHarness = Harness & SecureListeners;
export type SecureProxy = ProxyHarness & SecureListeners;

export interface SecureOptions {
  auth?: Record<string, unknown>;
  acl?: Record<string, unknown>;
  config?: Record<string, unknown>;
  upstream?: Record<string, unknown>;
  /** Listener port base (a restarted proxy takes its predecessor's ports). */
  base?: number;
  /** Certificates and users to reuse (a restarted proxy keeps its predecessor's). */
  pki?: TestPki;
}

/**
 * `acl` defaults to alice as the super user and everything else allowed where no ACL names the
 * resource, which the authentication tests need; ACL tests pass their own.
 */
export async function startSecureHarness(
  opts: SecureOptions & { cluster?: Record<string, unknown> } = {},
): Promise<SecureHarness> {
  const { pki, credentialsFile, proxyOptions } = await secureSetup(opts);
  const h = await startHarness({ cluster: { brokers: 3, topics: { secure: 3 }, ...opts.cluster }, ...proxyOptions });
  return { ...h, ...listeners(h, pki, credentialsFile) };
}

/** The same listeners and users in front of any cluster (a real Kafka): stop() stops the proxy only. */
export async function startSecureProxyOn(bootstrap: string[], opts: SecureOptions = {}): Promise<SecureProxy> {
  const { pki, credentialsFile, proxyOptions } = await secureSetup(opts);
  const h = await startProxyOn(bootstrap, { ...proxyOptions, ...(opts.base !== undefined ? { base: opts.base } : {}) });
  return { ...h, ...listeners(h, pki, credentialsFile) };
}

function listeners(h: ProxyHarness, pki: TestPki, credentialsFile: string): SecureListeners {
  return {
    pki,
    credentialsFile,
    saslSsl: `localhost:${h.base + 20}`,
    ssl: `localhost:${h.base + 40}`,
    saslPlaintext: `127.0.0.1:${h.base + 60}`,
  };
}

async function secureSetup(
  opts: SecureOptions,
): Promise<{ pki: TestPki; credentialsFile: string; proxyOptions: ProxyOptions }> {
  const pki = opts.pki ?? (await makePki());
  const credentialsFile = join(pki.dir, 'users.yaml');
  const store = new CredentialStore(credentialsFile);
  store.set('alice', 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', USERS.alice));
  store.set('alice', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', USERS.alice));
  store.set('bob', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', USERS.bob));
  store.save();
  const tls = { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caFile };
  const proxyOptions: ProxyOptions = {
    auth: { credentialsFile, principalMappingRules: 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT', ...opts.auth },
    upstream: opts.upstream,
    config: { acl: opts.acl ?? { superUsers: ['User:alice'], allowEveryoneIfNoAclFound: true }, ...opts.config },
    extraListeners: (base) => [
      {
        name: 'secure',
        securityProtocol: 'SASL_SSL',
        host: '127.0.0.1',
        port: base + 20,
        brokerPortBase: base + 30,
        advertisedHost: 'localhost',
        tls: { ...tls, clientAuth: 'none' },
        sasl: { mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] },
      },
      {
        name: 'mtls',
        securityProtocol: 'SSL',
        host: '127.0.0.1',
        port: base + 40,
        brokerPortBase: base + 50,
        advertisedHost: 'localhost',
        tls: { ...tls, clientAuth: 'required' },
      },
      {
        name: 'saslplain',
        securityProtocol: 'SASL_PLAINTEXT',
        host: '127.0.0.1',
        port: base + 60,
        brokerPortBase: base + 70,
        advertisedHost: '127.0.0.1',
        sasl: { mechanisms: ['SCRAM-SHA-256'] },
      },
    ],
  };
  return { pki, credentialsFile, proxyOptions };
}
